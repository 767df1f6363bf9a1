"""Webhook acks, the durable inbox, leases, backoff, dead letters, locks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from world import SECRET, World

from autotask_fn.fieldnation.webhooks import sign
from autotask_fn.store import EntryStatus, scoped_key
from autotask_fn.sync import WorkOrderBusyError

T0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


@pytest.mark.contract("FN-WEBHOOK-DELIVERY-ID")
def test_ack_verifies_deduplicates_and_makes_no_api_call(world: World) -> None:
    wo, _ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "hello")
    [delivery] = world.fn_fake.take_deliveries()
    world.at_fake.reset_requests()
    world.fn_fake.reset_requests()
    first = world.svc.handle_fieldnation_webhook(delivery.body, delivery.headers)
    again = world.svc.handle_fieldnation_webhook(delivery.body, delivery.headers)
    retry = world.fn_fake.redeliver(delivery)
    third = world.svc.handle_fieldnation_webhook(retry.body, retry.headers)
    assert (first.status, first.duplicate) == (200, False)
    assert (again.status, again.duplicate) == (200, True)
    assert third.duplicate
    assert world.store.count_entries(EntryStatus.PENDING) == 1
    assert world.at_fake.count_requests() == 0
    assert world.fn_fake.count_requests() == 0


def test_bad_signature_is_401_and_nothing_is_stored(world: World) -> None:
    wo, _ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "hello")
    [delivery] = world.fn_fake.take_deliveries()
    tampered = delivery.body.replace(b"{", b"{ ", 1)
    ack = world.svc.handle_fieldnation_webhook(tampered, delivery.headers)
    assert ack.status == 401
    assert not ack.accepted
    unsigned = {k: v for k, v in delivery.headers.items() if k != "X-FN-Signature"}
    assert world.svc.handle_fieldnation_webhook(delivery.body, unsigned).status == 401
    assert world.store.count_entries() == 0


def test_malformed_body_with_valid_signature_is_400(world: World) -> None:
    body = b'{"event": {"name": "workorder.message_posted"}}'  # no work order id
    ack = world.svc.handle_fieldnation_webhook(body, {"X-FN-Signature": sign(body, SECRET)})
    assert ack.status == 400
    assert ack.reason is not None
    assert world.store.count_entries() == 0


def enqueue_event(world: World, wo: int, delivery_id: str) -> None:
    body = json.dumps({"event": {"name": "workorder.message_posted",
                                 "params": {"work_order_id": wo}}}).encode()
    headers = {"X-FN-Signature": sign(body, SECRET), "X-FN-Delivery-Id": f"{delivery_id}:1"}
    assert world.svc.handle_fieldnation_webhook(body, headers).status == 200


def test_failures_back_off_then_dead_letter_then_replay(world: World) -> None:
    world = World(max_attempts=3)
    wo, ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "note that cannot be written yet")
    enqueue_event(world, wo, "d-1")
    world.at_fake.fail_next(r"/Notes", count=100, method="POST", status=503)
    delays = []
    for _ in range(3):
        report = world.svc.process_pending()
        [entry] = world.store.list_entries()
        delays.append(entry.next_attempt_at - world.clock())
        world.advance(10_000)
    assert report.dead == 1
    assert delays[0] > 0
    assert delays[1] > delays[0] / 2  # exponential with jitter between half and all
    [dead] = world.svc.dead_letters()
    assert dead.attempts == 3
    assert "503" in (dead.last_error or "") or "Server" in (dead.last_error or "")

    world.at_fake.clear_faults()
    assert world.svc.replay(dead.id)
    assert world.svc.process_pending().succeeded == 1
    assert len(world.records("TicketNotes", ticket)) == 1
    assert world.svc.dead_letters() == []


def test_bad_input_is_dead_lettered_at_once_with_the_field_named(world: World) -> None:
    wo = world.fn_fake.create_work_order()
    world.fn_fake.assign(wo)
    ticket = world.ticket(assignedResourceID=None, assignedResourceRoleID=None)
    world.svc.link_work_order(wo, ticket)
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    enqueue_event(world, wo, "d-2")
    report = world.svc.process_pending()
    assert report.dead == 1
    [dead] = world.svc.dead_letters()
    assert "role_id" in (dead.last_error or "")
    assert world.svc.discard(dead.id)
    assert world.svc.dead_letters() == []


def test_worker_dying_with_a_lease_is_replaced_after_expiry(world: World) -> None:
    wo, ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "survives a crash")
    enqueue_event(world, wo, "d-3")
    dead_worker = world.store.lease("dead-worker", 60, limit=10, now=world.clock())
    assert len(dead_worker) == 1
    assert world.svc.process_pending().processed == 0
    world.advance(61)
    assert world.svc.process_pending().succeeded == 1
    assert len(world.records("TicketNotes", ticket)) == 1
    assert not world.store.complete(dead_worker[0].id, "dead-worker")


def test_two_workers_never_sync_one_work_order_at_once(world: World) -> None:
    wo, _ticket = world.linked_work_order()
    other = world.service("worker-2")
    key = scoped_key(world.svc.scope, "wo", wo)
    assert world.store.try_lock(key, "worker-2", 300, now=world.clock())
    with pytest.raises(WorkOrderBusyError):
        world.svc.sync_work_order(wo)
    enqueue_event(world, wo, "d-4")
    report = world.svc.process_pending()
    assert report.retried == 1
    world.store.unlock(key, "worker-2")
    world.advance(5)
    assert other.process_pending().succeeded == 1


def test_autotask_entries_go_to_the_ticket_importer(world: World,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    class Importer:
        def __init__(self, service: Any) -> None:
            assert service is world.svc

        def process_entry(self, entry: Any) -> None:
            seen.append(entry.delivery_id)

    import autotask_fn.sync.inbound as inbound

    monkeypatch.setattr(inbound, "TicketImporter", Importer)
    world.store.enqueue("autotask", "guid:1:1", b"{}", {}, now=world.clock())
    assert world.svc.process_pending().succeeded == 1
    assert seen == ["guid:1:1"]


def test_store_failure_answers_503_so_field_nation_retries(world: World,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    wo, _ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "hello")
    [delivery] = world.fn_fake.take_deliveries()

    def broken(*_args: Any, **_kwargs: Any) -> bool:
        raise OSError("disk full")

    monkeypatch.setattr(world.store, "enqueue", broken)
    ack = world.svc.handle_fieldnation_webhook(delivery.body, delivery.headers)
    assert ack.status == 503


def test_secrets_never_reach_logs_or_dead_letters(caplog: pytest.LogCaptureFixture) -> None:
    from autotask_fn.testing.autotask import FakeAutotask
    from autotask_fn.testing.fieldnation.app import FakeFieldNation

    caplog.set_level("DEBUG")
    world = World(max_attempts=1)
    wo, _ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "hello")
    world.at_fake.fail_next(r"/Notes$", method="POST", status=500, count=5)
    world.deliver_all()
    world.svc.process_pending()
    dead = world.svc.dead_letters()
    assert len(dead) == 1
    text = caplog.text + repr(dead) + str(dead[0].last_error) + repr(dead[0].headers)
    # (the fakes' API secret and password are plain words: the longer secrets are checked)
    for secret in (SECRET, FakeAutotask.INTEGRATION_CODE, FakeFieldNation.CLIENT_SECRET):
        assert secret not in text
