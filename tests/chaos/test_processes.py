"""Several OS processes, one store, the shared fakes over HTTP: one shuffled, duplicated
delivery stream of many work orders ends as exactly the expected Autotask records, also when
workers are killed with SIGKILL in the middle of a sync and replaced."""

from __future__ import annotations

import random
import signal
import time

from cluster import Served, finish
from expect import split_hours

from autotask_fn.store import EntryStatus

WORK_ORDERS = 8
#: Short leases and locks so that what a killed worker held is free again quickly.
LEASE = 3.0


def test_worker_processes_drain_one_duplicated_shuffled_stream_exactly(served: Served) -> None:
    served.prepare(WORK_ORDERS)
    # Faults the workers meet over HTTP: writes committed whose answer is lost, a 5xx before
    # acting, thread-limit refusals and a Field Nation gateway error.
    served.at_fake.fail_next(r"TimeEntries$", method="POST", status=500, after_acting=True,
                             count=2)
    served.at_fake.fail_next(r"/Notes$", method="POST", status=503, after_acting=True)
    served.at_fake.fail_next(r"/Notes$", method="POST", status=500)
    served.fn_fake.fail_next(r"/workorders/\d+$", method="GET", status=502)
    served.at_fake.fail_next(r"/Attachments$", method="POST", status=500, after_acting=True)
    delivered = served.enqueue_stream(seed=11)
    unique = served.open_entries()
    assert unique < delivered  # duplicates were dropped at the door

    workers = [served.start_worker(f"proc-{n}", lease=LEASE) for n in range(3)]
    totals = [finish(w) for w in workers]
    assert all(t["drained"] for t in totals)
    assert served.store.count_entries(EntryStatus.DONE) == unique
    assert sum(1 for t in totals if t["processed"]) >= 2, f"one worker did it all: {totals}"

    assert served.faults_fired() == 6
    sweep = served.sweeper.sweep()
    assert (sweep.synced, sweep.errors) == (0, ())  # the workers did all of it
    counts = served.assert_exact()
    assert counts == {"time_entries": sum(len(split_hours(*log)) for logs in served.logs.values()
                                          for log in logs.values()),
                      "notes": 3 * WORK_ORDERS, "expense_items": WORK_ORDERS,
                      "attachments": 3 * WORK_ORDERS}
    served.at_fake.reset_requests()
    served.sweeper.sweep()
    assert served.at_fake.count_requests() == 0  # everything synced: a quiet sweep


def test_workers_killed_mid_sync_are_replaced_and_the_end_state_is_exact(
        served: Served) -> None:
    seed = {"sqlite": 3, "postgres": 8}[served.spec[0]]  # which worker dies, when
    rng = random.Random(seed)
    served.prepare(WORK_ORDERS)
    # Slow answers and lost answers after committed writes widen the window in which a kill
    # lands between a create and its link.
    served.at_fake.latency = 0.03
    served.at_fake.fail_next(r"TimeEntries$", method="POST", status=500, after_acting=True,
                             count=3)
    served.at_fake.fail_next(r"/Notes$", method="POST", status=503, after_acting=True,
                             count=2)
    served.at_fake.fail_next(r"/Items$|/Attachments$", method="POST", status=500,
                             after_acting=True, count=2)
    served.enqueue_stream(seed=seed)

    running = {f"proc-{n}": served.start_worker(f"proc-{n}", lease=LEASE) for n in range(2)}
    kills = 0
    for round_ in range(2):
        victim = rng.choice(sorted(running))
        if not served.wait_leased_by(victim):
            break  # the others drained the inbox first
        time.sleep(rng.uniform(0.0, 0.25))
        proc = running.pop(victim)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        kills += 1
        name = f"proc-r{round_}"
        running[name] = served.start_worker(name, lease=LEASE)
    assert kills == 2, "a worker was not killed while holding a lease"
    totals = [finish(p) for p in running.values()]
    assert all(t["drained"] for t in totals)
    assert served.faults_fired() == 7

    sweep = served.sweeper.sweep()
    assert (sweep.synced, sweep.errors) == (0, ())
    served.assert_exact()
