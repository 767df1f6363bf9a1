"""FakeFieldNation: the webhooks v3 API and signed, at-least-once deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from autotask_fn.testing import FakeFieldNation
from autotask_fn.testing.fieldnation import KNOWN_EVENTS, Delivery

HOOKS = FakeFieldNation.WEBHOOKS_PATH
W = f"{FakeFieldNation.REST_PREFIX}/workorders"
SECRET = "whsec-test-123"
URL = "https://sync.example.com/fn"
ALL = sorted(KNOWN_EVENTS)


@pytest.fixture
def fake() -> FakeFieldNation:
    return FakeFieldNation()


@pytest.fixture
def hooks(fake: FakeFieldNation) -> httpx.Client:
    return fake.http_client(bearer=True)


def _names(deliveries: list[Delivery]) -> list[str]:
    return [d.json()["event"]["name"] for d in deliveries]


# -- the registration API ------------------------------------------------------------------
def test_register_list_get_update_delete(hooks: httpx.Client) -> None:
    made = hooks.post(HOOKS, json={"url": URL, "events": ["workorder.created"],
                                   "secret": SECRET})
    assert made.status_code == 201
    body = made.json()
    assert set(body) == {"metadata", "result"}
    hook_id = body["result"]["webhookId"]
    assert body["result"]["status"] == "active"
    assert SECRET not in made.text
    assert [h["webhookId"] for h in hooks.get(HOOKS).json()["result"]] == [hook_id]
    assert hooks.get(f"{HOOKS}/{hook_id}").json()["result"]["url"] == URL
    put = hooks.put(f"{HOOKS}/{hook_id}", json={"status": "inactive"})
    assert put.json()["result"]["status"] == "inactive"
    assert put.json()["result"]["events"] == ["workorder.created"]
    assert hooks.delete(f"{HOOKS}/{hook_id}").status_code == 200
    assert hooks.get(f"{HOOKS}/{hook_id}").status_code == 404


@pytest.mark.parametrize("body", [
    {"url": "http://sync.example.com/fn", "events": ["workorder.created"]},
    {"url": URL, "events": []},
    {"url": URL},
    {"url": URL, "events": ["workorder.exploded"]},
    {"url": URL, "events": ["workorder.created"], "status": "sleeping"},
    {"url": URL, "events": ["workorder.created"], "webhookAttribute": {"header": {"X-FN-A": "1"}}},
])
def test_invalid_registrations_get_422_in_the_v3_error_shape(hooks: httpx.Client,
                                                             body: dict) -> None:
    response = hooks.post(HOOKS, json=body)
    assert response.status_code == 422
    payload = response.json()
    assert set(payload) == {"metadata", "errors", "result"}
    assert payload["result"] == {}
    assert payload["errors"][0]["code"] == 422
    assert payload["errors"][0]["message"]


# -- deliveries ----------------------------------------------------------------------------
@pytest.mark.contract("FN-WEBHOOK-SIGNATURE")
def test_delivery_envelope_headers_and_signature(fake: FakeFieldNation) -> None:
    hook_id = fake.register_webhook(URL, ["workorder.status.published"], secret=SECRET)
    wo = fake.create_work_order(title="Rack install")
    fake.clock.advance(60)
    fake.publish(wo)
    [delivery] = fake.take_deliveries()
    assert delivery.url == URL
    body = json.loads(delivery.body)
    assert set(body) == {"event", "timestamp", "triggered_by_user", "workorder"}
    assert body["event"] == {"name": "workorder.status.published",
                             "params": {"work_order_id": wo, "status_id": 2,
                                        "previous_status_id": 1}}
    assert body["triggered_by_user"] == {"id": fake.seed.api_user_id}
    assert datetime.fromisoformat(body["timestamp"]) == fake.clock.now()
    assert body["workorder"]["id"] == wo
    assert body["workorder"]["status"]["id"] == 2
    assert body["workorder"]["title"] == "Rack install"
    headers = delivery.headers
    expected = hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert headers["X-FN-Signature"] == f"sha256={expected}"
    assert headers["X-FN-Webhook-Id"] == hook_id
    uuid_part, attempt = headers["X-FN-Delivery-Id"].rsplit(":", 1)
    assert (len(uuid_part), attempt) == (36, "1")
    assert len(headers["X-FN-Event-Trace-Id"]) == 36
    assert int(headers["X-FN-Request-Timestamp"]) == int(fake.clock.timestamp() * 1000)
    assert headers["Content-Type"] == "application/json"
    assert SECRET not in repr(delivery)
    assert fake.take_deliveries() == []


def test_only_subscribed_active_webhooks_receive(fake: FakeFieldNation,
                                                 hooks: httpx.Client) -> None:
    fake.register_webhook(URL, ["workorder.created"], secret=SECRET)
    fake.register_webhook("https://other.example.com/x", ["workorder.status.published"])
    fake.register_webhook("https://off.example.com/x", ALL, status="inactive")
    fake.create_work_order()
    deliveries = fake.take_deliveries()
    assert [(d.url, d.event) for d in deliveries] == [(URL, "workorder.created")]


def test_a_whole_job_emits_exactly_the_real_events(fake: FakeFieldNation) -> None:
    fake.register_webhook(URL, ALL, secret=SECRET)
    t0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
    wo = fake.create_work_order()
    fake.update_work_order(wo, title="renamed", description={"html": "<p>x</p>"})
    fake.route(wo)
    fake.accept_route(wo)
    fake.check_in(wo)
    fake.log_time(wo, t0, t0 + timedelta(hours=1))
    fake.add_expense(wo, "10.00", "Parking")
    fake.capture_signature(wo, "Jo", "Owner")
    fake.check_out(wo)
    fake.post_message(wo, "done")
    fake.upload_file(wo, "after.jpg", b"jpg")
    fake.set_custom_field(wo, fake.seed.custom_fields["Serial Number"], "SN1", as_provider=True)
    fake.update_work_order(wo, schedule={"service_window": {
        "mode": "exact", "start": {"utc": "2026-01-07 10:00:00"}}})
    fake.complete_work(wo)
    fake.approve(wo)
    fake.mark_paid(wo)
    assert _names(fake.take_deliveries()) == [
        "workorder.created",
        "workorder.routed", "workorder.status.routed",
        "workorder.status.assigned",
        "workorder.status.checked_in", "workorder.task_completed",
        "workorder.status.checked_out",
        "workorder.message_posted",
        "workorder.provider_upload",
        "workorder.custom_field_value_updated",
        "workorder.schedule_updated",
        "workorder.status.work_done", "workorder.status.approved", "workorder.status.paid",
    ]


def test_cancel_emits_cancelled_with_the_previous_status(fake: FakeFieldNation) -> None:
    fake.register_webhook(URL, ["workorder.status.cancelled"], secret=SECRET)
    wo = fake.create_work_order()
    fake.assign(wo)
    fake.cancel(wo, "no longer needed")
    [delivery] = fake.take_deliveries()
    assert delivery.json()["event"]["params"] == {"work_order_id": wo, "status_id": 7,
                                                  "previous_status_id": 3}


def test_rest_changes_emit_like_helpers(fake: FakeFieldNation) -> None:
    fake.register_webhook(URL, ALL, secret=SECRET)
    wo = fake.create_work_order()
    fake.assign(wo)
    fake.take_deliveries()
    tech = fake.http_client("tech")
    tech.post(f"{W}/{wo}/check_in")
    tech.post(f"{W}/{wo}/messages", json={"message": "here"})
    deliveries = fake.take_deliveries()
    assert _names(deliveries) == ["workorder.status.checked_in", "workorder.task_completed",
                                  "workorder.message_posted"]
    assert {d.json()["triggered_by_user"]["id"] for d in deliveries} == {fake.seed.provider_id}


@pytest.mark.contract("FN-WEBHOOK-DELIVERY-ID")
def test_duplicates_are_retries_with_the_same_uuid(fake: FakeFieldNation) -> None:
    fake.register_webhook(URL, ALL, secret=SECRET)
    for _ in range(3):
        fake.create_work_order()
    deliveries = fake.take_deliveries(duplicate=2, seed=7)
    assert len(deliveries) == 5
    by_uuid: dict[str, list[int]] = {}
    for d in deliveries:
        uuid_part, attempt = d.headers["X-FN-Delivery-Id"].rsplit(":", 1)
        by_uuid.setdefault(uuid_part, []).append(int(attempt))
        expected = hmac.new(SECRET.encode(), d.body, hashlib.sha256).hexdigest()
        assert d.headers["X-FN-Signature"] == f"sha256={expected}"
    assert len(by_uuid) == 3
    assert all(attempts == list(range(1, len(attempts) + 1)) for attempts in by_uuid.values())


def test_duplicate_fraction_and_shuffle(fake: FakeFieldNation) -> None:
    fake.register_webhook(URL, ["workorder.created"], secret=SECRET)
    ids = [fake.create_work_order() for _ in range(6)]
    everything = fake.take_deliveries(duplicate=1.0)
    assert len(everything) == 12
    assert sorted(d.json()["workorder"]["id"] for d in everything) == sorted(ids * 2)
    later = [fake.create_work_order() for _ in ids]
    shuffled = fake.take_deliveries(shuffle=True, seed=3)
    order = [d.json()["workorder"]["id"] for d in shuffled]
    assert sorted(order) == later
    assert order != later
    with pytest.raises(ValueError, match="between"):
        fake.take_deliveries(duplicate=1.5)


def test_redeliver_and_push_handler(fake: FakeFieldNation) -> None:
    fake.register_webhook(URL, ["workorder.created"], secret=SECRET)
    fake.create_work_order()
    [first] = fake.take_deliveries()
    again = fake.redeliver(first)
    assert again.delivery_uuid == first.delivery_uuid
    assert again.attempt == 2
    assert again.body == first.body
    received: list[Delivery] = []
    fake.deliver_to(received.append)
    fake.create_work_order()
    assert [d.event for d in received] == ["workorder.created"]
    assert fake.take_deliveries() == []
    fake.deliver_to(None)
    fake.create_work_order()
    assert len(fake.take_deliveries()) == 1


def test_handler_may_call_back_into_the_fake(fake: FakeFieldNation) -> None:
    fake.register_webhook(URL, ["workorder.status.published"], secret=SECRET)
    api = fake.http_client()
    seen: list[int] = []

    def handler(delivery: Delivery) -> None:
        wo_id = delivery.json()["event"]["params"]["work_order_id"]
        seen.append(api.get(f"{W}/{wo_id}").json()["status"]["id"])

    fake.deliver_to(handler)
    wo = fake.create_work_order()
    api.post(f"{W}/{wo}/publish")
    assert seen == [2]


def test_unsigned_webhook_gets_no_signature_header(fake: FakeFieldNation) -> None:
    fake.register_webhook(URL, ["workorder.created"])
    fake.create_work_order()
    [delivery] = fake.take_deliveries()
    assert "X-FN-Signature" not in delivery.headers


@pytest.mark.contract("FN-WEBHOOK-RETRIES")
def test_failed_pushes_are_retried_and_4xx_are_dead_letters(fake: FakeFieldNation) -> None:
    fake.register_webhook(URL, ["workorder.created"], secret=SECRET)
    answers = iter([503, 200, 410])
    fake.deliver_to(lambda delivery: next(answers))
    fake.create_work_order()
    [failed] = fake.failed_deliveries
    assert failed.attempt == 1
    [retry] = fake.retry_failed()
    assert (retry.delivery_uuid, retry.attempt) == (failed.delivery_uuid, 2)
    assert fake.failed_deliveries == []
    fake.create_work_order()
    assert [d.attempt for d in fake.dead_letters] == [1]
    assert [a.status for a in fake.delivery_attempts] == [503, 200, 410]


def test_a_crashing_handler_counts_as_a_failed_delivery(fake: FakeFieldNation) -> None:
    fake.register_webhook(URL, ["workorder.created"], secret=SECRET)

    def crash(delivery: Delivery) -> None:
        raise ConnectionError("receiver down")

    fake.deliver_to(crash)
    fake.create_work_order()
    assert len(fake.failed_deliveries) == 1
    assert fake.delivery_attempts[0].error == "ConnectionError: receiver down"


def test_registration_secret_is_not_kept_in_the_request_log(fake: FakeFieldNation,
                                                            hooks: httpx.Client) -> None:
    hooks.post(HOOKS, json={"url": URL, "events": ["workorder.created"], "secret": SECRET})
    [logged] = [r for r in fake.requests if r.method == "POST"]
    assert SECRET.encode() not in logged.body
    assert json.loads(logged.body)["url"] == URL


def test_archived_webhooks_are_read_only(hooks: httpx.Client, fake: FakeFieldNation) -> None:
    hook_id = fake.register_webhook(URL, ["workorder.created"])
    assert hooks.put(f"{HOOKS}/{hook_id}", json={"status": "archived"}).status_code == 200
    assert hooks.put(f"{HOOKS}/{hook_id}", json={"status": "active"}).status_code == 422
    fake.create_work_order()
    assert fake.take_deliveries() == []


def test_providers_cannot_manage_webhooks(fake: FakeFieldNation) -> None:
    response = fake.http_client("tech", bearer=True).get(HOOKS)
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == 403
