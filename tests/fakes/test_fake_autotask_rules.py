"""FakeAutotask: validation and business rules, locks and attachments."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from autotask_fn.testing import FakeAutotask

from .test_fake_autotask_support import (  # fixtures: client, fake
    assigned_ticket,
    client_fixture,  # noqa: F401
    connect,
    create,
    errors,
    fake_fixture,  # noqa: F401
    ticket_fields,
)


def _refused(response: httpx.Response, fragment: str) -> None:
    assert response.status_code == 500, response.text
    assert any(fragment.lower() in e.lower() for e in errors(response)), errors(response)


# -- tickets ----------------------------------------------------------------------------
@pytest.mark.parametrize("field", ["title", "status", "priority", "companyID"])
def test_ticket_required_fields(fake: FakeAutotask, client: httpx.Client, field: str) -> None:
    body = ticket_fields(fake)
    del body[field]
    _refused(client.post("Tickets", json=body), field)
    assert fake.records("Tickets") == []


def test_a_ticket_needs_a_queue_or_an_assigned_resource(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    body = ticket_fields(fake)
    del body["queueID"]
    _refused(client.post("Tickets", json=body), "queueID")
    assigned = {**body, "assignedResourceID": fake.seed.tech_resource_id,
                "assignedResourceRoleID": fake.seed.tech_role_id}
    assert client.post("Tickets", json=assigned).status_code == 200
    fake.set_tenant_option(require_queue_or_resource=False)
    assert client.post("Tickets", json=body).status_code == 200


def test_assigning_a_resource_needs_its_role(fake: FakeAutotask, client: httpx.Client) -> None:
    body = ticket_fields(fake, assignedResourceID=fake.seed.tech_resource_id)
    response = client.post("Tickets", json=body)
    assert errors(response) == [
        "When assigning a Resource, you must assign both a assignedResourceID and "
        "assignedResourceRoleID."
    ]


def test_the_assigned_role_must_be_one_of_the_resources_roles(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    body = ticket_fields(fake, assignedResourceID=fake.seed.api_resource_id,
                         assignedResourceRoleID=fake.seed.tech_role_id)
    _refused(client.post("Tickets", json=body), "not a valid role")
    fake.grant_role(fake.seed.api_resource_id, fake.seed.tech_role_id)
    assert client.post("Tickets", json=body).status_code == 200


def test_an_inactive_resource_cannot_be_assigned(fake: FakeAutotask, client: httpx.Client) -> None:
    body = ticket_fields(fake, assignedResourceID=fake.seed.inactive_resource_id,
                         assignedResourceRoleID=fake.seed.role_id)
    _refused(client.post("Tickets", json=body), "inactive")


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", 99), ("priority", 0), ("queueID", 1), ("issueType", 3), ("ticketType", 42)],
)
def test_picklist_values_must_exist(
    fake: FakeAutotask, client: httpx.Client, field: str, value: int
) -> None:
    response = client.post("Tickets", json=ticket_fields(fake, **{field: value}))
    _refused(response, f"Value does not reference an existing entity for {field}")


def test_sub_issue_type_depends_on_issue_type(fake: FakeAutotask, client: httpx.Client) -> None:
    fields = client.get("Tickets/entityInformation/fields").json()["fields"]
    sub = next(f for f in fields if f["name"] == "subIssueType")
    assert sub["picklistParentValueField"] == "issueType"
    hardware = next(v for v in sub["picklistValues"] if v["label"] == "Printer")
    other_parent = next(v["parentValue"] for v in sub["picklistValues"]
                        if v["parentValue"] != hardware["parentValue"])
    ok = ticket_fields(fake, issueType=int(hardware["parentValue"]),
                       subIssueType=int(hardware["value"]))
    assert client.post("Tickets", json=ok).status_code == 200
    bad = {**ok, "issueType": int(other_parent)}
    _refused(client.post("Tickets", json=bad), "subIssueType")


@pytest.mark.parametrize(
    ("field", "entity"),
    [("companyID", "Companies"), ("contactID", "Contacts"),
     ("companyLocationID", "CompanyLocations"), ("billingCodeID", "BillingCodes")],
)
def test_references_must_exist(
    fake: FakeAutotask, client: httpx.Client, field: str, entity: str
) -> None:
    response = client.post("Tickets", json=ticket_fields(fake, **{field: 1}))
    _refused(response, f"Reference value on field: {field} of type: {entity}")


def test_contact_must_belong_to_the_ticket_company(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    other = fake.insert("Companies", {"companyName": "Other", "companyType": 1})
    contact = fake.insert("Contacts", {"companyID": other, "firstName": "O", "lastName": "P",
                                       "isActive": 1})
    _refused(client.post("Tickets", json=ticket_fields(fake, contactID=contact)), "belong")
    ok = ticket_fields(fake, contactID=fake.seed.contact_id,
                       companyLocationID=fake.seed.location_id)
    assert client.post("Tickets", json=ok).status_code == 200


@pytest.mark.parametrize(
    ("entity_path", "field", "limit"),
    [("Tickets", "title", 255), ("Tickets", "description", 8000),
     ("Tickets", "externalID", 50)],
)
def test_ticket_field_lengths(
    fake: FakeAutotask, client: httpx.Client, entity_path: str, field: str, limit: int
) -> None:
    assert client.post(entity_path, json=ticket_fields(fake, **{field: "x" * limit})).is_success
    _refused(client.post(entity_path, json=ticket_fields(fake, **{field: "x" * (limit + 1)})),
             "maximum length")


def test_lengths_come_from_the_metadata(client: httpx.Client) -> None:
    def length(entity: str, name: str) -> int:
        fields = client.get(f"{entity}/entityInformation/fields").json()["fields"]
        return int(next(f["length"] for f in fields if f["name"] == name))

    assert length("TicketNotes", "title") == 250
    assert length("TicketNotes", "description") == 32000
    assert length("TimeEntries", "summaryNotes") == 8000
    assert length("TimeEntries", "internalNotes") == 8000
    assert length("TicketCharges", "notes") == 2000


def test_note_title_length(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = create(client, "Tickets", ticket_fields(fake))
    note = {"title": "t" * 251, "description": "d", "noteType": 13, "publish": 2}
    _refused(client.post(f"Tickets/{ticket}/Notes", json=note), "title")


def test_types_are_checked(fake: FakeAutotask, client: httpx.Client) -> None:
    _refused(client.post("Tickets", json=ticket_fields(fake, priority="high")), "priority")
    _refused(client.post("Tickets", json=ticket_fields(fake, dueDateTime="tomorrow")), "dueDate")
    _refused(client.post("Tickets", json=ticket_fields(fake, title=12)), "title")


def test_unknown_fields_are_refused_and_read_only_fields_ignored(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    _refused(client.post("Tickets", json=ticket_fields(fake, titel="typo")), "titel")
    ticket = create(client, "Tickets", ticket_fields(fake, ticketNumber="T1.1", createDate=None))
    assert fake.record("Tickets", ticket)["ticketNumber"] != "T1.1"  # type: ignore[index]


def test_udfs_are_patched_by_name(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = create(client, "Tickets", ticket_fields(fake, userDefinedFields=[
        {"name": "FN Work Order ID", "value": "12345"},
        {"name": "Dispatch Method", "value": "Field Nation"},
    ]))
    response = client.patch("Tickets", json={"id": ticket, "userDefinedFields": [
        {"name": "dispatch method", "value": "In-House"}]})
    assert response.status_code == 200
    udfs = {u["name"]: u["value"] for u in client.get(f"Tickets/{ticket}").json()["item"][
        "userDefinedFields"]}
    assert udfs["FN Work Order ID"] == "12345"
    assert udfs["Dispatch Method"] == "In-House"


@pytest.mark.parametrize(
    ("udfs", "fragment"),
    [([{"name": "Dispatch Method", "value": "Carrier pigeon"}], "Dispatch Method"),
     ([{"name": "Nope", "value": "1"}], "Nope"),
     ([{"name": "FN Work Order ID", "value": 12345}], "string"),
     ([{"name": "FN Work Order ID", "value": "9" * 101}], "maximum length")],
)
def test_bad_udf_values_are_refused(
    fake: FakeAutotask, client: httpx.Client, udfs: list[dict[str, Any]], fragment: str
) -> None:
    _refused(client.post("Tickets", json=ticket_fields(fake, userDefinedFields=udfs)), fragment)


def test_completing_a_ticket_stamps_completed_date(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    ticket = create(client, "Tickets", ticket_fields(fake))
    fake.clock.advance(3600)
    client.patch("Tickets", json={"id": ticket, "status": 5})
    item = fake.record("Tickets", ticket)
    assert item is not None
    assert item["completedDate"] == item["lastActivityDate"] != item["createDate"]


# -- time entries -----------------------------------------------------------------------
def _entry(fake: FakeAutotask, ticket: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceID": fake.seed.tech_resource_id, "roleID": fake.seed.tech_role_id,
        "ticketID": ticket, "startDateTime": "2026-01-05T10:00:00",
        "endDateTime": "2026-01-05T12:30:00", "summaryNotes": "Replaced fuser",
    }
    body.update(overrides)
    return body


def test_time_entry_hours_come_from_start_and_end(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = assigned_ticket(fake, client)
    entry = create(client, "TimeEntries", _entry(fake, ticket))
    record = fake.record("TimeEntries", entry)
    assert record is not None
    assert record["hoursWorked"] == 2.5
    assert record["dateWorked"].startswith("2026-01-05T00:00:00")
    assert record["timeEntryType"] == 2


@pytest.mark.parametrize("hours", [0, -1, 24.01])
def test_hours_worked_must_be_positive_and_at_most_24(
    fake: FakeAutotask, client: httpx.Client, hours: float
) -> None:
    ticket = assigned_ticket(fake, client)
    body = _entry(fake, ticket, startDateTime=None, endDateTime=None,
                  dateWorked="2026-01-05T00:00:00", hoursWorked=hours)
    _refused(client.post("TimeEntries", json=body), "hoursWorked")
    body["hoursWorked"] = 24
    assert client.post("TimeEntries", json=body).status_code == 200


def test_role_must_match_the_tickets_assigned_role(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    ticket = assigned_ticket(fake, client)
    body = _entry(fake, ticket, roleID=fake.seed.role_id)  # a valid role of the tech, but not
    _refused(client.post("TimeEntries", json=body), "assignedResourceRoleID")
    fake.set_tenant_option(allow_role_override=True)
    assert client.post("TimeEntries", json=body).status_code == 200


def test_ticket_time_needs_a_role(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = assigned_ticket(fake, client)
    _refused(client.post("TimeEntries", json=_entry(fake, ticket, roleID=None)), "roleID")


def test_time_entries_cannot_span_utc_midnight_unless_allowed(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    ticket = assigned_ticket(fake, client)
    body = _entry(fake, ticket, startDateTime="2026-01-05T23:00:00Z",
                  endDateTime="2026-01-06T01:00:00Z")
    _refused(client.post("TimeEntries", json=body), "midnight")
    fake.set_tenant_option(allow_time_span_midnight=True)
    assert client.post("TimeEntries", json=body).status_code == 200


def test_time_entry_resource_must_exist_and_be_active(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    ticket = assigned_ticket(fake, client)
    _refused(client.post("TimeEntries", json=_entry(fake, ticket, resourceID=5)), "resourceID")
    gone = _entry(fake, ticket, resourceID=fake.seed.inactive_resource_id,
                  roleID=fake.seed.role_id)
    fake.set_tenant_option(allow_role_override=True)
    _refused(client.post("TimeEntries", json=gone), "inactive")


def test_end_must_follow_start(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = assigned_ticket(fake, client)
    body = _entry(fake, ticket, endDateTime="2026-01-05T09:00:00")
    _refused(client.post("TimeEntries", json=body), "after")


def test_approved_time_entries_are_locked(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = assigned_ticket(fake, client)
    entry = create(client, "TimeEntries", _entry(fake, ticket))
    assert client.patch("TimeEntries", json={"id": entry, "summaryNotes": "ok"}).is_success
    fake.approve_time_entry(entry)
    _refused(client.patch("TimeEntries", json={"id": entry, "summaryNotes": "no"}), "approved")
    _refused(client.delete(f"TimeEntries/{entry}"), "approved")
    assert fake.record("TimeEntries", entry)["summaryNotes"] == "ok"  # type: ignore[index]


def test_an_entry_approved_by_field_is_locked_too(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = assigned_ticket(fake, client)
    entry = fake.insert("TimeEntries", {**_entry(fake, ticket),
                                        "billingApprovalDateTime": "2026-01-06T00:00:00Z"})
    _refused(client.put("TimeEntries", json={"id": entry, **_entry(fake, ticket)}), "approved")


# -- charges, expenses ------------------------------------------------------------------
def _charge(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Toner", "chargeType": 1, "unitQuantity": 2,
                            "unitPrice": 40.0, "unitCost": 25.0, "isBillableToCompany": True,
                            "datePurchased": "2026-01-05T00:00:00Z"}
    body.update(overrides)
    return body


def test_billed_charges_are_locked(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = create(client, "Tickets", ticket_fields(fake))
    charge = create(client, f"Tickets/{ticket}/Charges",
                    _charge(billingCodeID=fake.seed.material_billing_code_id, notes="n" * 2000))
    record = fake.record("TicketCharges", charge)
    assert record is not None
    assert (record["billableAmount"], record["extendedCost"]) == (80.0, 50.0)
    fake.bill_charge(charge)
    _refused(client.patch(f"Tickets/{ticket}/Charges", json={"id": charge, "unitQuantity": 3}),
             "billed")
    _refused(client.delete(f"Tickets/{ticket}/Charges/{charge}"), "billed")
    _refused(client.post(f"Tickets/{ticket}/Charges", json=_charge(notes="n" * 2001)), "notes")


def _report(fake: FakeAutotask) -> dict[str, Any]:
    return {"name": "Week 2", "submitterID": fake.seed.tech_resource_id,
            "weekEnding": "2026-01-10T00:00:00Z"}


def _item(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"description": "Parking", "expenseDate": "2026-01-05T00:00:00Z",
                            "expenseCategory": 6, "expenseCurrencyExpenseAmount": 12.5,
                            "isBillableToCompany": True, "isReimbursable": True,
                            "haveReceipt": True}
    body.update(overrides)
    return body


def test_submitted_expense_reports_lock_themselves_and_their_items(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    report = create(client, "ExpenseReports", _report(fake))
    item = create(client, f"Expenses/{report}/Items", _item())
    assert client.get(f"ExpenseItems/{item}").json()["item"]["expenseReportID"] == report
    assert client.patch("ExpenseReports", json={"id": report, "submit": True}).is_success
    assert fake.record("ExpenseReports", report)["status"] == 2  # type: ignore[index]
    _refused(client.patch("ExpenseReports", json={"id": report, "name": "x"}), "submitted")
    _refused(client.patch(f"Expenses/{report}/Items", json={"id": item, "description": "x"}),
             "submitted")
    _refused(client.post(f"Expenses/{report}/Items", json=_item()), "submitted")


def test_expense_category_is_a_picklist(fake: FakeAutotask, client: httpx.Client) -> None:
    report = create(client, "ExpenseReports", _report(fake))
    _refused(client.post(f"Expenses/{report}/Items", json=_item(expenseCategory=999)),
             "expenseCategory")
    fields = client.get("ExpenseItems/entityInformation/fields").json()["fields"]
    category = next(f for f in fields if f["name"] == "expenseCategory")
    assert category["isPickList"]
    assert all(isinstance(v["value"], str) for v in category["picklistValues"])
    assert client.post("Expenses/1/Items", json=_item()).status_code == 404


def test_helper_submission_locks_the_report(fake: FakeAutotask, client: httpx.Client) -> None:
    report = create(client, "ExpenseReports", _report(fake))
    fake.submit_expense_report(report)
    _refused(client.put("ExpenseReports", json={"id": report, **_report(fake)}), "submitted")


# -- attachments ------------------------------------------------------------------------
def _file(content: bytes, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "photo", "fullPath": "photo.jpg",
                            "attachmentType": "FILE_ATTACHMENT", "publish": 1,
                            "data": base64.b64encode(content).decode()}
    body.update(overrides)
    return body


@pytest.mark.contract("AT-ATTACH-QUERY-NO-DATA", "AT-ATTACH-NO-UPDATE")
def test_file_attachment_round_trip(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = create(client, "Tickets", ticket_fields(fake))
    attachment = create(client, f"Tickets/{ticket}/Attachments", _file(b"\xff\xd8jpeg"))
    item = client.get(f"TicketAttachments/{attachment}").json()["item"]
    assert base64.b64decode(item["data"]) == b"\xff\xd8jpeg"
    assert (item["fileSize"], item["parentID"], item["contentType"]) == (6, ticket, "image/jpeg")
    by_ticket = {"filter": [{"op": "eq", "field": "ticketID", "value": ticket}]}
    listed = client.post("TicketAttachments/query", json=by_ticket).json()["items"]
    assert [a["id"] for a in listed] == [attachment]
    assert listed[0]["data"] is None
    assert client.get(f"Tickets/{ticket}/Attachments").json()["items"][0]["data"] is None
    assert client.patch(f"Tickets/{ticket}/Attachments",
                        json={"id": attachment, "title": "x"}).status_code == 405
    assert client.delete(f"Tickets/{ticket}/Attachments/{attachment}").is_success


def test_url_attachments(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = create(client, "Tickets", ticket_fields(fake))
    link = {"title": "WO", "fullPath": "https://app.fieldnation.com/workorders/7",
            "attachmentType": "URL", "publish": 1}
    attachment = create(client, f"Tickets/{ticket}/Attachments", link)
    assert client.get(f"TicketAttachments/{attachment}").json()["item"]["fullPath"] == \
        link["fullPath"]
    _refused(client.post(f"Tickets/{ticket}/Attachments", json={**link, "fullPath": "nope"}),
             "URL")
    assert fake.attachment_bytes_used() == 0


def test_attachment_data_must_be_base64(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = create(client, "Tickets", ticket_fields(fake))
    _refused(client.post(f"Tickets/{ticket}/Attachments", json=_file(b"", data="***")),
             "base64")


def test_per_file_cap(fake: FakeAutotask, client: httpx.Client) -> None:
    fake.set_tenant_option(attachment_file_limit=1000)
    ticket = create(client, "Tickets", ticket_fields(fake))
    assert client.post(f"Tickets/{ticket}/Attachments", json=_file(b"a" * 1000)).is_success
    _refused(client.post(f"Tickets/{ticket}/Attachments", json=_file(b"a" * 1001)), "1000")


@pytest.mark.contract("AT-ATTACH-FILE-SIZE")
def test_default_per_file_cap_is_six_million_bytes() -> None:
    fake = FakeAutotask()
    assert fake.options.attachment_file_limit == 6_000_000
    assert fake.options.attachment_window_bytes == 10_000_000


@pytest.mark.contract("AT-ATTACH-WINDOW")
def test_upload_budget_per_five_minutes(fake: FakeAutotask, client: httpx.Client) -> None:
    fake.set_tenant_option(attachment_window_bytes=2500)
    ticket = create(client, "Tickets", ticket_fields(fake))
    path = f"Tickets/{ticket}/Attachments"
    for _ in range(2):
        assert client.post(path, json=_file(b"b" * 1000)).is_success
    assert fake.attachment_bytes_used() == 2000
    _refused(client.post(path, json=_file(b"b" * 1000)), "limit")
    assert client.post(path, json=_file(b"b" * 500)).is_success
    fake.clock.advance(301)
    assert fake.attachment_bytes_used() == 0
    assert client.post(path, json=_file(b"b" * 1000)).is_success


def test_upload_window_length_is_a_tenant_option(fake: FakeAutotask, client: httpx.Client) -> None:
    fake.set_tenant_option(attachment_window_bytes=1000, attachment_window_seconds=60)
    ticket = create(client, "Tickets", ticket_fields(fake))
    path = f"Tickets/{ticket}/Attachments"
    assert client.post(path, json=_file(b"c" * 1000)).is_success
    _refused(client.post(path, json=_file(b"c")), "limit")
    fake.clock.advance(61)
    assert client.post(path, json=_file(b"c" * 1000)).is_success


def test_date_only_fields_keep_the_date_at_midnight(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    ticket = assigned_ticket(fake, client)
    body = _entry(fake, ticket, startDateTime=None, endDateTime=None, hoursWorked=1,
                  dateWorked="2026-01-05T22:30:00-05:00")
    entry = create(client, "TimeEntries", body)
    assert fake.record("TimeEntries", entry)["dateWorked"] == "2026-01-05T00:00:00.00Z"  # type: ignore[index]


def test_booleans_must_be_true_or_false(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = create(client, "Tickets", ticket_fields(fake))
    for value in (None, "true", 1):
        response = client.post(f"Tickets/{ticket}/Charges", json=_charge(isBillableToCompany=value))
        _refused(response, "isBillableToCompany")


# -- expense report status and charge billing codes (contract rows) ---------------------
@pytest.mark.contract("AT-EXPENSE-REPORT-OPEN")
@pytest.mark.parametrize(("label", "open_"), [
    ("In Progress", True), ("Rejected", True), ("Awaiting Approval", False),
    ("Approved for Payment", False), ("Paid", False), ("Transferred to Quickbooks", False)])
def test_items_are_added_only_to_reports_in_progress_or_rejected(
        fake: FakeAutotask, client: httpx.Client, label: str, open_: bool) -> None:
    report = create(client, "ExpenseReports", _report(fake))
    fake.set_expense_report_status(report, label)
    answer = client.post(f"Expenses/{report}/Items", json=_item())
    if open_:
        assert answer.is_success, answer.text
    else:
        _refused(answer, "submitted")


@pytest.mark.contract("AT-EXPENSE-REPORT-OPEN")
def test_report_status_labels_are_the_documented_ones(client: httpx.Client) -> None:
    fields = client.get("ExpenseReports/entityInformation/fields").json()["fields"]
    [status] = [f for f in fields if f["name"] == "status"]
    assert [v["label"] for v in status["picklistValues"]] == [
        "In Progress", "Awaiting Approval", "Approved for Payment", "Rejected", "Paid",
        "Transferred to Quickbooks"]


@pytest.mark.contract("AT-CHARGE-MATERIAL-CODE")
def test_a_charge_needs_a_material_cost_code(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = create(client, "Tickets", ticket_fields(fake))
    for other in (fake.seed.billing_code_id, fake.seed.expense_billing_code_id):
        _refused(client.post(f"Tickets/{ticket}/Charges", json=_charge(billingCodeID=other)),
                 "Material Cost Code")
    charge = create(client, f"Tickets/{ticket}/Charges",
                    _charge(billingCodeID=fake.seed.material_billing_code_id))
    _refused(client.patch(f"Tickets/{ticket}/Charges",
                          json={"id": charge, "billingCodeID": fake.seed.billing_code_id}),
             "Material Cost Code")


def _by(field: str, value: int) -> dict[str, Any]:
    return {"filter": [{"op": "eq", "field": field, "value": value}]}


@pytest.mark.contract("AT-ATTACH-TICKETID-QUERY")
def test_a_ticket_attachment_query_needs_a_ticket_id_and_returns_note_and_entry_files(
        fake: FakeAutotask, client: httpx.Client) -> None:
    ticket = create(client, "Tickets", ticket_fields(fake))
    note = fake.insert("TicketNotes", {"ticketID": ticket, "title": "n", "description": "d"})
    entry = fake.insert("TimeEntries", {"ticketID": ticket, "hoursWorked": 1})
    own = create(client, f"Tickets/{ticket}/Attachments", _file(b"own"))
    on_note = fake.ui_attach_file(ticket, "n", b"note", note_id=note)
    on_entry = fake.ui_attach_file(ticket, "e", b"entry", time_entry_id=entry)
    refused = client.post("TicketAttachments/query", json=_by("parentID", ticket))
    assert refused.status_code == 500
    assert "ticketID" in " ".join(errors(refused))
    rows = client.post("TicketAttachments/query", json=_by("ticketID", ticket)).json()["items"]
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {own, on_note, on_entry}
    assert (by_id[own]["parentID"], by_id[own]["ticketID"]) == (ticket, ticket)
    assert (by_id[on_note]["parentID"], by_id[on_note]["ticketNoteID"]) == (note, note)
    assert (by_id[on_entry]["parentID"], by_id[on_entry]["timeEntryID"]) == (entry, entry)
    assert all(r["data"] is None for r in rows)


@pytest.mark.contract("AT-ATTACH-SWAGGER-2024", "AT-QUERY-UNKNOWN-FIELD")
def test_the_2024_swagger_shape_has_no_ticket_id_on_ticket_attachments() -> None:
    fake, client = connect(ticket_attachment_ids=False)
    ticket = create(client, "Tickets", ticket_fields(fake))
    note = fake.insert("TicketNotes", {"ticketID": ticket, "title": "n", "description": "d"})
    own = create(client, f"Tickets/{ticket}/Attachments", _file(b"own"))
    fake.ui_attach_file(ticket, "n", b"note", note_id=note)
    refused = client.post("TicketAttachments/query", json=_by("ticketID", ticket))
    assert refused.status_code == 500
    assert errors(refused) == ["Unable to find ticketID in the TicketAttachment Entity."]
    rows = client.post("TicketAttachments/query", json=_by("parentID", ticket)).json()["items"]
    assert [r["id"] for r in rows] == [own]
    assert "ticketID" not in rows[0]
    fields = client.get("TicketAttachments/entityInformation/fields").json()["fields"]
    assert "ticketID" not in {f["name"] for f in fields}
