"""FakeFieldNation: injected faults, rate limits and the request log (FakeService controls)."""

from __future__ import annotations

import httpx
import pytest

from autotask_fn.testing import FakeFieldNation

W = f"{FakeFieldNation.REST_PREFIX}/workorders"


@pytest.fixture
def fake() -> FakeFieldNation:
    return FakeFieldNation()


@pytest.fixture
def api(fake: FakeFieldNation) -> httpx.Client:
    return fake.http_client()


def test_injected_500_uses_the_legacy_body_then_recovers(fake: FakeFieldNation,
                                                         api: httpx.Client) -> None:
    fake.fail_next(r"/workorders\Z", method="GET")
    failed = api.get(W)
    assert failed.status_code == 500
    assert failed.json() == {"status": 500, "message": "Internal Server Error"}
    assert api.get(W).status_code == 200


def test_injected_fault_on_the_webhooks_api_uses_its_shape(fake: FakeFieldNation) -> None:
    fake.fail_next("/api/v1/webhooks", status=503)
    response = fake.http_client(bearer=True).get(FakeFieldNation.WEBHOOKS_PATH)
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == 503


def test_rate_limit_next_answers_429_with_retry_after(fake: FakeFieldNation,
                                                      api: httpx.Client) -> None:
    fake.rate_limit_next(2, retry_after=30)
    for _ in range(2):
        limited = api.get(W)
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "30"
        assert limited.json()["status"] == 429
    assert api.get(W).status_code == 200


def test_after_acting_commits_the_write_but_loses_the_answer(fake: FakeFieldNation,
                                                              api: httpx.Client) -> None:
    fake.fail_next(r"/workorders\Z", method="POST", after_acting=True, status=502)
    assert api.post(W, json={"title": "ghost"}).status_code == 502
    titles = [w["title"] for w in api.get(W).json()["results"]]
    assert titles == ["ghost"]


def test_timeout_raises_inside_the_transport(fake: FakeFieldNation, api: httpx.Client) -> None:
    fake.fail_next("/workorders", timeout=True)
    with pytest.raises(httpx.ReadTimeout):
        api.get(W)
    assert api.get(W).status_code == 200


def test_fault_on_the_token_endpoint(fake: FakeFieldNation) -> None:
    fake.fail_next("oauth/token", status=500)
    anon = fake.http_client(None)
    creds = {"grant_type": "password", "client_id": fake.CLIENT_ID,
             "client_secret": fake.CLIENT_SECRET, "username": fake.USERNAME,
             "password": fake.PASSWORD}
    assert anon.post(FakeFieldNation.TOKEN_PATH, data=creds).status_code == 500
    assert anon.post(FakeFieldNation.TOKEN_PATH, data=creds).status_code == 200


def test_request_log_counts_and_redacts(fake: FakeFieldNation, api: httpx.Client) -> None:
    api.get(W)
    api.post(W, json={"title": "x"})
    assert fake.count_requests("GET", r"/workorders") == 1
    assert fake.count_requests("POST") == 1
    assert all("access_token=[REDACTED]" in r.url for r in fake.requests)
    fake.reset_requests()
    assert fake.requests == []


def test_helpers_raise_the_same_refusals(fake: FakeFieldNation) -> None:
    from autotask_fn.testing.fieldnation import FakeApiError

    wo = fake.create_work_order(minimal=True)
    with pytest.raises(FakeApiError) as refused:
        fake.approve(wo)
    assert refused.value.status == 400
    with pytest.raises(FakeApiError, match="missing required fields"):
        fake.publish(wo)


def test_latency_delays_every_request() -> None:
    import time

    fake = FakeFieldNation(latency=0.05)
    api = fake.http_client()
    started = time.perf_counter()
    api.get(W)
    assert time.perf_counter() - started >= 0.05


def test_one_clock_can_drive_several_fakes() -> None:
    from datetime import UTC, datetime

    from autotask_fn.testing.autotask.clock import FakeClock as AutotaskClock

    shared = AutotaskClock(datetime(2026, 3, 1, 12, tzinfo=UTC))
    fake = FakeFieldNation(clock=shared)
    wo = fake.create_work_order()
    assert fake.work_order(wo)["milestones"]["created"] == {"utc": "2026-03-01 12:00:00"}
    token = fake.issue_token()
    fake.clock.advance(1800)  # moves the shared clock
    assert shared.now() == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    shared.advance(1800)
    assert fake.clock.timestamp() == shared.time()
    expired = fake.http_client(None).get(W, params={"access_token": token})
    assert expired.status_code == 400


def test_served_over_a_socket_with_reachable_links() -> None:
    from autotask_fn.testing import serve

    fake = FakeFieldNation()
    server = serve(fake)
    try:
        host, port = server.server_address[:2]
        fake.base_url = f"http://{host}:{port}"
        wo = fake.create_work_order()
        fake.assign(wo)
        fake.upload_file(wo, "a.pdf", b"%PDF")
        with httpx.Client(base_url=fake.base_url,
                          params={"access_token": fake.issue_token()}) as http:
            folders = http.get(f"{W}/{wo}/attachments").json()["results"]
            link = folders[0]["results"][0]["file"]["link"]
            assert link.startswith(fake.base_url)
            assert http.get(link).content == b"%PDF"
    finally:
        server.shutdown()
