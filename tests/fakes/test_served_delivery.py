"""Served fakes deliver their webhooks over HTTP, signed, with the real retry schedules."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from autotask_fn.autotask.webhooks import CalloutVerifier, create_ticket_webhook, parse_callout
from autotask_fn.fieldnation import FieldNationClient
from autotask_fn.fieldnation.webhooks import WebhookVerifier, parse_delivery
from autotask_fn.testing import FakeAutotask, FakeFieldNation, serve
from autotask_fn.testing.autotask import ApiError
from autotask_fn.testing.fieldnation.problems import FakeApiError

from .receiver import Receiver, receiving

FN_SECRET = "served-fn-secret"
AT_KEY = "served-autotask-key"


@pytest.fixture
def fn_fake() -> Iterator[FakeFieldNation]:
    fake = FakeFieldNation()
    server = serve(fake)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def at_fake() -> Iterator[FakeAutotask]:
    fake = FakeAutotask()
    server = serve(fake)
    yield fake
    server.shutdown()
    server.server_close()


def _assigned_with_hook(fake: FakeFieldNation, url: str, events: list[str]) -> int:
    wo_id = fake.create_work_order(title="Served delivery")
    fake.assign(wo_id)
    fake.register_webhook(url, events, FN_SECRET)
    return wo_id


# -- Field Nation ------------------------------------------------------------------------
@pytest.mark.contract("FN-WEBHOOK-SIGNATURE")
@pytest.mark.contract("FN-WEBHOOK-DELIVERY-ID")
def test_a_served_field_nation_posts_signed_deliveries_to_a_loopback_url(
    fn_fake: FakeFieldNation,
) -> None:
    with receiving() as rx:
        wo_id = _assigned_with_hook(fn_fake, rx.url + "/hooks/fn", ["workorder.message_posted"])
        fn_fake.post_message(wo_id, "On site")
        (attempt,) = fn_fake.flush_deliveries()
    assert attempt.delivered
    assert attempt.attempt == 1
    (got,) = rx.received
    assert (got.method, got.path) == ("POST", "/hooks/fn")
    assert got.header("Content-Type") == "application/json"
    assert got.header("X-FN-Delivery-Id").endswith(":1")
    WebhookVerifier([FN_SECRET], clock=fn_fake.clock.timestamp).verify(got.body, got.headers)
    assert parse_delivery(got.body, got.headers).work_order_id == wo_id
    assert json.loads(got.body)["event"]["name"] == "workorder.message_posted"
    assert fn_fake.take_deliveries() == []  # the courier took it from the outbox


@pytest.mark.contract("FN-WEBHOOK-RETRIES")
def test_a_failing_receiver_gets_retries_after_10_s_doubling_then_a_dead_letter(
    fn_fake: FakeFieldNation,
) -> None:
    with receiving(answer=lambda n: 503) as rx:
        wo_id = _assigned_with_hook(fn_fake, rx.url, ["workorder.message_posted"])
        fn_fake.post_message(wo_id, "Parts ordered")
        assert [a.status for a in fn_fake.flush_deliveries()] == [503]
        waited = []
        for delay in (10, 20, 40, 80, 160, 320, 640):
            fn_fake.clock.advance(delay - 1)
            assert fn_fake.flush_deliveries() == []  # not due yet
            fn_fake.clock.advance(1)
            (retry,) = fn_fake.flush_deliveries()
            waited.append(delay)
            assert retry.attempt == len(waited) + 1
        fn_fake.clock.advance(3600)
        assert fn_fake.flush_deliveries() == []  # 8 attempts, then no more
    ids = [r.header("X-FN-Delivery-Id") for r in rx.received]
    uuids = {i.rsplit(":", 1)[0] for i in ids}
    assert len(uuids) == 1
    assert [int(i.rsplit(":", 1)[1]) for i in ids] == list(range(1, 9))
    assert sum(waited) == 1270  # about 21 minutes from the first attempt to the 8th
    verifier = WebhookVerifier([FN_SECRET], max_age=None)
    for request in rx.received:  # each retry is re-signed over the same body
        verifier.verify(request.body, request.headers)
    (dead,) = fn_fake.dead_letters
    assert dead.attempt == 8
    assert fn_fake.failed_deliveries == []


@pytest.mark.contract("FN-WEBHOOK-RETRIES")
def test_a_4xx_is_a_dead_letter_at_once_and_a_5xx_then_2xx_is_delivered(
    fn_fake: FakeFieldNation,
) -> None:
    answers = {1: 404, 2: 500, 3: 200}
    with receiving(answer=lambda n: answers[n]) as rx:
        wo_id = _assigned_with_hook(fn_fake, rx.url, ["workorder.message_posted"])
        fn_fake.post_message(wo_id, "first")
        fn_fake.post_message(wo_id, "second")
        first = fn_fake.flush_deliveries()
        fn_fake.clock.advance(10)
        second = fn_fake.flush_deliveries()
    assert sorted(a.status for a in first) == [404, 500]
    assert [(a.attempt, a.status) for a in second] == [(2, 200)]
    assert len(fn_fake.dead_letters) == 1
    assert fn_fake.dead_letters[0].attempt == 1


@pytest.mark.contract("FN-WEBHOOK-RETRIES")
def test_no_answer_within_the_timeout_is_a_failed_attempt(fn_fake: FakeFieldNation) -> None:
    courier = fn_fake.courier
    assert courier is not None
    assert courier.mailer.timeout == 30.0  # Field Nation waits 30 s
    courier.mailer.timeout = 0.2  # a test control: the same rule, shorter
    with receiving(delay=1.0) as rx:
        wo_id = _assigned_with_hook(fn_fake, rx.url, ["workorder.message_posted"])
        fn_fake.post_message(wo_id, "slow receiver")
        (attempt,) = fn_fake.flush_deliveries()
    assert attempt.status == 0
    assert "no answer within 0.2 s" in (attempt.error or "")
    assert len(courier.pending) == 1  # retried later


def test_in_process_and_deliver_false_keep_the_outbox() -> None:
    in_process = FakeFieldNation()
    served = FakeFieldNation()
    server = serve(served, deliver=False)
    try:
        for fake in (in_process, served):
            wo_id = _assigned_with_hook(fake, "http://127.0.0.1:9/unused",
                                        ["workorder.message_posted"])
            fake.post_message(wo_id, "kept")
            assert fake.courier is None
            assert [d.event for d in fake.take_deliveries()] == ["workorder.message_posted"]
            with pytest.raises(RuntimeError, match="served delivery is off"):
                fake.flush_deliveries()
    finally:
        server.shutdown()
        server.server_close()


def test_shutting_the_server_down_stops_delivery() -> None:
    fake = FakeFieldNation()
    server = serve(fake)
    courier = fake.courier
    assert courier is not None
    assert courier.running
    server.shutdown()
    server.server_close()
    assert not courier.running
    assert fake.courier is None


# -- Autotask ----------------------------------------------------------------------------
def _hook(fake: FakeAutotask, url: str) -> None:
    create_ticket_webhook(
        fake.client(), name="served", webhook_url=url, deactivation_url=url + "/off",
        secret_key=AT_KEY, field_ids=[fake.webhook_field_id("title")],
        excluded_resource_ids=[fake.api_resource_id])


def _ticket(fake: FakeAutotask, title: str) -> int:
    seed = fake.seed
    return fake.ui_create_ticket(title=title, companyID=seed.company_id, status=1, priority=2,
                                 queueID=seed.queue_id)


@pytest.mark.contract("AT-CALLOUT-SIGNATURE")
@pytest.mark.contract("AT-CALLOUT-PAYLOAD")
def test_a_served_autotask_posts_signed_callouts(at_fake: FakeAutotask) -> None:
    with receiving() as rx:
        _hook(at_fake, rx.url + "/hooks/autotask")
        ticket_id = _ticket(at_fake, "Callout over HTTP")
        (attempt,) = at_fake.flush_deliveries()
    assert attempt.delivered
    (got,) = rx.received
    assert (got.method, got.path) == ("POST", "/hooks/autotask")
    CalloutVerifier(AT_KEY).verify(got.body, got.headers)
    callout = parse_callout(got.body)
    assert (callout.action, callout.entity_id) == ("Create", ticket_id)


@pytest.mark.contract("AT-CALLOUT-RETRIES")
def test_a_failing_callout_is_resent_every_30_s_five_times_then_dropped_in_order(
    at_fake: FakeAutotask,
) -> None:
    with receiving(answer=lambda n: 500 if n <= 5 else 200) as rx:
        _hook(at_fake, rx.url)
        first = _ticket(at_fake, "First")
        second = _ticket(at_fake, "Second")
        assert [a.attempt for a in at_fake.flush_deliveries()] == [1]  # the second waits
        for attempt in (2, 3, 4, 5):
            at_fake.clock.advance(29)
            assert at_fake.flush_deliveries() == []
            at_fake.clock.advance(1)
            assert [a.attempt for a in at_fake.flush_deliveries()][:1] == [attempt]
        at_fake.flush_deliveries()
    ids = [parse_callout(r.body).entity_id for r in rx.received]
    assert ids == [first] * 5 + [second]
    (dropped,) = at_fake.dropped_callouts
    assert parse_callout(dropped.body).entity_id == first
    courier = at_fake.courier
    assert courier is not None
    assert courier.mailer.timeout == 10.0


# -- loopback http only ----------------------------------------------------------------
@pytest.mark.contract("FN-WEBHOOK-HTTPS-URL")
def test_field_nation_takes_https_or_loopback_http_and_the_sdk_only_towards_a_fake(
    fn_fake: FakeFieldNation,
) -> None:
    for url in ("http://hooks.example.com/fn", "http://10.0.0.8/fn", "ftp://127.0.0.1/fn"):
        with pytest.raises(FakeApiError, match="HTTPS"):
            fn_fake.register_webhook(url, ["workorder.created"])
    for url in ("https://hooks.example.com/fn", "http://127.0.0.1:8080/fn",
                "http://localhost/fn", "http://[::1]:9/fn"):
        fn_fake.register_webhook(url, ["workorder.created"])
    in_process = FakeFieldNation().client()  # base URL https://fake-fieldnation.test
    with pytest.raises(ValueError, match="https"):
        in_process.webhooks.register("http://127.0.0.1:8080/fn", ["workorder.created"])
    served = FieldNationClient(FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET,
                               FakeFieldNation.USERNAME, FakeFieldNation.PASSWORD,
                               base_url=fn_fake.base_url, clock=fn_fake.clock.timestamp)
    with pytest.raises(ValueError, match="https"):
        served.webhooks.register("http://hooks.example.com/fn", ["workorder.created"])
    registration = served.webhooks.register("http://127.0.0.1:8080/fn", ["workorder.created"])
    assert registration.url == "http://127.0.0.1:8080/fn"


@pytest.mark.contract("AT-CALLOUT-HTTPS-URL")
def test_autotask_takes_https_or_loopback_http_webhook_urls() -> None:
    fake = FakeAutotask()
    with pytest.raises(Exception, match="must be an https URL") as refused:
        _hook(fake, "http://hooks.example.com/autotask")
    assert not isinstance(refused.value, ApiError)  # the client's typed error, from a 500
    _hook(fake, "http://127.0.0.1:8080/autotask")
    _hook(fake, "https://hooks.example.com/autotask")
    assert len(fake.records("TicketWebhooks")) == 2


def test_the_courier_needs_serving_and_reports_a_receiver_that_is_gone(
    fn_fake: FakeFieldNation,
) -> None:
    rx = Receiver()
    url = rx.url
    rx.close()
    wo_id = _assigned_with_hook(fn_fake, url, ["workorder.message_posted"])
    fn_fake.post_message(wo_id, "nobody listens")
    (attempt,) = fn_fake.flush_deliveries()
    assert attempt.status == 0
    assert "ConnectError" in (attempt.error or "")
    with httpx.Client(base_url=fn_fake.base_url) as control:
        state = control.get("/_fake/deliveries").json()
    assert state["running"] is True
    assert state["pending"] == 1
    assert [a["status"] for a in state["attempts"]] == [0]
