"""Outbound sync: Autotask calls per change, per replayed event and per quiet sweep.

    python -m bench outbound [--work-orders 100]

Runs on the public test rig (``autotask_fn.testing.rig.SyncRig``: both in-process fakes, the
real clients, an in-memory store and a validated ``SyncService``; no network). Every figure
is counted from FakeAutotask's request log (every HTTP request that reached "Autotask", client
retries included).

Rows (targets from issue 4): one Autotask call per outbound change in steady state (the marker
scan of a ticket+kind is made once, on first touch, and shown separately); zero calls per
replayed event; zero calls per quiet sweep of ``--work-orders`` linked work orders.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from autotask_fn.sync import ConnectorSettings
from autotask_fn.testing.rig import SyncRig

T0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


def run(work_orders: int) -> list[str]:
    rig = SyncRig()
    wo, _ticket = rig.linked_work_order(title="Bench work order")
    fn = rig.fn_fake
    rows: list[tuple[str, int, int, int]] = []  # name, changes, calls, writes

    def row(name: str, changes: int, action: Callable[[], Any],
            sync: Callable[[], Any] | None = None) -> None:
        calls, writes = rig.measure(action, sync or (lambda: rig.svc.sync_work_order(wo)))
        rows.append((name, changes, calls, writes))

    row("first note on a ticket (incl. one marker scan)", 1,
        lambda: fn.post_message(wo, "first"), rig.deliver_and_process)
    row("first time log on a ticket (incl. one scan)", 1,
        lambda: fn.log_time(wo, T0, T0 + timedelta(hours=1)))
    row("ticket title changed", 1, lambda: fn.update_work_order(wo, title="Renamed"))
    row("ticket description (HTML) changed", 1,
        lambda: fn.update_work_order(wo, description={"html": "<p>New <b>scope</b></p>"}))
    log_ids: list[int] = []
    row("time logged (check in/out, webhook)", 1,
        lambda: (fn.check_in(wo, T0 + timedelta(hours=2)),
                 log_ids.append(fn.check_out(wo, T0 + timedelta(hours=3)))),
        rig.deliver_and_process)
    row("time log changed", 1,
        lambda: fn.edit_time_log(wo, log_ids[0], end=T0 + timedelta(hours=4)))
    row("time log deleted", 1, lambda: fn.delete_time_log(wo, log_ids[0]))
    late = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)
    row("time log over midnight (2 parts)", 2,
        lambda: fn.log_time(wo, late, late + timedelta(hours=4)))
    msg: list[str] = []
    row("message posted (webhook)", 1, lambda: msg.append(fn.post_message(wo, "On site")),
        rig.deliver_and_process)
    row("reply posted (webhook)", 1, lambda: fn.post_message(wo, "ok", reply_to=msg[0]),
        rig.deliver_and_process)
    row("internal message (webhook)", 1, lambda: fn.post_message(wo, "gate 12", internal=True),
        rig.deliver_and_process)
    row("status changed: work done (webhook)", 1, lambda: fn.complete_work(wo),
        rig.deliver_and_process)

    # Replayed events: every delivery of this work order sent again.
    fn.post_message(wo, "to replay")
    deliveries = fn.take_deliveries()
    for d in deliveries:
        rig.svc.handle_fieldnation_webhook(d.body, d.headers)
    rig.svc.process_pending()
    replays = [fn.redeliver(d) for d in deliveries]
    calls, _ = rig.measure(lambda: [rig.svc.handle_fieldnation_webhook(d.body, d.headers)
                                    for d in replays], rig.svc.process_pending)
    rows.append(("replayed event (same delivery again)", len(replays), calls, 0))
    for entry in rig.svc.store.list_entries(limit=10):
        rig.svc.replay(entry.id)
    calls, _ = rig.measure(lambda: None, rig.svc.process_pending)
    rows.append(("replayed inbox entry (svc.replay)", 10, calls, 0))

    # Quiet sweep over many linked work orders.
    for n in range(1, work_orders):
        other, _ = rig.linked_work_order(title=f"Bench work order {n}")
        fn.post_message(other, "hello")
    fn.take_deliveries()
    rig.svc.sweep()  # first sweep syncs them all
    fn_before = rig.fn_fake.count_requests()
    started = time.perf_counter()
    calls, _ = rig.measure(lambda: None, rig.svc.sweep)
    elapsed = time.perf_counter() - started
    fn_calls = rig.fn_fake.count_requests() - fn_before
    rows.append((f"quiet sweep of {work_orders} work orders", work_orders, calls, 0))

    # Acknowledgement time (verify, de-duplicate, enqueue).
    for n in range(50):
        fn.post_message(wo, f"ack {n}")
    batch = fn.take_deliveries()
    at_before, fn_before2 = rig.at_fake.count_requests(), rig.fn_fake.count_requests()
    started = time.perf_counter()
    for d in batch:
        rig.svc.handle_fieldnation_webhook(d.body, d.headers)
    ack_ms = (time.perf_counter() - started) * 1000 / len(batch)
    ack_calls = (rig.at_fake.count_requests() - at_before) + (
        rig.fn_fake.count_requests() - fn_before2)

    out = [f"{'row':48} {'changes':>7} {'AT calls':>8} {'writes':>6} {'calls/change':>12}"]
    for name, changes, calls, writes in rows:
        out.append(f"{name:48} {changes:>7} {calls:>8} {writes:>6} {calls / changes:>12.2f}")
    out.append("")
    out.append(f"quiet sweep: {fn_calls} Field Nation calls ({fn_calls / work_orders:.1f} per "
               f"work order), {elapsed * 1000 / work_orders:.1f} ms per work order")
    out.append(f"webhook ack: {ack_ms:.2f} ms per delivery, {ack_calls} API calls for "
               f"{len(batch)} deliveries")
    return out


#: The opt-in change signals of a sweep (issue 20; see ``autotask_fn.sync.quiet``).
SIGNALS = {"sweep_trust_message_count": True, "sweep_trust_updated": True}


def quiet_sweep_reads(work_orders: int, signals: bool) -> tuple[float, float]:
    """(Field Nation calls, Autotask calls) per work order of a quiet sweep over
    ``work_orders`` linked work orders, each with a message and an expense synced an hour
    before; with or without the change signals."""
    extra = SIGNALS if signals else {}
    rig = SyncRig(ConnectorSettings(**extra))
    for n in range(work_orders):
        wo, _ticket = rig.linked_work_order(title=f"Quiet {n}")
        rig.fn_fake.post_message(wo, "On site at 9")
        rig.fn_fake.add_expense(wo, "12.50", "Parking")
    rig.fn_fake.take_deliveries()
    rig.svc.sweep()  # syncs them all
    rig.fn_fake.clock.advance(3600)  # sweeps run on a schedule, after the changes
    rig.svc.sweep()
    fn0, at0 = rig.fn_fake.count_requests(), rig.at_fake.count_requests()
    rig.svc.sweep()
    return ((rig.fn_fake.count_requests() - fn0) / work_orders,
            (rig.at_fake.count_requests() - at0) / work_orders)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench outbound", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-orders", type=int, default=100)
    args = parser.parse_args(argv)
    for line in run(args.work_orders):
        print(line)
    for signals in (False, True):
        fn_calls, at_calls = quiet_sweep_reads(args.work_orders, signals)
        print(f"quiet sweep{', change signals on' if signals else ''}: {fn_calls:.2f} Field "
              f"Nation and {at_calls:.2f} Autotask calls per work order")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
