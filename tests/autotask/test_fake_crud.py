"""Every verb against the fake tenant, with the real URL rules."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import httpx
import pytest

from autotask_fn.autotask import (
    AutotaskClient,
    AutotaskNotFoundError,
    AutotaskUnsupportedOperation,
    AutotaskValidationError,
    AutotaskZoneError,
    Ticket,
    TimeEntry,
    get_udf,
    set_udfs,
)

DAY = dt.date(2024, 5, 6)


def test_zone_is_discovered_through_the_fake(at, fake) -> None:
    assert at.zone.url == fake.base_url
    assert at.zone.ci == fake.ci
    assert fake.count_requests(path="zoneInformation") == 1


def test_ticket_create_get_patch_put(at, fake, new_ticket) -> None:
    ticket_id = new_ticket(description="Tray 2", externalID="[FN:sandbox:wo:1]")
    stored = fake.record("Tickets", ticket_id)
    assert stored["title"] == "Printer jam"
    assert stored["externalID"] == "[FN:sandbox:wo:1]"
    got = at.get("Tickets", ticket_id)
    assert got is not None
    assert got["id"] == ticket_id
    assert got["description"] == "Tray 2"

    assert at.update("Tickets", {"id": ticket_id, "title": "Printer fixed"}) == ticket_id
    after = fake.record("Tickets", ticket_id)
    assert after["title"] == "Printer fixed"
    assert after["description"] == "Tray 2"  # PATCH leaves other fields alone
    patch = [r for r in fake.requests if r.method == "PATCH"][-1]
    assert patch.body == b'{"id":' + str(ticket_id).encode() + b',"title":"Printer fixed"}'

    full = {k: v for k, v in after.items() if k in (
        "id", "title", "companyID", "status", "priority", "queueID")}
    at.replace("Tickets", full)
    assert fake.record("Tickets", ticket_id)["description"] is None  # PUT clears the rest


def test_unknown_ids_read_as_none(at) -> None:
    assert at.get("Tickets", 987654321) is None


def test_ticket_delete_is_refused_before_any_request(at, fake, new_ticket) -> None:
    ticket_id = new_ticket()
    before = len(fake.requests)
    with pytest.raises(AutotaskUnsupportedOperation):
        at.delete("Tickets", ticket_id)
    assert len(fake.requests) == before
    assert fake.record("Tickets", ticket_id) is not None


def test_time_entries_create_update_delete(at, fake, new_ticket) -> None:
    ticket_id = new_ticket(assignedResourceID=fake.seed.tech_resource_id,
                           assignedResourceRoleID=fake.seed.tech_role_id)
    start = dt.datetime(2024, 5, 6, 10, 0, tzinfo=dt.UTC)
    entry_id = at.create("TimeEntries", {
        "ticketID": ticket_id, "resourceID": fake.seed.tech_resource_id,
        "roleID": fake.seed.tech_role_id, "dateWorked": DAY, "startDateTime": start,
        "endDateTime": start + dt.timedelta(hours=2), "hoursWorked": Decimal("2"),
        "summaryNotes": "Replaced fuser", "internalNotes": "[FN:sandbox:time:7]"})
    assert fake.record("TimeEntries", entry_id)["hoursWorked"] == 2
    at.update("TimeEntries", {"id": entry_id, "summaryNotes": "Replaced fuser unit"})
    assert fake.record("TimeEntries", entry_id)["summaryNotes"] == "Replaced fuser unit"
    at.delete("TimeEntries", entry_id)
    assert fake.record("TimeEntries", entry_id) is None
    assert fake.count_requests("DELETE", path=rf"/TimeEntries/{entry_id}$") == 1


def test_children_are_written_through_their_parent(at, fake, new_ticket) -> None:
    ticket_id = new_ticket()
    note_type = at.picklist("TicketNotes", "noteType")
    publish = at.picklist("TicketNotes", "publish")
    note_id = at.create("TicketNotes", {
        "ticketID": ticket_id, "title": "[FN:sandbox:msg:1]", "description": "On site",
        "noteType": note_type.value_for(note_type.labels()[0]),
        "publish": publish.value_for(publish.labels()[0])})
    assert fake.record("TicketNotes", note_id)["ticketID"] == ticket_id
    assert fake.count_requests("POST", path=rf"/Tickets/{ticket_id}/Notes$") == 1

    charge_type = at.picklist("TicketCharges", "chargeType")
    charge_id = at.create("TicketCharges", {
        "ticketID": ticket_id, "name": "Parking", "unitQuantity": 1, "unitPrice": 12.5,
        "chargeType": charge_type.value_for(charge_type.labels()[0]),
        "datePurchased": DAY, "isBillableToCompany": True})
    at.update("TicketCharges", {"id": charge_id, "ticketID": ticket_id, "notes": "receipt"})
    assert fake.record("TicketCharges", charge_id)["notes"] == "receipt"
    at.delete("TicketCharges", charge_id)  # parent found by reading the charge
    assert fake.record("TicketCharges", charge_id) is None
    assert fake.count_requests("DELETE", path=rf"/Tickets/{ticket_id}/Charges/{charge_id}$") == 1

    data = base64.b64encode(b"%PDF-1.4 fake").decode()
    attachment_id = at.create("TicketAttachments", {
        "parentID": ticket_id, "title": "[FN:sandbox:file:3]", "fullPath": "report.pdf",
        "attachmentType": "FILE_ATTACHMENT", "publish": 1, "data": data})
    assert at.get("TicketAttachments", attachment_id)["data"] == data
    at.delete("TicketAttachments", attachment_id, parent_id=ticket_id)
    assert fake.record("TicketAttachments", attachment_id) is None


def test_expense_items_go_through_expenses(at, fake) -> None:
    report_id = at.create("ExpenseReports", {
        "name": "[FN:sandbox:exp:9]", "submitterID": fake.seed.tech_resource_id,
        "weekEnding": dt.date(2024, 5, 11)})
    category = at.picklist("ExpenseItems", "expenseCategory")
    item_id = at.create("ExpenseItems", {
        "expenseReportID": report_id, "expenseDate": DAY, "description": "Parking",
        "expenseCategory": category.value_for(category.labels()[0]),
        "expenseCurrencyExpenseAmount": Decimal("12.50"), "isBillableToCompany": True,
        "isReimbursable": True, "haveReceipt": False})
    assert fake.record("ExpenseItems", item_id)["expenseReportID"] == report_id
    assert fake.count_requests("POST", path=rf"/Expenses/{report_id}/Items$") == 1


def test_company_children_and_tasks(at, fake) -> None:
    company = fake.seed.company_id
    location_id = at.create("CompanyLocations", {"companyID": company, "name": "Depot"})
    contact_id = at.create("Contacts", {"companyID": company, "firstName": "Ada",
                                        "lastName": "Lovelace", "isActive": 1})
    assert fake.record("CompanyLocations", location_id)["companyID"] == company
    assert fake.record("Contacts", contact_id)["lastName"] == "Lovelace"
    task_type = at.picklist("Tasks", "taskType")
    task_id = at.create("Tasks", {"projectID": fake.seed.project_id, "title": "Install",
                                  "status": 1, "taskType": task_type.value_for("FixedWork")})
    assert fake.record("Tasks", task_id)["projectID"] == fake.seed.project_id


def test_validation_messages_become_validation_errors(at, fake) -> None:
    with pytest.raises(AutotaskValidationError) as info:
        at.create("Tickets", {"companyID": fake.seed.company_id, "status": 1, "priority": 2,
                              "queueID": fake.seed.queue_id})
    assert info.value.status == 500
    assert any("title" in e for e in info.value.errors)
    assert info.value.ambiguous is False
    assert fake.count_requests("POST") == 1


def test_a_route_the_fake_does_not_know_is_not_found(at) -> None:
    with pytest.raises(AutotaskNotFoundError):
        at.get("NoSuchEntities", 1)


def test_udfs_are_read_and_written_by_name(at, fake, new_ticket) -> None:
    ticket_id = new_ticket(**set_udfs({}, {"FN Work Order ID": 4711}))
    assert get_udf(at.get("Tickets", ticket_id), "fn work order id") == "4711"
    names = {u.name for u in at.udfs("Tickets")}
    assert "FN Work Order ID" in names


def test_typed_models_round_trip(at, fake) -> None:
    created = at.create_model(Ticket(
        title="Model ticket", company_id=fake.seed.company_id, status=1, priority=2,
        queue_id=fake.seed.queue_id, due_date_time=dt.datetime(2024, 6, 1, 9, tzinfo=dt.UTC)))
    assert isinstance(created.id, int)
    loaded = at.get_model(Ticket, created.id)
    assert loaded is not None
    assert loaded.title == "Model ticket"
    assert loaded.due_date_time == dt.datetime(2024, 6, 1, 9, tzinfo=dt.UTC)
    assert loaded.ticket_number  # read-only field filled by Autotask
    at.update_model(Ticket(id=created.id, description=None, title="Renamed"))
    assert fake.record("Tickets", created.id)["title"] == "Renamed"
    assert at.get_model(TimeEntry, 123456789) is None


def test_stats_count_what_was_sent(at, new_ticket) -> None:
    at.zone  # noqa: B018
    at.stats.reset()
    ticket_id = new_ticket()
    at.get("Tickets", ticket_id)
    assert at.stats.total == 2
    assert at.stats.by_method == {"POST": 1, "GET": 1}
    assert at.stats.by_entity == {"Tickets": 2}


def test_unknown_usernames_fail_zone_discovery_with_a_hint(fake) -> None:
    client = AutotaskClient("nobody@example.com", fake.SECRET, fake.INTEGRATION_CODE,
                            zone_url=fake.zone_url, transport=httpx.WSGITransport(app=fake))
    with pytest.raises(AutotaskZoneError) as info:
        client.get("Tickets", 1)
    assert info.value.status == 500
    assert "Zone information could not be determined" in info.value.errors
    assert "username" in info.value.hint


def test_impersonation_writes_as_the_given_resource(fake) -> None:
    client = AutotaskClient(fake.USERNAME, fake.SECRET, fake.INTEGRATION_CODE,
                            zone_url=fake.zone_url, transport=httpx.WSGITransport(app=fake),
                            impersonation_resource_id=fake.seed.tech_resource_id)
    ticket_id = client.create("Tickets", {
        "title": "As tech", "companyID": fake.seed.company_id, "status": 1, "priority": 2,
        "queueID": fake.seed.queue_id})
    assert fake.record("Tickets", ticket_id)["creatorResourceID"] == fake.seed.tech_resource_id


def test_a_host_supplied_http_client_is_used_and_left_open(fake) -> None:
    http = httpx.Client(transport=httpx.WSGITransport(app=fake))
    with AutotaskClient(fake.USERNAME, fake.SECRET, fake.INTEGRATION_CODE,
                        zone_url=fake.zone_url, http_client=http) as client:
        assert client.get("Tickets", 1) is None
    assert not http.is_closed
    assert fake.count_requests() == 2
    http.close()


def test_the_connection_check_passes_on_a_healthy_tenant(at, fake) -> None:
    report = at.check_connection()
    assert report.ok, str(report)
    assert {"POST", "PATCH", "PUT", "DELETE"}.isdisjoint({r.method for r in fake.requests})
    assert fake.count_requests(path="entityInformation$") == len(report.results) - 4
