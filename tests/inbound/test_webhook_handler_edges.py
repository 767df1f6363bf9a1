"""Both webhook handlers answer whatever comes in and never raise: a store that is down is a
503 (the sender retries), a ``str`` body is read like bytes, a body over the size limit is a
413 with nothing stored, and an unreadable body gets a reason that says what is wrong."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from inbound_world import FN_SECRET, HOOK_KEY, InboundWorld
from test_webhook_imports import make_hook

from autotask_fn.autotask.webhooks import sign as sign_callout
from autotask_fn.fieldnation.webhooks import sign as sign_delivery
from autotask_fn.store import StoreError, scoped_key
from autotask_fn.sync import SyncService


def callout(world: InboundWorld) -> tuple[bytes, dict[str, str]]:
    make_hook(world)
    world.ticket()
    (one,) = world.at_fake.take_callouts()
    return one.body, dict(one.headers)


def signed_callout(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, {"X-Hook-Signature": sign_callout(body, HOOK_KEY)}


def signed_delivery(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, {"X-FN-Signature": sign_delivery(body, FN_SECRET)}


def limited(world: InboundWorld, limit: int) -> SyncService:
    settings = attrs.evolve(world.validated,
                            settings=attrs.evolve(world.validated.settings,
                                                  max_webhook_bytes=limit))
    return SyncService(autotask=world.at, fieldnation=world.fn, store=world.store,
                       settings=settings, clock=world.clock)


def test_autotask_handler_answers_503_when_the_store_is_down(
        world: InboundWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    body, headers = callout(world)

    def broken(*_args: Any, **_kwargs: Any) -> bool:
        raise StoreError("SqliteStore: OperationalError: database is locked")

    monkeypatch.setattr(world.store, "enqueue", broken)
    ack = world.svc.handle_autotask_webhook(body, headers)
    assert (ack.status, ack.reason) == (503, "store unavailable")


def test_autotask_handler_accepts_a_str_body(world: InboundWorld) -> None:
    body, headers = callout(world)
    ack = world.svc.handle_autotask_webhook(body.decode("utf-8"), headers)
    assert ack.status == 200
    assert world.store.count_entries() == 1


@pytest.mark.parametrize("source", ["autotask", "fieldnation"])
def test_a_body_over_the_limit_is_413_and_nothing_is_stored(world: InboundWorld,
                                                             source: str) -> None:
    svc = limited(world, 4096)
    padding = "x" * 5000
    if source == "autotask":
        body, headers = signed_callout(json.dumps(
            {"Action": "Create", "Guid": "g", "EntityType": "Ticket", "Id": 1,
             "SequenceNumber": 1, "Fields": {"description": padding}}).encode())
        ack = svc.handle_autotask_webhook(body, headers)
    else:
        body, headers = signed_delivery(json.dumps(
            {"event": {"name": "workorder.status.assigned",
                       "params": {"work_order_id": 1}}, "pad": padding}).encode())
        ack = svc.handle_fieldnation_webhook(body, headers)
    assert ack.status == 413
    assert "max_webhook_bytes" in (ack.reason or "")
    assert world.store.count_entries() == 0


@pytest.mark.parametrize(("body", "reason"), [
    (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    (b'{"Id": ' + b"9" * 5000 + b"}", "number too large"),
    (b"\xff\xfe", "not UTF-8"),
])
@pytest.mark.parametrize("source", ["autotask", "fieldnation"])
def test_an_unreadable_body_gets_a_reason_that_says_why(world: InboundWorld, source: str,
                                                        body: bytes, reason: str) -> None:
    if source == "autotask":
        ack = world.svc.handle_autotask_webhook(*signed_callout(body))
    else:
        ack = world.svc.handle_fieldnation_webhook(*signed_delivery(body))
    assert ack.status == 400
    assert reason in (ack.reason or "")
    assert world.store.count_entries() == 0


def test_a_busy_import_is_retried_and_never_dead_lettered(world: InboundWorld) -> None:
    body, headers = callout(world)
    ticket_id = json.loads(body)["Id"]
    now = [world.clock()]
    svc = SyncService(autotask=world.at, fieldnation=world.fn, store=world.store,
                      settings=attrs.evolve(world.validated, settings=attrs.evolve(
                          world.validated.settings, max_attempts=2)),
                      clock=lambda: now[0], worker_id="worker-1")
    assert svc.handle_autotask_webhook(body, headers).status == 200
    # Another worker is importing the same ticket (its lock is held) for a while.
    assert world.store.try_lock(scoped_key(svc.scope, "inbound-lock", "Tickets", ticket_id),
                                "worker-2", 10_000, now=now[0])
    for _ in range(4):  # twice max_attempts
        result = svc.process_pending()
        assert (result.retried, result.dead) == (1, 0), result.errors
        now[0] = world.store.list_entries(limit=1)[0].next_attempt_at + 1
    assert svc.dead_letters() == []
