"""Import by id over both fakes: create, update what changed, a no-op that writes nothing."""

from __future__ import annotations

from inbound_world import InboundWorld

from autotask_fn.store.base import scoped_key


def test_first_import_creates_a_draft_work_order_links_it_and_marks_the_ticket(
    world: InboundWorld,
) -> None:
    ticket_id = world.ticket()
    number = world.at_fake.record("Tickets", ticket_id)["ticketNumber"]

    result = world.svc.import_ticket(ticket_id)

    assert result.created
    wo = world.wo(result.work_order_id)
    assert wo.title == "Replace POS terminal"
    assert wo.incident_id == number
    assert wo.status.id == 1  # draft
    text = wo.description_html or ""
    assert f"Autotask ticket {number}" in text
    assert "Status: New" in text
    assert "Priority: Medium" in text
    assert "Terminal 3 is dead." in text
    assert wo.schedule.start.strftime("%Y-%m-%d %H:%M:%S") == "2026-03-05 14:30:00"
    assert wo.location.address1 == "42 Market Street"
    assert wo.location.city == "Springfield"
    assert [c.name for c in wo.contacts] == ["Sam Manager"]
    assert wo.contacts[0].email == "sam.manager@contoso.example"
    ticket = world.at_fake.record("Tickets", ticket_id)
    assert ticket["externalID"] == f"[FN:custom:wo:{result.work_order_id}]"
    link = world.store.get_link(world.svc.scope, "wo", str(result.work_order_id))
    assert link is not None
    assert (link.at_entity, link.at_id) == ("Tickets", ticket_id)
    assert world.store.get_intent(scoped_key(world.svc.scope, "inbound", "Tickets",
                                             ticket_id)) is None


def test_second_import_updates_only_what_changed_and_third_writes_nothing(
    world: InboundWorld,
) -> None:
    ticket_id = world.ticket()
    first = world.svc.import_ticket(ticket_id)
    world.at_fake.ui_update_ticket(ticket_id, title="Replace POS terminal and printer")
    world.reset_counts()

    second = world.svc.import_ticket(ticket_id)

    assert not second.created
    assert second.work_order_id == first.work_order_id
    assert set(second.changes) == {"title"}
    assert world.wo(first.work_order_id).title == "Replace POS terminal and printer"
    assert world.fn_fake.count_requests("PUT") == 1
    assert world.at_writes() == 0
    world.reset_counts()

    third = world.svc.import_ticket(ticket_id)

    assert third.changes == ()
    assert not third.wrote
    assert world.at_fake.count_requests() == 1  # the ticket GET
    assert world.fn_fake.count_requests() == 0
    assert len(world.fn_fake.state.work_orders) == 1


def test_status_and_priority_labels_follow_the_ticket(world: InboundWorld) -> None:
    ticket_id = world.ticket()
    result = world.svc.import_ticket(ticket_id)
    world.at_fake.ui_update_ticket(ticket_id, status=8, priority=1)

    again = world.svc.import_ticket(ticket_id)

    assert "description" in again.changes
    text = world.wo(result.work_order_id).description_html or ""
    assert "Status: In Progress" in text
    assert "Priority: High" in text


def test_company_and_location_are_reused_by_the_next_first_import(world: InboundWorld) -> None:
    world.svc.import_ticket(world.ticket())
    world.reset_counts()

    second = world.svc.import_ticket(world.ticket(title="Another store visit"))

    assert second.created
    assert world.at_fake.count_requests("GET", r"/Companies/") == 0
    assert world.at_fake.count_requests("GET", r"/CompanyLocations/") == 0
    assert second.autotask_calls == 3  # ticket, contact, marker


def test_reference_cache_can_be_turned_off() -> None:
    world = InboundWorld(reference_cache_seconds=0)
    world.svc.import_ticket(world.ticket())
    world.reset_counts()

    second = world.svc.import_ticket(world.ticket(title="Another store visit"))

    assert world.at_fake.count_requests("GET", r"/Companies/") == 1
    assert second.autotask_calls == 5
