"""Records shared by several work orders, and locks that outlive their ttl, under several
worker processes at once.

* One ExpenseReport per provider and week: six workers start together on twelve work orders
  of one provider, each with an expense of the same week; every item lands on one report.
* ``lock_ttl`` of 1 s with a slow Autotask: a reconcile outlives its lock, the lock is
  renewed while the work goes on, and a worker that lost it stops before its next write;
  nothing is doubled.
"""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest
from cluster import WORKER_SETTINGS, Served, finish

from autotask_fn.store import EntryStatus


@pytest.mark.slow
def test_six_workers_on_twelve_work_orders_of_one_provider_make_one_report(
        served: Served) -> None:
    orders = [served.linked_work_order(title=f"Shared week {n}") for n in range(12)]
    expenses = {}
    for n, (wo, ticket) in enumerate(orders):
        expenses[ticket] = served.fn_fake.add_expense(wo, f"{10 + n}.25", f"Parking {n}")
        served.fn_fake.complete_work(wo)
    # Slow answers widen the window between "no report yet" and the create.
    served.at_fake.latency = 0.03
    # A report create whose answer is lost: the next try adopts it by its marker.
    served.at_fake.fail_next(r"/ExpenseReports$", method="POST", status=500, after_acting=True)
    served.enqueue_stream(seed=5, duplicate=0.3)

    start = time.time() + 3.0  # every process imported and connected by then
    workers = {f"proc-{n}": served.start_worker(f"proc-{n}", lease=3.0, start_at=start)
               for n in range(6)}
    # One worker is killed while it holds a lease (maybe the report's lock too) and replaced.
    victim = served.wait_any_leased(workers)
    assert victim is not None, "no worker ever held a lease"
    time.sleep(0.05)
    workers[victim].send_signal(signal.SIGKILL)
    workers.pop(victim).wait(timeout=10)
    workers["proc-r"] = served.start_worker("proc-r", lease=3.0)
    totals = [finish(w, timeout=120) for w in workers.values()]
    assert all(t["drained"] for t in totals)
    assert served.faults_fired() == 1
    assert served.store.count_entries(EntryStatus.DEAD) == 0
    assert sum(1 for t in totals if t["succeeded"]) >= 3, f"too few workers took part: {totals}"

    reports = served.at_fake.records("ExpenseReports")
    assert len(reports) == 1, [r["name"] for r in reports]
    items = served.at_fake.records("ExpenseItems")
    assert Counter(i["expenseReportID"] for i in items) == {reports[0]["id"]: 12}
    env = served.sweeper.scope.fn_env
    assert sorted(i["description"].split(" ", 1)[0] for i in items) == sorted(
        f"[FN:{env}:expense:{e}]" for e in expenses.values())


@pytest.mark.slow
def test_a_reconcile_that_outlives_its_lock_ttl_doubles_nothing(spec: list[str]) -> None:
    # lock_ttl 1 s while one reconcile takes seconds against a slow Autotask (old code: a
    # second worker took the expired lock and records doubled).
    world = Served(spec, **{**WORKER_SETTINGS, "lock_ttl": 1.0})
    try:
        world.prepare(3)
        world.at_fake.latency = 0.1
        world.enqueue_stream(seed=21, duplicate=0.8)
        start = time.time() + 3.0
        workers = [world.start_worker(f"proc-{n}", lease=2.0, start_at=start)
                   for n in range(3)]
        totals = [finish(w, timeout=120) for w in workers]
        assert all(t["drained"] for t in totals)
        assert sum(t["retried"] for t in totals) > 0  # workers did meet a held lock
        world.assert_exact()  # nothing doubled, nothing lost
    finally:
        world.close()
