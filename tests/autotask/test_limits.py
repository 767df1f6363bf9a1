"""LocalLimiter: slots per endpoint, attachment byte budget, slowing near the hourly cap."""

from __future__ import annotations

import threading
import time

import pytest

from autotask_fn.autotask import Limiter, LocalLimiter, NoLimiter, ThresholdInfo


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_both_limiters_implement_the_protocol() -> None:
    assert isinstance(LocalLimiter(), Limiter)
    assert isinstance(NoLimiter(), Limiter)


def test_at_most_n_requests_in_flight_per_endpoint() -> None:
    limiter = LocalLimiter(max_in_flight=2)
    in_flight = {"tickets": 0, "peak": 0}
    lock = threading.Lock()

    def work() -> None:
        with limiter.slot("Tickets"):
            with lock:
                in_flight["tickets"] += 1
                in_flight["peak"] = max(in_flight["peak"], in_flight["tickets"])
            time.sleep(0.02)
            with lock:
                in_flight["tickets"] -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    # Another endpoint is not blocked by the busy one.
    with limiter.slot("TimeEntries"):
        pass
    for t in threads:
        t.join()
    assert in_flight["peak"] == 2


def test_attachment_budget_is_ten_megabytes_per_five_minutes() -> None:
    clock = Clock()
    limiter = LocalLimiter(clock=clock)
    assert limiter.attachment_budget(6_000_000) == 0.0
    clock.now += 60
    assert limiter.attachment_budget(4_000_000) == 0.0
    clock.now += 10
    wait = limiter.attachment_budget(1)
    assert wait == pytest.approx(230.0)  # the first upload leaves the window at +300 s
    assert limiter.attachment_budget(1) == pytest.approx(230.0)  # asking records nothing
    clock.now += wait
    assert limiter.attachment_budget(1) == 0.0
    with pytest.raises(ValueError, match="exceeds"):
        limiter.attachment_budget(10_000_001)


def test_pauses_grow_as_the_hourly_budget_nears_its_cap() -> None:
    limiter = LocalLimiter(slow_above=0.8, max_pause=5.0)
    pauses = []
    for used in (1000, 8000, 9000, 9500, 10000, 12000):
        limiter.observe_threshold(ThresholdInfo(10000, 60, used))
        pauses.append(limiter.pause_before_request())
    assert pauses[:2] == [0.0, 0.0]
    assert pauses[2] < pauses[3] < pauses[4]
    assert pauses[4] == pytest.approx(5.0)
    assert pauses[5] == pytest.approx(5.0)
