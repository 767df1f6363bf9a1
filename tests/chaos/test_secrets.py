"""No secret in any log line, error text or repr of a full chaos run.

Every credential is made distinctive first (the fakes' documented test credentials are
ordinary words like "secret" and "password"), then a run with faults, client retries, token
renewals, refused and tampered webhooks, an Autotask import and dead letters is captured: the
root logger at DEBUG (httpx included), the text and repr of every error, every webhook answer,
every dead letter and the stored inbox headers. None may contain a secret.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import attrs
import httpx
import pytest
from rigs import FN_SECRET, HOOK_KEY, InboundRig

from autotask_fn.autotask import AutotaskClient
from autotask_fn.autotask.webhooks import sign as sign_callout
from autotask_fn.errors import AutotaskFnError
from autotask_fn.fieldnation import FieldNationClient
from autotask_fn.store import EntryStatus
from autotask_fn.testing import FakeAutotask, FakeFieldNation

AT_SECRET = "at-Secr3t-Qx7v2LmN9"
AT_CODE = "AT-INTEGRATION-Zk4Wq8Tr"
FN_CLIENT_SECRET = "fn-ClientSecret-Hy6Bn3Ju"
FN_PASSWORD = "fn-Passw0rd-Rt5Ek2Vc"
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _no_sleep(_seconds: float) -> None:
    return None


def with_distinct_credentials() -> InboundRig:
    world = InboundRig()
    world.at_fake.SECRET = AT_SECRET
    world.at_fake.INTEGRATION_CODE = AT_CODE
    world.at = AutotaskClient(FakeAutotask.USERNAME, AT_SECRET, AT_CODE,
                              zone_url=world.at_fake.zone_url,
                              transport=httpx.WSGITransport(app=world.at_fake), sleep=_no_sleep)
    world.fn_fake.tokens._client_secret = FN_CLIENT_SECRET
    api = world.fn_fake.state.api_user()
    world.fn_fake.state.users[api.id] = attrs.evolve(api, password=FN_PASSWORD)
    world.fn = FieldNationClient(FakeFieldNation.CLIENT_ID, FN_CLIENT_SECRET,
                                 FakeFieldNation.USERNAME, FN_PASSWORD,
                                 base_url=world.fn_fake.base_url,
                                 transport=httpx.WSGITransport(app=world.fn_fake),
                                 clock=world.fn_fake.clock.timestamp, sleep=_no_sleep)
    world.settings = attrs.evolve(world.settings, max_attempts=2, backoff_base=1.0,
                                  backoff_max=2.0)
    world.validated = world.settings.validate(world.at)
    world.svc = world.service()
    return world


def test_a_full_chaos_run_logs_and_raises_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: ours, httpx's, everyone's
    world = with_distinct_credentials()
    texts: list[str] = [repr(world.at), repr(world.fn), repr(world.svc), repr(world.settings),
                        repr(world.validated), repr(world.store)]

    def attempt(action: object) -> None:
        try:
            action()  # type: ignore[operator]
        except AutotaskFnError as exc:
            texts.extend([str(exc), repr(exc), repr(exc.__cause__), repr(exc.__context__)])

    orders = [world.linked_work_order(title=f"Secret run {n}") for n in range(3)]
    for n, (wo, _ticket) in enumerate(orders):
        world.fn_fake.check_in(wo, T0 + timedelta(hours=n))
        world.fn_fake.check_out(wo, T0 + timedelta(hours=n, minutes=40))
        world.fn_fake.post_message(wo, f"on site {n}")
        world.fn_fake.complete_work(wo)
    # Faults on both sides; the last work order's reads fail for good (dead letters).
    world.at_fake.fail_next(r"TimeEntries$", method="POST", status=500, after_acting=True)
    world.at_fake.fail_next(r"/query", status=429, count=2, body={"errors": [
        "Thread Threshold Exceeded (Itgenatr005)"]})
    world.at_fake.fail_next(r"/Notes$", method="POST", timeout=True, after_acting=True)
    world.fn_fake.fail_next(r"/workorders/\d+$", method="GET", status=502)
    world.fn_fake.fail_next(rf"/workorders/{orders[2][0]}", status=503, count=10_000)
    world.fn_fake.clock.advance(3700)  # the first token expired meanwhile: renewed

    deliveries = world.fn_fake.take_deliveries(duplicate=0.5, shuffle=True, seed=3)
    for d in deliveries:
        texts.append(repr(world.svc.handle_fieldnation_webhook(d.body, d.headers)))
    tampered = deliveries[0]
    texts.append(repr(world.svc.handle_fieldnation_webhook(tampered.body + b" ",
                                                           tampered.headers)))
    texts.append(repr(world.svc.handle_fieldnation_webhook(
        tampered.body, {**tampered.headers, "X-FN-Signature": "sha256=" + "0" * 64})))

    # An Autotask callout (a real import), one with a wrong key, one not signed at all.
    ticket = world.ticket()
    callout = (b'{"Action":"Create","Guid":"g-1","EntityType":"Ticket","Id":%d,'
               b'"SequenceNumber":1,"PersonID":1}' % ticket)
    for headers in ({"X-Hook-Signature": sign_callout(callout, HOOK_KEY)},
                    {"X-Hook-Signature": sign_callout(callout, "wrong-key")}, {}):
        texts.append(repr(world.svc.handle_autotask_webhook(callout, headers)))
    world.at_fake.fail_next(r"Tickets/\d+$", method="GET", status=500, count=1)

    for _ in range(4):
        report = world.svc.process_pending()
        texts.extend([*report.errors, repr(report)])
        world.fn_fake.clock.advance(100)
    dead = world.svc.dead_letters()
    assert dead, "the run should leave dead letters"
    texts.extend(repr(e) for e in dead)
    texts.extend(repr(dict(e.headers)) for e in world.store.list_entries(limit=500))
    texts.extend(world.svc.sweep().errors)
    attempt(lambda: world.svc.sync_work_order(orders[2][0]))

    # Credentials refused outright: the errors must not echo what was sent.
    issued = list(world.fn_fake.tokens._tokens)
    assert len(issued) >= 2, "the run should have renewed the Field Nation token"
    world.fn_fake.tokens._client_secret = "rotated-away"
    attempt(lambda: FieldNationClient(
        FakeFieldNation.CLIENT_ID, FN_CLIENT_SECRET, FakeFieldNation.USERNAME, FN_PASSWORD,
        base_url=world.fn_fake.base_url, transport=httpx.WSGITransport(app=world.fn_fake),
        clock=world.fn_fake.clock.timestamp, sleep=_no_sleep).get_work_order(orders[0][0]))
    world.at_fake.SECRET = "rotated-too"
    attempt(lambda: world.at.get("Tickets", ticket))
    assert sum("401" in t or "rejected" in t for t in texts) >= 2

    secrets = [AT_SECRET, AT_CODE, FN_CLIENT_SECRET, FN_PASSWORD, FN_SECRET, HOOK_KEY, *issued]
    haystack = "\n".join([caplog.text, *texts])
    assert len(caplog.records) > 20, "the run should have logged retries and dead letters"
    leaks = [s[:6] + "..." for s in secrets if s in haystack]
    assert leaks == [], f"secrets leaked into logs or error texts: {leaks}"
    assert world.store.count_entries(EntryStatus.DEAD) == len(dead)

