"""Webhook deliveries: parsing the documented variants, signature and age checks, fuzzing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autotask_fn.errors import ConfigurationError
from autotask_fn.fieldnation import (
    Events,
    WebhookPayloadError,
    WebhookSignatureError,
    WebhookStaleError,
    WebhookVerifier,
    parse_delivery,
)
from autotask_fn.fieldnation.webhooks import sign

SECRET = "whsec-current-0123456789"
OLD_SECRET = "whsec-previous-9876543210"
NOW = datetime(2026, 1, 20, 14, 56, 0, tzinfo=UTC)
DELIVERY_UUID = "6f1c1d9e-3b7a-4b8e-9a55-0d7f1e2c3b4a"


def envelope(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event": {"name": "workorder.status.published",
                  "params": {"work_order_id": "4711", "status_id": 2, "previous_status_id": 1}},
        "timestamp": "2026-01-20T08:55:58-06:00",
        "triggered_by_user": {"id": 1068},
        "workorder": {"id": 4711, "title": "Replace switch", "status": {"id": 2}},
    }
    body.update(overrides)
    return body


def delivery(body: dict[str, Any] | bytes, *, attempt: int = 1, secret: str = SECRET,
             sent: datetime = NOW, **extra: str) -> tuple[bytes, dict[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json",
        "X-FN-Signature": sign(raw, secret),
        "X-FN-Webhook-Id": "0b5e4a1c-1111-2222-3333-444455556666",
        "X-FN-Delivery-Id": f"{DELIVERY_UUID}:{attempt}",
        "X-FN-Event-Trace-Id": "trace-1",
        "X-FN-Request-Timestamp": str(int(sent.timestamp() * 1000)),
    }
    headers.update(extra)
    return raw, headers


def verifier(**kwargs: Any) -> WebhookVerifier:
    kwargs.setdefault("clock", lambda: NOW.timestamp())
    return WebhookVerifier([SECRET, OLD_SECRET], **kwargs)


# --------------------------------------------------------------------------- parsing


def test_four_key_envelope_is_read() -> None:
    raw, headers = delivery(envelope(), attempt=3)
    event = verifier().parse(raw, headers)

    assert event.name == Events.STATUS_PUBLISHED
    assert event.work_order_id == 4711
    assert (event.status_id, event.previous_status_id) == (2, 1)
    assert event.timestamp == datetime(2026, 1, 20, 14, 55, 58, tzinfo=UTC)
    assert event.triggered_by_user_id == 1068
    assert (event.delivery_id, event.attempt) == (DELIVERY_UUID, 3)
    assert event.webhook_id == "0b5e4a1c-1111-2222-3333-444455556666"
    assert event.work_order is not None
    assert event.work_order.title == "Replace switch"
    assert event.raw["event"]["name"] == "workorder.status.published"


def test_retried_deliveries_share_the_dedup_key() -> None:
    raw1, h1 = delivery(envelope(), attempt=1)
    raw2, h2 = delivery(envelope(), attempt=2)
    first, second = parse_delivery(raw1, h1), parse_delivery(raw2, h2)
    assert first.delivery_id == second.delivery_id
    assert (first.attempt, second.attempt) == (1, 2)


def test_migration_guide_shape_keys_on_event_id() -> None:
    body = {"eventId": "evt_123", "eventName": "workorder.status.work_done",
            "workOrderId": 88, "timestamp": "2026-01-20T10:00:00Z",
            "data": {"status_id": 4, "previous_status_id": 3,
                     "workorder": {"id": 88, "title": "Done"}}}
    event = parse_delivery(json.dumps(body).encode(), {"content-type": "application/json"})
    assert (event.name, event.work_order_id, event.delivery_id) == (
        "workorder.status.work_done", 88, "evt_123")
    assert (event.status_id, event.previous_status_id) == (4, 3)
    assert event.work_order.title == "Done"


def test_header_variants_supply_name_and_iso_timestamp() -> None:
    body = {"event": {"params": {"work_order_id": 5}}}
    event = parse_delivery(json.dumps(body), {"x-fn-event-name": "workorder.created",
                                              "x-fn-timestamp": "2026-01-20T10:00:00Z"})
    assert event.name == Events.WORK_ORDER_CREATED
    assert event.timestamp == datetime(2026, 1, 20, 10, tzinfo=UTC)
    assert event.delivery_id.startswith("sha256:")  # no id documented: the body's hash


def test_headers_are_case_insensitive() -> None:
    raw, headers = delivery(envelope())
    lowered = {k.lower(): v for k, v in headers.items()}
    upper = {k.upper(): v for k, v in headers.items()}
    assert verifier().parse(raw, lowered) == verifier().parse(raw, upper)


@pytest.mark.parametrize(
    ("body", "field"),
    [({"event": {"params": {"work_order_id": 5}}}, "event.name"),
     ({"event": {"name": "workorder.created", "params": {}}}, "work_order_id"),
     ({"event": {"name": "workorder.created", "params": {"work_order_id": "abc"}}},
      "work_order_id"),
     ({"event": {"name": "workorder.created", "params": {"work_order_id": -3}}},
      "work_order_id")],
)
def test_missing_essentials_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(WebhookPayloadError) as info:
        parse_delivery(json.dumps(body).encode(), {})
    assert info.value.field == field
    assert field in str(info.value)


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b"\xff\xfe", b"null"])
def test_non_object_bodies_are_payload_errors(raw: bytes) -> None:
    with pytest.raises(WebhookPayloadError) as info:
        parse_delivery(raw, {})
    assert info.value.field == "body"


def test_unparseable_embedded_work_order_is_dropped_not_fatal() -> None:
    event = parse_delivery(json.dumps(envelope(workorder={"id": 4711, "status": []})), {})
    assert event.work_order_id == 4711


# --------------------------------------------------------------------------- verifying


def test_signature_from_a_rotated_out_secret_still_verifies() -> None:
    raw, headers = delivery(envelope(), secret=OLD_SECRET)
    verifier().verify(raw, headers)


def test_tampered_body_is_rejected() -> None:
    raw, headers = delivery(envelope())
    tampered = raw.replace(b"4711", b"4712")
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verifier().verify(tampered, headers)


def test_unknown_secret_is_rejected() -> None:
    raw, headers = delivery(envelope(), secret="someone-else-entirely")
    with pytest.raises(WebhookSignatureError):
        verifier().verify(raw, headers)


@pytest.mark.parametrize("value", [None, "", "sha256=", "md5=abc", "sha256=" + "z" * 64,
                                   "sha256=" + "a" * 63, "a" * 64])
def test_missing_or_malformed_signature_is_rejected(value: str | None) -> None:
    raw, headers = delivery(envelope())
    if value is None:
        del headers["X-FN-Signature"]
    else:
        headers["X-FN-Signature"] = value
    with pytest.raises(WebhookSignatureError) as info:
        verifier().verify(raw, headers)
    assert SECRET not in str(info.value)


def test_uppercase_hex_signature_is_accepted() -> None:
    raw, headers = delivery(envelope())
    headers["X-FN-Signature"] = "sha256=" + headers["X-FN-Signature"][7:].upper()
    verifier().verify(raw, headers)


def test_delivery_older_than_max_age_is_stale() -> None:
    raw, headers = delivery(envelope(), sent=NOW - timedelta(hours=25))
    with pytest.raises(WebhookStaleError):
        verifier().verify(raw, headers)


def test_retry_21_minutes_later_is_not_stale_by_default() -> None:
    raw, headers = delivery(envelope(), sent=NOW - timedelta(minutes=21))
    assert verifier().parse(raw, headers).work_order_id == 4711


def test_max_age_is_configurable_and_can_be_disabled() -> None:
    raw, headers = delivery(envelope(), sent=NOW - timedelta(minutes=10))
    with pytest.raises(WebhookStaleError):
        verifier(max_age=timedelta(minutes=5)).verify(raw, headers)
    old_raw, old_headers = delivery(envelope(), sent=NOW - timedelta(days=30))
    verifier(max_age=None).verify(old_raw, old_headers)


def test_far_future_timestamp_is_rejected() -> None:
    raw, headers = delivery(envelope(), sent=NOW + timedelta(hours=1))
    with pytest.raises(WebhookStaleError, match="future"):
        verifier().verify(raw, headers)


def test_verifier_needs_secrets_and_hides_them() -> None:
    with pytest.raises(ConfigurationError):
        WebhookVerifier([])
    with pytest.raises(ConfigurationError):
        WebhookVerifier(SECRET)  # type: ignore[arg-type]
    assert SECRET not in repr(verifier())


# --------------------------------------------------------------------------- fuzzing

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
key_names = st.sampled_from(["event", "name", "params", "work_order_id", "workorder", "id",
                             "eventId", "eventName", "workOrderId", "data", "timestamp",
                             "triggered_by_user", "status_id", "status"])
envelopes = st.recursive(
    json_values,
    lambda children: st.dictionaries(key_names, children, max_size=5),
    max_leaves=25,
)
header_maps = st.dictionaries(
    st.sampled_from(["X-FN-Signature", "x-fn-delivery-id", "X-FN-Request-Timestamp",
                     "x-fn-event-name", "x-fn-timestamp", "X-FN-Webhook-Id"]) | st.text(max_size=8),
    st.text(max_size=80), max_size=6)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=200) | envelopes.map(lambda v: json.dumps(v).encode()),
       headers=header_maps)
def test_arbitrary_deliveries_raise_only_webhook_errors(body: bytes,
                                                        headers: dict[str, str]) -> None:
    try:
        event = verifier().parse(body, headers)
    except (WebhookPayloadError, WebhookSignatureError):
        return
    assert isinstance(event.work_order_id, int)


@settings(max_examples=80, deadline=None)
@given(envelopes)
def test_arbitrary_json_parses_or_names_the_problem(value: Any) -> None:
    try:
        event = parse_delivery(json.dumps(value).encode(), {})
    except WebhookPayloadError as err:
        problem = err.field
    else:
        problem = None
        assert event.name
        assert event.work_order_id > 0
    assert problem in {None, "body", "event.name", "work_order_id"}


@settings(max_examples=40, deadline=None)
@given(envelopes, st.integers(min_value=1, max_value=2**40))
def test_signed_arbitrary_envelopes_verify(value: Any, wo_id: int) -> None:
    body = {"event": {"name": "workorder.created", "params": {"work_order_id": wo_id}},
            "extra": value}
    raw, headers = delivery(body)
    assert verifier().parse(raw, headers).work_order_id == wo_id
