"""FakeAutotask: thread limit, hourly threshold, injected faults, serving on a real socket."""

from __future__ import annotations

import threading

import httpx
import pytest

from autotask_fn.testing import FakeAutotask, serve
from autotask_fn.testing.autotask.limits import SlidingWindow

from .test_fake_autotask_support import ALL, auth_headers, connect, errors, ticket_fields


def _concurrently(fake: FakeAutotask, paths: list[str]) -> list[httpx.Response]:
    """Send one POST query per path, all released at the same moment from their own threads."""
    barrier = threading.Barrier(len(paths))
    results: list[httpx.Response | None] = [None] * len(paths)

    def run(index: int, path: str) -> None:
        _, client = connect(fake)
        barrier.wait()
        results[index] = client.post(path, json=ALL)

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


@pytest.mark.contract("AT-THREAD-LIMIT")
def test_more_than_three_requests_in_flight_on_one_endpoint_are_refused() -> None:
    fake = FakeAutotask(latency=0.4)
    responses = _concurrently(fake, ["Tickets/query"] * 5)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 200, 429, 429]
    refused = next(r for r in responses if r.status_code == 429)
    assert errors(refused) == [
        "Thread Threshold Exceeded \u2014 The Autotask API thread threshold of 3 threads has "
        "been exceeded. (Itgenatr005)"
    ]
    assert fake.peak_threads("Tickets") == 3


def test_the_thread_limit_is_per_endpoint_and_configurable() -> None:
    fake = FakeAutotask(latency=0.4)
    paths = ["Tickets/query"] * 3 + ["Companies/query"] * 3
    assert {r.status_code for r in _concurrently(fake, paths)} == {200}
    fake.set_tenant_option(thread_limit=1)
    statuses = sorted(r.status_code for r in _concurrently(fake, ["Contacts/query"] * 2))
    assert statuses == [200, 429]


def test_sequential_requests_never_hit_the_thread_limit() -> None:
    fake, client = connect()
    assert all(client.post("Tickets/query", json=ALL).status_code == 200 for _ in range(10))
    assert fake.peak_threads("Tickets") == 1


def test_hourly_threshold_counts_every_request_on_a_rolling_window() -> None:
    fake, client = connect(hourly_threshold=5)
    for _ in range(3):
        assert client.post("Tickets/query", json=ALL).status_code == 200
    info = client.get("ThresholdInformation").json()
    assert info == {"externalRequestThreshold": 5, "requestThresholdTimeframe": 60,
                    "currentTimeframeRequestCount": 4}
    assert client.get(f"Companies/{fake.seed.company_id}").status_code == 200
    refused = client.post("Tickets/query", json=ALL)
    assert refused.status_code == 429
    assert "threshold" in errors(refused)[0]
    assert fake.requests_this_hour() == 5
    fake.clock.advance(59 * 60)
    assert client.post("Tickets/query", json=ALL).status_code == 429
    fake.clock.advance(61)
    assert client.post("Tickets/query", json=ALL).status_code == 200


def test_zone_discovery_is_not_counted() -> None:
    fake, client = connect(hourly_threshold=1)
    for _ in range(3):
        zone = client.get(fake.zone_url + "v1.0/zoneInformation", params={"user": fake.USERNAME})
        assert zone.status_code == 200
    assert fake.requests_this_hour() == 0


def test_injected_fault_uses_the_unexpected_error_body() -> None:
    fake, client = connect()
    fake.fail_next(r"/Tickets$", method="POST")
    response = client.post("Tickets", json=ticket_fields(fake))
    assert response.status_code == 500
    assert errors(response) == ["An unexpected error has occurred. Please try again later."]
    assert fake.records("Tickets") == []
    assert client.post("Tickets", json=ticket_fields(fake)).status_code == 200


def test_fault_after_acting_commits_the_write() -> None:
    fake, client = connect()
    fake.fail_next(r"/Tickets$", method="POST", after_acting=True)
    assert client.post("Tickets", json=ticket_fields(fake)).status_code == 500
    assert len(fake.records("Tickets")) == 1


def test_timeout_fault_raises_read_timeout_and_releases_the_thread_slot() -> None:
    fake, client = connect(thread_limit=1)
    fake.fail_next("Tickets/query", timeout=True)
    with pytest.raises(httpx.ReadTimeout):
        client.post("Tickets/query", json=ALL)
    assert client.post("Tickets/query", json=ALL).status_code == 200


def test_served_on_a_real_socket() -> None:
    fake = FakeAutotask()
    for i in range(501):
        fake.insert("Contacts", {"companyID": fake.seed.company_id, "firstName": f"S{i}",
                                 "lastName": "Socket", "isActive": 1})
    server = serve(fake)
    try:
        host, port = server.server_address[:2]
        with httpx.Client(headers=auth_headers(fake), timeout=5) as http:
            zone = http.get(f"http://{host}:{port}/atservicesrest/v1.0/zoneInformation",
                            params={"user": fake.USERNAME}).json()
            assert zone["url"] == f"http://{host}:{port}/ATServicesRest/"
            base = zone["url"] + "V1.0/"
            body = {"filter": [{"op": "eq", "field": "lastName", "value": "Socket"}]}
            first = http.post(base + "Contacts/query", json=body).json()
            second = http.post(first["pageDetails"]["nextPageUrl"], json=body).json()
            assert len(first["items"]) + len(second["items"]) == 501
            ticket = http.post(base + "Tickets", json=ticket_fields(fake)).json()["itemId"]
            assert fake.record("Tickets", ticket) is not None
    finally:
        server.shutdown()
        server.server_close()


def _work_of_one_check(window: SlidingWindow, now: float) -> int:
    """Entries one request's threshold check (total, then add) touches."""
    before = window.touched
    window.total(now)
    window.add(now)
    return window.touched - before


@pytest.mark.parametrize("seconds_between_requests", [0.0, 0.01, 1.0])
def test_the_hourly_check_costs_the_same_at_request_100_and_at_request_100000(
        seconds_between_requests: float) -> None:
    # 0.0: the fake's clock stands still for the whole run (every request in one hour);
    # 0.01: 100,000 requests in 1,000 s, all still in the window; 1.0: the window slides.
    window = SlidingWindow(3600)
    now = 1_000_000.0
    costs = {}
    for n in range(1, 100_001):
        if n in (100, 100_000):
            costs[n] = _work_of_one_check(window, now)
        else:
            window.total(now)
            window.add(now)
        now += seconds_between_requests
    # one entry added or merged, at most one that left the window dropped: never the history
    assert max(costs.values()) <= 2, costs
    in_window = min(100_000, int(3600 / seconds_between_requests)) if seconds_between_requests \
        else 100_000
    assert window.total(now - seconds_between_requests) == in_window


def test_requests_at_one_instant_share_one_entry_and_leave_the_window_together() -> None:
    window = SlidingWindow(60)
    for _ in range(1000):
        window.add(10.0)
    window.add(30.0, 5)
    assert (len(window), window.total(30.0)) == (2, 1005)
    assert window.total(70.0) == 5  # the 1000 at t=10 left the window at t=70
    assert window.total(90.0) == 0
    assert len(window) == 0
