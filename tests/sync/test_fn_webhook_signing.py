"""Field Nation deliveries signed the legacy way (Fn-Hash), and late hand-retried ones."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import pytest
from world import SECRET, World

from autotask_fn.fieldnation.webhooks import (
    Events,
    WebhookSignatureError,
    WebhookStaleError,
    WebhookVerifier,
)
from autotask_fn.store import EntryStatus

LEGACY_URL = "https://host.test/fn-legacy"


def legacy_hash(body: bytes, secret: str) -> str:
    return hashlib.md5(secret.encode() + body).hexdigest()


def legacy_delivery(world: World) -> tuple[bytes, dict[str, str]]:
    world.fn_fake.register_legacy_webhook(LEGACY_URL, [Events.MESSAGE_POSTED], SECRET)
    wo, _ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "hello")
    [delivery] = [d for d in world.fn_fake.take_deliveries() if d.url == LEGACY_URL]
    return delivery.body, dict(delivery.headers)


@pytest.mark.contract("FN-WEBHOOK-LEGACY-HASH")
def test_the_fake_signs_a_legacy_webhook_with_an_md5_fn_hash() -> None:
    body, headers = legacy_delivery(World())
    assert "X-FN-Signature" not in headers
    assert headers["Fn-Hash"] == legacy_hash(body, SECRET)


@pytest.mark.contract("FN-WEBHOOK-LEGACY-HASH")
def test_legacy_signing_is_refused_unless_turned_on() -> None:
    world = World()
    body, headers = legacy_delivery(world)
    ack = world.svc.handle_fieldnation_webhook(body, headers)
    assert ack.status == 401
    assert "legacy Fn-Hash" in str(ack.reason)
    assert world.store.count_entries() == 0


@pytest.mark.contract("FN-WEBHOOK-LEGACY-HASH")
def test_legacy_signing_when_turned_on_accepts_only_a_matching_hash() -> None:
    world = World(legacy_webhook_signing=True)
    body, headers = legacy_delivery(world)
    tampered = body.replace(b"{", b"{ ", 1)
    assert world.svc.handle_fieldnation_webhook(tampered, headers).status == 401
    wrong = {**headers, "Fn-Hash": legacy_hash(body, "another-secret")}
    assert world.svc.handle_fieldnation_webhook(body, wrong).status == 401
    assert world.svc.handle_fieldnation_webhook(body, {**headers, "Fn-Hash": "zz"}).status == 401
    assert world.store.count_entries() == 0
    ack = world.svc.handle_fieldnation_webhook(body, {**headers, "fn-hash": headers["Fn-Hash"]})
    assert (ack.status, ack.duplicate) == (200, False)
    assert world.store.count_entries(EntryStatus.PENDING) == 1


def test_the_v3_signature_wins_over_a_legacy_hash() -> None:
    verifier = WebhookVerifier([SECRET], legacy_md5=True)
    body = b'{"event":{"name":"workorder.created","params":{"work_order_id":1}}}'
    headers = {"X-FN-Signature": "sha256=" + "0" * 64, "Fn-Hash": legacy_hash(body, SECRET)}
    with pytest.raises(WebhookSignatureError):
        verifier.verify(body, headers)
    assert "secrets=<1 hidden>" in repr(verifier)
    assert SECRET not in repr(verifier)


# -- late redeliveries ---------------------------------------------------------------------
def failed_then_retried_by_hand(world: World, days: float) -> tuple[object, object]:
    wo, _ticket = world.linked_work_order()
    world.fn_fake.deliver_to(lambda _d: 503)  # the host is down
    world.fn_fake.post_message(wo, "hello")
    [failed] = world.fn_fake.failed_deliveries
    world.fn_fake.deliver_to(None)
    world.fn_fake.clock.advance(days * 86400)  # a user retries it from the dashboard later
    return failed, world.fn_fake.retry_by_hand(failed)


@pytest.mark.contract("FN-WEBHOOK-MANUAL-RETRY")
def test_a_correctly_signed_late_redelivery_is_queued_once_with_a_log_line(
        caplog: pytest.LogCaptureFixture) -> None:
    world = World()
    failed, late = failed_then_retried_by_hand(world, days=3)
    assert late.headers["X-FN-Request-Timestamp"] == failed.headers["X-FN-Request-Timestamp"]
    with pytest.raises(WebhookStaleError):  # the verifier alone still says it is late
        WebhookVerifier([SECRET], clock=world.fn_fake.clock.timestamp).verify(
            late.body, late.headers)
    caplog.set_level(logging.INFO, logger="autotask_fn.sync")
    first = world.svc.handle_fieldnation_webhook(late.body, late.headers)
    again = world.svc.handle_fieldnation_webhook(late.body, late.headers)
    assert (first.status, first.duplicate) == (200, False)
    assert (again.status, again.duplicate) == (200, True)
    assert world.store.count_entries(EntryStatus.PENDING) == 1
    assert "late Field Nation delivery" in caplog.text
    assert SECRET not in caplog.text
    world.svc.process_pending()
    assert world.store.count_entries(EntryStatus.DONE) == 1


@pytest.mark.contract("FN-WEBHOOK-MANUAL-RETRY")
def test_a_late_redelivery_that_was_tampered_with_or_unsigned_is_still_refused() -> None:
    world = World()
    _failed, late = failed_then_retried_by_hand(world, days=3)
    tampered = late.body.replace(b"{", b"{ ", 1)
    assert world.svc.handle_fieldnation_webhook(tampered, late.headers).status == 401
    unsigned = {k: v for k, v in late.headers.items() if k != "X-FN-Signature"}
    assert world.svc.handle_fieldnation_webhook(late.body, unsigned).status == 401
    assert world.store.count_entries() == 0


def test_max_age_is_kept_for_the_verifier_api() -> None:
    verifier = WebhookVerifier([SECRET], max_age=timedelta(hours=1))
    assert verifier.max_age == timedelta(hours=1)
    assert verifier.legacy_md5 is False
