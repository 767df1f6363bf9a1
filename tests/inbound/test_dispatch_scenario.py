"""Scenario: tickets created in Autotask dispatch field work automatically, and all field
activity syncs back with no manual step."""

from __future__ import annotations

from datetime import UTC, datetime

from inbound_world import HOOK_KEY, InboundWorld

from autotask_fn.autotask.webhooks import create_ticket_webhook


def test_ticket_created_in_autotask_is_dispatched_and_field_work_flows_back() -> None:
    world = InboundWorld(publish=True, type_of_work_id=11, template_id=701,
                         pay={"type": "fixed", "base": {"amount": 150, "units": 1}})
    at, fn = world.at_fake, world.fn_fake
    svc = world.svc
    # One-time set-up by the host: an Autotask callout (the rig registered the Field Nation
    # webhook already).
    create_ticket_webhook(
        world.at, name="autotask-fn", webhook_url="https://host.test/autotask",
        deactivation_url="https://host.test/autotask/off", secret_key=HOOK_KEY,
        field_ids=[at.webhook_field_id("title"), at.webhook_field_id("status")],
        excluded_resource_ids=[at.api_resource_id])

    def deliver_everything() -> None:
        for callout in at.take_callouts():
            assert svc.handle_autotask_webhook(callout.body, dict(callout.headers)).status == 200
        for delivery in fn.take_deliveries():
            assert svc.handle_fieldnation_webhook(delivery.body, delivery.headers).status == 200
        report = svc.process_pending()
        assert report.dead == 0, report.errors

    # A dispatcher creates a ticket in the Autotask UI.
    ticket_id = world.ticket(assignedResourceID=at.seed.tech_resource_id,
                             assignedResourceRoleID=at.seed.tech_role_id)
    deliver_everything()

    (wo_id,) = fn.state.work_orders
    assert world.wo(wo_id).status.id == 2  # published to the marketplace
    assert at.record("Tickets", ticket_id)["externalID"] == f"[FN:custom:wo:{wo_id}]"

    # A provider takes the job, works two hours and leaves a note.
    fn.assign(wo_id)
    fn.log_time(wo_id, datetime(2026, 3, 5, 14, 0, tzinfo=UTC),
                datetime(2026, 3, 5, 16, 0, tzinfo=UTC))
    fn.post_message(wo_id, "Terminal replaced, tested with a sale.")
    deliver_everything()
    svc.sweep()  # time logs come without an event: the periodic sweep picks them up

    entries = [e for e in at.records("TimeEntries") if e.get("ticketID") == ticket_id]
    assert [float(e["hoursWorked"]) for e in entries] == [2.0]
    assert entries[0]["resourceID"] == at.seed.tech_resource_id
    notes = [n for n in at.records("TicketNotes") if n.get("ticketID") == ticket_id]
    assert any("Terminal replaced" in (n.get("description") or "") for n in notes)
    # What the import wrote to Field Nation never comes back as a ticket edit.
    ticket = at.record("Tickets", ticket_id)
    assert ticket["title"] == "Replace POS terminal"
    assert ticket["description"] == "Terminal 3 is dead."
    # And the outbound writes (status, time, notes) cause no import loop.
    deliver_everything()
    assert list(fn.state.work_orders) == [wo_id]
