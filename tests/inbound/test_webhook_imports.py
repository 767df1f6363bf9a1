"""Autotask webhook callouts drive imports: valid, tampered, unsigned, echo and duplicates."""

from __future__ import annotations

from inbound_world import HOOK_KEY, InboundWorld

from autotask_fn.autotask.webhooks import create_ticket_webhook, remove_ticket_webhook
from autotask_fn.store.base import EntryStatus


def make_hook(world: InboundWorld, *, exclude_api_user: bool = True) -> int:
    fields = [world.at_fake.webhook_field_id(name) for name in ("title", "status", "dueDateTime")]
    hook = create_ticket_webhook(
        world.at, name="autotask-fn inbound", webhook_url="https://host.test/autotask",
        deactivation_url="https://host.test/autotask/deactivated", secret_key=HOOK_KEY,
        field_ids=fields,
        excluded_resource_ids=[world.at_fake.api_resource_id] if exclude_api_user else [])
    return hook.id


def test_webhook_helpers_create_a_ready_callout_and_remove_it(world: InboundWorld) -> None:
    hook_id = make_hook(world)
    record = world.at_fake.record("TicketWebhooks", hook_id)
    assert record["deactivationUrl"] == "https://host.test/autotask/deactivated"
    assert record["isReady"]
    excluded = [r["resourceID"] for r in world.at_fake.records("TicketWebhookExcludedResources")
                if r["webhookID"] == hook_id]
    assert excluded == [world.at_fake.api_resource_id]

    remove_ticket_webhook(world.at, hook_id)

    assert world.at_fake.record("TicketWebhooks", hook_id) is None


def test_valid_create_callout_imports_the_ticket_after_process_pending(
    world: InboundWorld,
) -> None:
    make_hook(world)
    ticket_id = world.ticket()
    (callout,) = world.at_fake.take_callouts()

    ack = world.svc.handle_autotask_webhook(callout.body, dict(callout.headers))

    assert ack.status == 200
    assert not ack.duplicate
    assert world.fn_fake.state.work_orders == {}  # acknowledged fast: nothing imported yet
    report = world.svc.process_pending()
    assert report.succeeded == 1
    (wo_id,) = world.fn_fake.state.work_orders
    assert world.at_fake.record("Tickets", ticket_id)["externalID"] == f"[FN:custom:wo:{wo_id}]"
    # Our own marker write is excluded at the source: no callout comes back.
    assert world.at_fake.take_callouts() == []


def test_update_callout_updates_the_work_order(world: InboundWorld) -> None:
    make_hook(world)
    ticket_id = world.ticket()
    for callout in world.at_fake.take_callouts():
        world.svc.handle_autotask_webhook(callout.body, dict(callout.headers))
    world.svc.process_pending()
    world.at_fake.ui_update_ticket(ticket_id, title="Replace POS terminal & scanner")
    (update,) = world.at_fake.take_callouts()

    assert world.svc.handle_autotask_webhook(update.body, dict(update.headers)).status == 200
    world.svc.process_pending()

    (wo_id,) = world.fn_fake.state.work_orders
    assert world.wo(wo_id).title == "Replace POS terminal & scanner"


def test_tampered_and_unsigned_callouts_are_refused_and_not_enqueued(
    world: InboundWorld,
) -> None:
    make_hook(world)
    world.ticket()
    (callout,) = world.at_fake.take_callouts()
    tampered = callout.body.replace(b'"Create"', b'"Update"')
    unsigned = {k: v for k, v in callout.headers.items() if k.lower() != "x-hook-signature"}

    bad = world.svc.handle_autotask_webhook(tampered, dict(callout.headers))
    missing = world.svc.handle_autotask_webhook(callout.body, unsigned)

    assert bad.status == 401
    assert "WebhookSignatureError" in (bad.reason or "")
    assert missing.status == 401
    assert "WebhookUnsignedError" in (missing.reason or "")
    assert HOOK_KEY not in (bad.reason or "") + (missing.reason or "")
    assert world.store.count_entries() == 0


def test_echo_of_our_own_write_is_ignored(world: InboundWorld) -> None:
    make_hook(world, exclude_api_user=False)
    ticket_id = world.ticket()
    world.at_fake.take_callouts()
    world.svc.import_ticket(ticket_id)  # writes the marker as the API user
    # The marker field is not subscribed; make the API user change a subscribed field.
    world.at.update("Tickets", {"id": ticket_id, "title": "Changed by the integration"})
    echoes = world.at_fake.take_callouts()
    assert echoes

    acks = [world.svc.handle_autotask_webhook(c.body, dict(c.headers)) for c in echoes]

    assert all(a.status == 200 for a in acks)
    assert all("echo" in (a.reason or "") for a in acks)
    assert world.store.count_entries() == 0


def test_duplicate_callouts_are_enqueued_once(world: InboundWorld) -> None:
    make_hook(world)
    world.ticket()
    (callout,) = world.at_fake.take_callouts()

    first = world.svc.handle_autotask_webhook(callout.body, dict(callout.headers))
    again = world.svc.handle_autotask_webhook(callout.body, dict(callout.headers))

    assert not first.duplicate
    assert again.duplicate
    assert again.status == 200
    assert world.store.count_entries() == 1
    world.svc.process_pending()
    assert len(world.fn_fake.state.work_orders) == 1
    assert world.store.count_entries(EntryStatus.DONE) == 1


def test_callout_for_an_unimportable_ticket_goes_to_the_dead_letters(
    world: InboundWorld,
) -> None:
    make_hook(world)
    company = world.at_fake.insert("Companies", {"companyName": "No Street Ltd",
                                                 "isActive": True, "companyType": 1})
    world.ticket(companyID=company, companyLocationID=None, contactID=None)
    (callout,) = world.at_fake.take_callouts()
    world.svc.handle_autotask_webhook(callout.body, dict(callout.headers))

    report = world.svc.process_pending()

    assert report.dead == 1
    (dead,) = world.svc.dead_letters()
    assert "address1" in (dead.last_error or "")
    assert world.fn_fake.state.work_orders == {}


def test_callout_key_never_appears_in_settings_reprs_or_stored_headers(
    world: InboundWorld,
) -> None:
    make_hook(world)
    world.ticket()
    (callout,) = world.at_fake.take_callouts()
    world.svc.handle_autotask_webhook(callout.body, dict(callout.headers))

    assert HOOK_KEY not in repr(world.settings)
    assert HOOK_KEY not in repr(world.validated)
    (entry,) = world.store.list_entries()
    assert "x-hook-signature" not in {k.lower() for k in entry.headers}
