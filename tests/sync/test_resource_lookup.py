"""Resources lookups by e-mail: threads starting cold share one request per e-mail
(single-flight), and a failed lookup lets the next caller ask again."""

from __future__ import annotations

import threading

import pytest
from world import World

from autotask_fn.autotask.errors import AutotaskServerError


def run_together(count: int, work: object) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = []

    def one() -> None:
        barrier.wait()
        try:
            results.append(work())  # type: ignore[operator]
        except Exception as exc:  # surfaced in the results
            results.append(exc)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_sixteen_cold_threads_share_one_resources_query() -> None:
    world = World()
    world.at_fake.latency = 0.05  # a query in flight while the others arrive
    world.at_fake.reset_requests()
    results = run_together(16, lambda: world.svc.resource_for("Tech@Example.com"))
    assert len(set(results)) == 1
    assert isinstance(results[0], int)
    assert world.at_fake.count_requests(path=r"Resources/query") == 1


def test_a_failed_lookup_is_asked_again() -> None:
    world = World()
    world.at_fake.fail_next(r"Resources/query", status=500, count=50)
    with pytest.raises(AutotaskServerError):
        world.svc.resource_for("tech@example.com")
    world.at_fake.clear_faults()
    assert isinstance(world.svc.resource_for("tech@example.com"), int)
