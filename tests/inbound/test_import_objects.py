"""UDF mapping, service calls, projects, attachments and the action map, end to end."""

from __future__ import annotations

import base64
import json
from typing import Any

import attrs
import pytest
from inbound_world import HOOK_KEY, InboundWorld

from autotask_fn.autotask.webhooks import create_ticket_webhook
from autotask_fn.store import SqliteStore
from autotask_fn.sync.inbound import ProjectTaskNotFoundError, TicketImporter
from autotask_fn.sync.inbound_settings import InboundField

FIELD_MAP = (InboundField("Site Notes", label="Site notes"),
             InboundField("Dispatch Method", custom_field_id=502))


def test_udfs_go_to_custom_fields_and_description_lines() -> None:
    world = InboundWorld(field_map=FIELD_MAP)
    ticket_id = world.ticket(userDefinedFields=[
        {"name": "Site Notes", "value": "Ring the loading dock bell"},
        {"name": "Dispatch Method", "value": "Field Nation"}])

    result = world.svc.import_ticket(ticket_id)

    wo = world.wo(result.work_order_id)
    assert "Site notes: Ring the loading dock bell" in (wo.description_html or "")
    assert {cf.id: cf.value for cf in wo.custom_fields}[502] == "Field Nation"
    world.at_fake.ui_update_ticket(ticket_id, userDefinedFields=[
        {"name": "Dispatch Method", "value": "In-House"}])
    world.reset_counts()

    again = world.svc.import_ticket(ticket_id)

    assert set(again.changes) == {"cf:502"}
    assert {cf.id: cf.value for cf in world.wo(result.work_order_id).custom_fields}[502] \
        == "In-House"
    assert world.fn_fake.count_requests("PUT") == 1


def test_service_call_is_imported_through_its_tickets_and_company(world: InboundWorld) -> None:
    seed = world.at_fake.seed
    first = world.ticket(title="Swap router")
    second = world.ticket(title="Check cabling")
    call = world.at_fake.insert("ServiceCalls", {
        "companyID": seed.company_id, "companyLocationID": seed.location_id,
        "description": "Quarterly site visit", "status": 1, "isComplete": 0,
        "startDateTime": "2026-03-10T13:00:00Z", "endDateTime": "2026-03-10T17:00:00Z"})
    for ticket_id in (first, second):
        world.at_fake.insert("ServiceCallTickets", {"serviceCallID": call, "ticketID": ticket_id})
    numbers = {t: world.at_fake.record("Tickets", t)["ticketNumber"] for t in (first, second)}

    result = world.importer().import_service_call(call)

    assert result.created
    assert result.entity == "ServiceCalls"
    wo = world.wo(result.work_order_id)
    text = wo.description_html or ""
    assert "Quarterly site visit" in text
    assert f"{numbers[second]}: Check cabling" in text
    assert wo.schedule.start.strftime("%H:%M") == "13:00"
    assert wo.schedule.end.strftime("%H:%M") == "17:00"
    assert wo.location.address1 == "42 Market Street"
    # Linked to the first ticket, so time and notes flow back there.
    link = world.store.get_link(world.svc.scope, "wo", str(result.work_order_id))
    assert (link.at_entity, link.at_id) == ("Tickets", first)
    assert world.at_fake.record("Tickets", first)["externalID"] == \
        f"[FN:custom:wo:{result.work_order_id}]"
    world.reset_counts()
    assert world.importer().import_service_call(call).changes == ()
    assert world.fn_fake.count_requests() == 0


def test_service_object_setting_makes_import_ticket_take_a_service_call_id() -> None:
    world = InboundWorld(service_object="ServiceCalls")
    seed = world.at_fake.seed
    ticket_id = world.ticket()
    call = world.at_fake.insert("ServiceCalls", {"companyID": seed.company_id,
                                                 "description": "Visit", "status": 1})
    world.at_fake.insert("ServiceCallTickets", {"serviceCallID": call, "ticketID": ticket_id})

    result = world.svc.import_ticket(call)

    assert (result.entity, result.id) == ("ServiceCalls", call)
    assert world.wo(result.work_order_id).location.address1 == "1 Main Street"


def test_project_is_imported_through_its_company_and_the_configured_task() -> None:
    world = InboundWorld(project_task_title="Install shelving")
    seed = world.at_fake.seed

    result = world.importer().import_project(seed.project_id)

    wo = world.wo(result.work_order_id)
    assert wo.title == "Store refresh - Install shelving"
    assert wo.incident_id == "P20260001"
    assert wo.location.address1 == "1 Main Street"
    link = world.store.get_link(world.svc.scope, "wo", str(result.work_order_id))
    assert (link.at_entity, link.at_id) == ("Tasks", seed.task_id)
    world.reset_counts()
    assert world.importer().import_project(seed.project_id).changes == ()
    assert world.fn_fake.count_requests() == 0


def test_project_without_the_configured_task_names_the_setting() -> None:
    world = InboundWorld(project_task_title="Paint the walls")
    with pytest.raises(ProjectTaskNotFoundError) as info:
        world.importer().import_project(world.at_fake.seed.project_id)
    assert info.value.field == "project_task_title"
    assert world.fn_fake.state.work_orders == {}


def _attach(world: InboundWorld, ticket_id: int, name: str, content: bytes) -> int:
    return world.at_fake.ui_attach_file(ticket_id, name, content, file_name=name)


def _documents(world: InboundWorld, wo_id: int) -> list[tuple[str | None, bytes]]:
    folders = world.fn.list_folders(wo_id)
    docs = next(f for f in folders if f.name == "Documents")
    return [(f.name, world.fn.download(f.link)) for f in docs.files]


SHAPES = pytest.mark.parametrize("ticket_attachment_ids", [True, False],
                                 ids=["release-2021.1", "swagger-2024"])


def _world_of_shape(ticket_attachment_ids: bool) -> InboundWorld:
    """TicketAttachments with ticketID required (2021.1) or without it (2024 Swagger)."""
    world = InboundWorld(import_attachments=True)
    world.at_fake.set_tenant_option(ticket_attachment_ids=ticket_attachment_ids)
    return world


@SHAPES
def test_attachments_are_copied_once_each_when_enabled(ticket_attachment_ids: bool) -> None:
    world = _world_of_shape(ticket_attachment_ids)
    ticket_id = world.ticket()
    att = _attach(world, ticket_id, "site-plan.pdf", b"%PDF-1.4 plan")

    result = world.svc.import_ticket(ticket_id)

    assert f"attachment:{att}" in result.changes
    assert _documents(world, result.work_order_id) == [("site-plan.pdf", b"%PDF-1.4 plan")]
    links = world.store.list_links(world.svc.scope, "at_attachment")
    assert [(lk.at_entity, lk.at_id) for lk in links] == [("TicketAttachments", att)]
    second = _attach(world, ticket_id, "wiring.pdf", b"%PDF-1.4 wiring")
    world.at_fake.ui_update_ticket(ticket_id, title="Replace POS terminal now")

    again = world.svc.import_ticket(ticket_id)

    assert f"attachment:{second}" in again.changes
    assert f"attachment:{att}" not in again.changes
    assert sorted(n for n, _ in _documents(world, result.work_order_id)) == [
        "site-plan.pdf", "wiring.pdf"]


@pytest.mark.contract("AT-ATTACH-TICKETID-QUERY", "AT-ATTACH-SWAGGER-2024")
@SHAPES
def test_only_the_tickets_own_attachments_are_imported_and_the_rest_is_reported(
        ticket_attachment_ids: bool) -> None:
    world = _world_of_shape(ticket_attachment_ids)
    ticket_id = world.ticket()
    note = world.at_fake.insert("TicketNotes", {"ticketID": ticket_id, "title": "photo",
                                                "description": "see file", "publish": 1})
    entry = world.at_fake.insert("TimeEntries", {"ticketID": ticket_id, "hoursWorked": 1})
    own = _attach(world, ticket_id, "site-plan.pdf", b"%PDF-1.4 plan")
    on_note = world.at_fake.ui_attach_file(ticket_id, "note.jpg", b"jpg", note_id=note)
    on_entry = world.at_fake.ui_attach_file(ticket_id, "log.txt", b"log", time_entry_id=entry)

    result = world.svc.import_ticket(ticket_id)

    assert [c for c in result.changes if c.startswith("attachment:")] == [f"attachment:{own}"]
    assert _documents(world, result.work_order_id) == [("site-plan.pdf", b"%PDF-1.4 plan")]
    if ticket_attachment_ids:  # the ticketID query returned them: say they were left out
        assert result.left_out == (f"attachment {on_note} (note.jpg): on ticket note {note}",
                                   f"attachment {on_entry} (log.txt): on time entry {entry}")
    else:  # a parentID query returns the ticket's own attachments only
        assert result.left_out == ()
    queried = [json.loads(r.body)["filter"][0]["field"] for r in world.at_fake.requests
               if r.path.endswith("TicketAttachments/query")]
    assert queried == (["ticketID"] if ticket_attachment_ids else ["ticketID", "parentID"])
    world.at_fake.ui_update_ticket(ticket_id, title="Replace POS terminal now")
    world.at_fake.reset_requests()
    world.svc.import_ticket(ticket_id)
    queried = [json.loads(r.body)["filter"][0]["field"] for r in world.at_fake.requests
               if r.path.endswith("TicketAttachments/query")]
    assert queried == (["ticketID"] if ticket_attachment_ids else ["parentID"])  # remembered


@pytest.mark.contract("AT-ATTACH-QUERY-NO-DATA")
def test_attachment_bytes_come_from_a_get_by_id_never_from_a_query_row() -> None:
    world = InboundWorld(import_attachments=True)
    ticket_id = world.ticket()
    _attach(world, ticket_id, "site-plan.pdf", b"%PDF-1.4 plan")
    handle = world.at_fake.handle

    def stale_query_rows(request: Any) -> Any:  # rows carrying bytes that are not the file's
        response = handle(request)
        if request.path.endswith("TicketAttachments/query") and response.status == 200:
            body = json.loads(json.dumps(response.body))
            for item in body["items"]:
                item["data"] = base64.b64encode(b"stale").decode()
            response = attrs.evolve(response, body=body)
        return response

    world.at_fake.handle = stale_query_rows  # type: ignore[method-assign]
    result = world.svc.import_ticket(ticket_id)
    assert _documents(world, result.work_order_id) == [("site-plan.pdf", b"%PDF-1.4 plan")]


def test_attachments_stay_behind_when_disabled(world: InboundWorld) -> None:
    ticket_id = world.ticket()
    _attach(world, ticket_id, "site-plan.pdf", b"%PDF-1.4 plan")

    result = world.svc.import_ticket(ticket_id)

    assert _documents(world, result.work_order_id) == []
    assert world.at_fake.count_requests(path="TicketAttachments") == 0


def test_cancel_action_applies_before_assignment_only() -> None:
    world = InboundWorld(action_map={"Cancelled": "cancel"})
    open_ticket = world.ticket()
    taken_ticket = world.ticket(title="Second visit")
    wo_open = world.svc.import_ticket(open_ticket).work_order_id
    wo_taken = world.svc.import_ticket(taken_ticket).work_order_id
    world.fn_fake.update_work_order(wo_taken, types_of_work=[{"id": 11, "isPrimary": True}],
                                    pay={"type": "fixed", "base": {"amount": 100, "units": 1}})
    world.fn_fake.publish(wo_taken)
    world.fn_fake.assign(wo_taken)

    for ticket_id in (open_ticket, taken_ticket):
        world.at_fake.ui_update_ticket(ticket_id, status=14)
    cancelled = world.svc.import_ticket(open_ticket)
    kept = world.svc.import_ticket(taken_ticket)

    assert "action:cancel" in cancelled.changes
    assert world.wo(wo_open).status.id == 7
    assert "action:cancel" not in kept.changes
    assert world.wo(wo_taken).status.id == 3


def test_cancelled_ticket_is_not_dispatched_at_all() -> None:
    world = InboundWorld(action_map={"Cancelled": "cancel"})
    ticket_id = world.ticket(status=14)

    result = world.svc.import_ticket(ticket_id)

    assert result.work_order_id is None
    assert world.fn_fake.state.work_orders == {}


def test_publish_setting_publishes_a_complete_work_order() -> None:
    world = InboundWorld(publish=True, type_of_work_id=11, template_id=701,
                         pay={"type": "fixed", "base": {"amount": 150, "units": 1}})
    result = world.svc.import_ticket(world.ticket())
    wo = world.wo(result.work_order_id)
    assert wo.status.id == 2
    assert "action:publish" in result.changes


def test_project_import_with_a_lost_store_finds_its_work_order_by_number() -> None:
    world = InboundWorld(project_task_title="Install shelving")
    project = world.at_fake.seed.project_id
    first = world.importer().import_project(project)

    again = TicketImporter(service=world.service_on(SqliteStore())).import_project(project)

    assert again.recovered
    assert again.work_order_id == first.work_order_id
    assert len(world.fn_fake.state.work_orders) == 1


def test_ticket_callout_imports_its_service_call_in_service_call_mode() -> None:
    world = InboundWorld(service_object="ServiceCalls")
    fields = [world.at_fake.webhook_field_id("title")]
    create_ticket_webhook(world.at, name="n", webhook_url="https://h/at", secret_key=HOOK_KEY,
                          deactivation_url="https://h/off", field_ids=fields,
                          excluded_resource_ids=[world.at_fake.api_resource_id])
    ticket_id = world.ticket()
    call = world.at_fake.insert("ServiceCalls", {"companyID": world.at_fake.seed.company_id,
                                                 "description": "Visit", "status": 1})
    world.at_fake.insert("ServiceCallTickets", {"serviceCallID": call, "ticketID": ticket_id})
    for callout in world.at_fake.take_callouts():
        world.svc.handle_autotask_webhook(callout.body, dict(callout.headers))

    assert world.svc.process_pending().succeeded == 1

    (wo_id,) = world.fn_fake.state.work_orders
    assert "Visit" in (world.wo(wo_id).description_html or "")


def test_a_work_order_we_cancelled_takes_no_further_edits() -> None:
    world = InboundWorld(action_map={"Cancelled": "cancel"})
    ticket_id = world.ticket()
    wo_id = world.svc.import_ticket(ticket_id).work_order_id
    world.at_fake.ui_update_ticket(ticket_id, status=14)
    world.svc.import_ticket(ticket_id)
    world.at_fake.ui_update_ticket(ticket_id, title="Edited after the cancel")
    world.reset_counts()

    later = world.svc.import_ticket(ticket_id)

    assert later.changes == ()
    assert world.fn_writes() == 0
    assert world.wo(wo_id).status.id == 7
