"""Shared limiters: Autotask's per-tenant limits kept by several threads and processes together.

Each test runs against the Redis at ``AUTOTASK_FN_TEST_REDIS_URL`` (default
127.0.0.1:6379/0) and the PostgreSQL of the store tests, and skips a backend that does not
answer. Every test uses its own key prefix (and, on PostgreSQL, its own schema).
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from autotask_fn.autotask.limits import Limiter
from autotask_fn.autotask.metadata import ThresholdInfo
from autotask_fn.store import StoreError
from autotask_fn.store.limiters import PostgresLimiter, RedisLimiter, SharedLimiter

from .conftest import PG_DSN, drop_schema, require_postgres, run_threads

REDIS_URL = os.environ.get("AUTOTASK_FN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

def _redis_problem() -> str | None:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:
        return f"no Redis at AUTOTASK_FN_TEST_REDIS_URL: {type(exc).__name__}"
    return None


@pytest.fixture(scope="module")
def redis_url() -> str:
    problem = _redis_problem()
    if problem:
        pytest.skip(problem)
    return REDIS_URL


def open_limiter(spec: tuple[str, ...], **kw: Any) -> SharedLimiter:
    """A limiter from a picklable spec: ``("redis", url, prefix)`` or
    ``("postgres", dsn, schema, prefix)`` (also used in child processes)."""
    if spec[0] == "redis":
        return RedisLimiter(spec[1], key_prefix=spec[2], **kw)
    return PostgresLimiter(spec[1], schema=spec[2], key_prefix=spec[3], **kw)


@pytest.fixture(
    params=[
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def limiter_spec(request: pytest.FixtureRequest) -> Iterator[tuple[str, ...]]:
    """Where the workers of one tenant meet, fresh for each test."""
    prefix = f"atfn_test:{secrets.token_hex(6)}"
    if request.param == "redis":
        import redis

        url = request.getfixturevalue("redis_url")
        yield ("redis", url, prefix)
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()
    else:
        require_postgres()
        schema = f"atfn_test_{secrets.token_hex(6)}"
        yield ("postgres", PG_DSN, schema, prefix)
        drop_schema(schema)


@pytest.fixture
def make_limiter(limiter_spec: tuple[str, ...]) -> Iterator[Callable[..., SharedLimiter]]:
    """Limiters sharing one tenant's keys, as separate workers would."""
    made: list[SharedLimiter] = []

    def make(**kw: Any) -> SharedLimiter:
        limiter = open_limiter(limiter_spec, **kw)
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        limiter.close()


def threshold(count: int, limit: int = 10_000) -> ThresholdInfo:
    return ThresholdInfo(
        external_request_threshold=limit,
        request_threshold_timeframe=60,
        current_timeframe_request_count=count,
    )


def test_it_is_a_limiter(make_limiter: Callable[..., SharedLimiter]) -> None:
    assert isinstance(make_limiter(), Limiter)


def test_threads_of_several_limiters_never_exceed_three_in_flight(
    make_limiter: Callable[..., SharedLimiter],
) -> None:
    limiters = [make_limiter(poll_interval=0.01) for _ in range(3)]
    lock = threading.Lock()
    in_flight = 0
    peak = 0

    def work(limiter: SharedLimiter) -> None:
        nonlocal in_flight, peak
        for _ in range(4):
            with limiter.slot("Tickets"):
                with lock:
                    in_flight += 1
                    peak = max(peak, in_flight)
                time.sleep(0.02)
                with lock:
                    in_flight -= 1

    run_threads(9, lambda i: work(limiters[i % 3]))
    assert peak == 3
    assert limiters[0].in_flight("Tickets") == 0


def test_endpoints_have_separate_slots(make_limiter: Callable[..., SharedLimiter]) -> None:
    limiter = make_limiter(max_concurrent=1, acquire_timeout=0.2)
    with limiter.slot("Tickets"), limiter.slot("Companies"):
        assert limiter.in_flight("tickets") == 1
        with pytest.raises(StoreError, match="no Tickets slot"), limiter.slot("Tickets"):
            pass


def _process_worker(spec: tuple[str, ...], in_flight: Any, peak: Any, done: Any) -> None:
    limiter = open_limiter(spec, poll_interval=0.01)

    def work() -> None:
        for _ in range(3):
            with limiter.slot("Tickets"):
                with in_flight.get_lock():
                    in_flight.value += 1
                    peak.value = max(peak.value, in_flight.value)
                time.sleep(0.02)
                with in_flight.get_lock():
                    in_flight.value -= 1
                    done.value += 1

    run_threads(3, lambda _: work())
    limiter.close()


def test_two_processes_together_never_exceed_three_in_flight(
    make_limiter: Callable[..., SharedLimiter], limiter_spec: tuple[str, ...]
) -> None:
    make_limiter()  # creates the tables before the workers race
    ctx = multiprocessing.get_context("fork")
    in_flight, peak, done = ctx.Value("i", 0), ctx.Value("i", 0), ctx.Value("i", 0)
    procs = [
        ctx.Process(target=_process_worker, args=(limiter_spec, in_flight, peak, done))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert done.value == 18
    assert peak.value == 3


def test_a_slot_of_a_dead_worker_is_reclaimed_after_its_lease(
    make_limiter: Callable[..., SharedLimiter],
) -> None:
    dead = make_limiter(max_concurrent=1, lease_seconds=0.3)
    # A worker that took the slot and died: nobody releases or renews it.
    assert dead._try_acquire(dead._key("slots", "tickets"), "dead-worker")
    alive = make_limiter(max_concurrent=1, lease_seconds=0.3, acquire_timeout=3, poll_interval=0.02)
    start = time.monotonic()
    with alive.slot("Tickets"):
        waited = time.monotonic() - start
    assert 0.15 < waited < 2


def test_a_long_request_keeps_its_slot_beyond_the_lease(
    make_limiter: Callable[..., SharedLimiter],
) -> None:
    holder = make_limiter(max_concurrent=1, lease_seconds=0.2)
    other = make_limiter(max_concurrent=1, lease_seconds=0.2, acquire_timeout=0.6)
    with holder.slot("Tickets"):
        with pytest.raises(StoreError, match="slot"), other.slot("Tickets"):
            pass
        assert holder.in_flight("Tickets") == 1


def test_the_attachment_budget_is_a_shared_sliding_window(
    make_limiter: Callable[..., SharedLimiter],
) -> None:
    a = make_limiter(attachment_bytes=1000, attachment_window=0.5)
    b = make_limiter(attachment_bytes=1000, attachment_window=0.5)
    assert a.attachment_budget(600) == 0.0
    wait = b.attachment_budget(600)
    assert 0.0 < wait <= 0.5
    assert b.attachment_budget(400) == 0.0  # the refused 600 bytes were not recorded
    assert a.attachment_budget(1) > 0.0
    time.sleep(wait + 0.05)
    assert b.attachment_budget(600) == 0.0
    with pytest.raises(ValueError, match="exceeds"):
        a.attachment_budget(1001)


def test_the_hourly_usage_is_shared_and_counts_every_workers_requests(
    make_limiter: Callable[..., SharedLimiter],
) -> None:
    a, b = make_limiter(), make_limiter()
    assert a.pause_before_request() == 0.0  # nothing observed yet
    a.observe_threshold(threshold(7_990))
    for _ in range(5):
        assert a.pause_before_request() == 0.0
        assert b.pause_before_request() == 0.0
    assert a.usage == pytest.approx(0.8)
    assert b.pause_before_request() > 0.0  # the eleventh request since crosses 80%
    b.observe_threshold(threshold(9_000))
    assert a.pause_before_request() == pytest.approx(2.5, abs=0.01)
    b.observe_threshold(threshold(10_000))
    assert a.pause_before_request() == a.max_pause
    a.observe_threshold(threshold(100))
    assert b.pause_before_request() == 0.0


@pytest.mark.redis
def test_the_redis_password_never_shows() -> None:
    url = "redis://:hunter22-secret@127.0.0.1:1/0"
    limiter = RedisLimiter(url, key_prefix="atfn_test:nothing", acquire_timeout=1)
    assert "hunter22-secret" not in repr(limiter)
    with pytest.raises(StoreError) as info, limiter.slot("Tickets"):
        pass
    assert "hunter22-secret" not in str(info.value)
    assert info.value.__cause__ is None
    limiter.close()


def test_two_clients_sharing_a_limiter_stay_under_the_tenants_thread_limit(
    make_limiter: Callable[..., SharedLimiter],
) -> None:
    import httpx

    from autotask_fn.autotask import AutotaskClient
    from autotask_fn.testing import FakeAutotask

    fake = FakeAutotask()
    ticket_id = fake.insert("Tickets", {"title": "Printer jam", "companyID": fake.seed.company_id})
    fake.latency = 0.03
    # Two workers (say, two processes): each its own client and its own limiter object,
    # meeting only in the shared backend. Local limiters would let 6 requests in at once.
    clients = [
        AutotaskClient(
            fake.USERNAME, fake.SECRET, fake.INTEGRATION_CODE, base_url=fake.base_url,
            transport=httpx.WSGITransport(app=fake), max_retries=0,
            limiter=make_limiter(poll_interval=0.005),
        )
        for _ in range(2)
    ]

    def work(i: int) -> None:
        for _ in range(2):
            assert clients[i % 2].get("Tickets", ticket_id) is not None

    run_threads(8, work)
    assert fake.peak_threads("Tickets") == 3
    assert all(r.status != 429 for r in fake.requests)
    for client in clients:
        client.close()
