"""Failures, retries and limits against the fake tenant."""

from __future__ import annotations

import base64
import logging
import threading
import time

import httpx
import pytest

from autotask_fn.autotask import (
    AutotaskAttachmentLimitError,
    AutotaskAuthError,
    AutotaskClient,
    AutotaskServerError,
    AutotaskThreadLimitError,
    AutotaskThresholdError,
    AutotaskTransportError,
    LocalLimiter,
)
from autotask_fn.autotask.limits import NoLimiter
from autotask_fn.autotask.query import eq

from .conftest import Sleeps


def client_for(fake, **kwargs) -> AutotaskClient:
    kwargs.setdefault("sleep", Sleeps())
    return AutotaskClient(fake.USERNAME, fake.SECRET, fake.INTEGRATION_CODE,
                          base_url=fake.base_url, transport=httpx.WSGITransport(app=fake),
                          **kwargs)


@pytest.mark.contract("AT-SERVER-ERROR-TEXT")
def test_reads_survive_injected_server_errors(at, fake, new_ticket) -> None:
    ticket_id = new_ticket()
    fake.fail_next(rf"/Tickets/{ticket_id}$", count=2, method="GET")
    assert at.get("Tickets", ticket_id)["id"] == ticket_id
    assert fake.count_requests("GET", path=rf"/Tickets/{ticket_id}$") == 3


def test_a_failed_post_is_not_repeated_and_is_ambiguous(at, fake) -> None:
    at.zone  # noqa: B018
    fake.fail_next(r"/Tickets$", method="POST")
    with pytest.raises(AutotaskServerError) as info:
        at.create("Tickets", {"title": "x", "companyID": fake.seed.company_id, "status": 1,
                              "priority": 2, "queueID": fake.seed.queue_id})
    assert info.value.ambiguous is True
    assert fake.count_requests("POST", path=r"/Tickets$") == 1


def test_a_post_lost_after_acting_can_be_found_by_its_marker(at, fake) -> None:
    at.zone  # noqa: B018
    fake.fail_next(r"/Tickets$", method="POST", after_acting=True, timeout=True)
    marker = "[FN:sandbox:wo:42]"
    with pytest.raises(AutotaskTransportError) as info:
        at.create("Tickets", {"title": "x", "companyID": fake.seed.company_id, "status": 1,
                              "priority": 2, "queueID": fake.seed.queue_id,
                              "externalID": marker})
    assert info.value.ambiguous is True
    assert fake.count_requests("POST", path=r"/Tickets$") == 1
    found = list(at.query("Tickets", eq("externalID", marker)))
    assert len(found) == 1  # the write happened: the sync layer adopts it instead of reposting


def test_a_patch_lost_after_acting_is_retried(at, fake, new_ticket) -> None:
    ticket_id = new_ticket()
    fake.fail_next(r"/Tickets$", method="PATCH", after_acting=True, timeout=True)
    assert at.update("Tickets", {"id": ticket_id, "title": "again"}) == ticket_id
    assert fake.count_requests("PATCH") == 2
    assert fake.record("Tickets", ticket_id)["title"] == "again"


def test_wrong_credentials_are_an_auth_error_and_never_retried(fake, caplog) -> None:
    wrong = "Wr0ng-Secret-Value"
    client = AutotaskClient(fake.USERNAME, wrong, fake.INTEGRATION_CODE,
                            base_url=fake.base_url, transport=httpx.WSGITransport(app=fake))
    caplog.set_level(logging.DEBUG, logger="autotask_fn")
    with pytest.raises(AutotaskAuthError) as info:
        client.get("Tickets", 1)
    assert info.value.status == 401
    assert len(fake.requests) == 1
    for text in (str(info.value), repr(info.value), repr(client), caplog.text):
        assert wrong not in text
        assert fake.INTEGRATION_CODE not in text


@pytest.mark.contract("AT-HOURLY-THRESHOLD", "AT-HOURLY-THRESHOLD-ANSWER")
@pytest.mark.parametrize(("status", "text"), [
    (429, None),
    (500, None),
    (500, "Request threshold of {limit} reached for this database. Try again later."),
    (403, "The hourly API usage limit has been exceeded."),
    (503, "Too much traffic: 10000 requests per hour exceeded."),
])
def test_the_hourly_threshold_pauses_the_whole_tenant_until_its_window_moves(
        fake, status: int, text: str | None) -> None:
    fake.set_tenant_option(hourly_threshold=3, hourly_limit_status=status,
                           hourly_limit_text=text)
    sleeps = Sleeps()
    limiter = LocalLimiter(clock=fake.clock.time, threshold_every=0)
    client = client_for(fake, max_retries=2, sleep=sleeps, limiter=limiter)
    for _ in range(3):
        client.get("Tickets", 1)
    with pytest.raises(AutotaskThresholdError) as info:
        client.get("Tickets", 1)
    assert info.value.status == status
    assert info.value.retry_after == 60.0
    assert sleeps == []  # not retried within seconds
    assert client.stats.total == 4
    # every other request of the tenant waits too, without being sent
    with pytest.raises(AutotaskThresholdError) as paused:
        client.get("Companies", fake.seed.company_id)
    assert paused.value.status is None
    assert 0 < paused.value.retry_after <= 60.0
    assert client.stats.total == 4
    fake.clock.advance(3600)  # the window moves, and so does the pause
    assert client.get("Companies", fake.seed.company_id)["id"] == fake.seed.company_id


def test_usage_near_the_cap_slows_the_client_down(fake) -> None:
    fake.set_tenant_option(hourly_threshold=20)
    sleeps = Sleeps()
    limiter = LocalLimiter(threshold_every=5, slow_above=0.5, max_pause=4.0)
    client = client_for(fake, limiter=limiter, sleep=sleeps)
    for _ in range(12):
        client.get("Tickets", 1)
    assert client.stats.by_entity["ThresholdInformation"] == 2
    assert limiter.usage >= 0.5
    assert sleeps  # pauses were taken
    assert sleeps == sorted(sleeps)  # and they grow with usage


def test_attachment_uploads_wait_for_the_budget(fake, new_ticket) -> None:
    fake.set_tenant_option(attachment_window_bytes=3000)
    ticket_id = new_ticket()

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        fake.clock.advance(seconds)

    waited: list[float] = []
    limiter = LocalLimiter(attachment_bytes=3000, clock=fake.clock.time)
    client = client_for(fake, limiter=limiter, sleep=sleep)
    data = base64.b64encode(b"a" * 1000).decode()
    for i in range(4):
        client.create("TicketAttachments", {
            "parentID": ticket_id, "title": f"f{i}", "fullPath": f"f{i}.txt",
            "attachmentType": "FILE_ATTACHMENT", "publish": 1, "data": data})
    assert len(waited) == 1
    assert waited[0] == pytest.approx(300, abs=1)
    assert len(fake.records("TicketAttachments")) == 4


def test_without_the_budget_the_tenant_refuses_uploads(fake, new_ticket) -> None:
    fake.set_tenant_option(attachment_window_bytes=3000)
    ticket_id = new_ticket()
    client = client_for(fake)
    data = base64.b64encode(b"a" * 1000).decode()
    for i in range(3):
        client.create("TicketAttachments", {
            "parentID": ticket_id, "title": f"f{i}", "fullPath": f"f{i}.txt",
            "attachmentType": "FILE_ATTACHMENT", "publish": 1, "data": data})
    with pytest.raises(AutotaskAttachmentLimitError, match="upload limit") as info:
        client.create("TicketAttachments", {
            "parentID": ticket_id, "title": "f4", "fullPath": "f4.txt",
            "attachmentType": "FILE_ATTACHMENT", "publish": 1, "data": data})
    assert info.value.retry_after == 300
    assert info.value.ambiguous is False
    assert fake.count_requests("POST", path="Attachments$") == 4  # not retried


def hammer(client: AutotaskClient, ticket_id: int, workers: int = 8) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def work() -> None:
        barrier.wait()
        try:
            for _ in range(2):
                client.get("Tickets", ticket_id)
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_a_local_limiter_keeps_under_the_thread_limit(fake, new_ticket) -> None:
    ticket_id = new_ticket()
    fake.latency = 0.03
    client = client_for(fake, limiter=LocalLimiter(), max_retries=0)
    assert hammer(client, ticket_id) == []
    assert fake.count_requests(path="Tickets") == 17
    assert all(r.status != 429 for r in fake.requests)
    assert fake.peak_threads("Tickets") == 3


def test_without_a_limiter_the_thread_limit_is_a_typed_error(fake, new_ticket) -> None:
    ticket_id = new_ticket()
    fake.latency = 0.03
    client = client_for(fake, max_retries=0, limiter=NoLimiter())
    errors = hammer(client, ticket_id)
    assert errors
    assert all(isinstance(e, AutotaskThreadLimitError) for e in errors)
    assert "Itgenatr005" in str(errors[0])


def test_thread_limit_refusals_are_retried(fake, new_ticket) -> None:
    ticket_id = new_ticket()
    fake.latency = 0.03
    client = client_for(fake, max_retries=8, sleep=time.sleep, limiter=NoLimiter())
    assert hammer(client, ticket_id, workers=5) == []
    assert any(r.status == 429 for r in fake.requests)


def test_a_client_limits_itself_by_default(fake, new_ticket) -> None:
    ticket_id = new_ticket()
    fake.latency = 0.03
    client = client_for(fake, max_retries=0)
    assert hammer(client, ticket_id, workers=5) == []
    assert not any(r.status == 429 for r in fake.requests)
