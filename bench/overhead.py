"""Library overhead: CPU time per event with zero latency, and store operations per second.

    python -m bench overhead [--events 200] [--cycles 500] [--no-postgres]

CPU per event: ``--events`` linked work orders each get a message; the deliveries are
acknowledged (``handle_fieldnation_webhook``) and processed (``process_pending``) over the
in-process fakes with no injected latency. ``time.process_time`` is taken around the ack path
alone and around ack + processing; the figures include the fakes' own CPU (they run in this
process), so they are an upper bound of the library's share. The first message on a ticket
costs a marker scan; the second round is the steady state.

Store operations per second reuse :mod:`bench.store_ops`: an enqueue + lease + complete cycle
(what one delivery costs the store) on one thread and on four, and link save/get, for SQLite
in memory, SQLite files and PostgreSQL; plus the shared limiters' cost per Autotask request.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass

from autotask_fn.testing.rig import SyncRig
from bench import store_ops


@dataclass(frozen=True)
class CpuRow:
    """CPU and wall milliseconds per event for one path, and Autotask calls per event."""

    name: str
    events: int
    cpu_ms: float
    wall_ms: float
    at_calls: float


def _timed(action: Callable[[], object]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return time.process_time() - cpu, time.perf_counter() - wall


def cpu_per_event(events: int) -> list[CpuRow]:
    """Ack alone, and ack + process, for a first and a second message on ``events`` tickets."""
    rig = SyncRig()
    work_orders = [rig.linked_work_order(title=f"Overhead {n}")[0] for n in range(events)]
    rows: list[CpuRow] = []
    for label in ("first message on a ticket (incl. marker scan)", "message (steady state)"):
        for wo in work_orders:
            rig.fn_fake.post_message(wo, "On site")
        deliveries = rig.fn_fake.take_deliveries()
        at0 = rig.at.stats.total
        ack_cpu, ack_wall = _timed(lambda ds=deliveries: [
            rig.svc.handle_fieldnation_webhook(d.body, d.headers) for d in ds])
        work_cpu, work_wall = _timed(rig.svc.process_pending)
        calls = (rig.at.stats.total - at0) / events
        if not rows:
            rows.append(CpuRow("webhook ack alone (verify, de-duplicate, enqueue)", events,
                               ack_cpu * 1000 / events, ack_wall * 1000 / events, 0.0))
        rows.append(CpuRow(f"ack + process_pending: {label}", events,
                           (ack_cpu + work_cpu) * 1000 / events,
                           (ack_wall + work_wall) * 1000 / events, calls))
    return rows


@dataclass(frozen=True)
class StoreRow:
    """Operations per second of one store backend."""

    backend: str
    cycles_1: float
    cycles_4: float
    save_link: float
    get_link: float


def store_rates(cycles: int, skip_pg: bool = False) -> list[StoreRow]:
    """Cycles and link operations per second on every backend :mod:`bench.store_ops` opens."""
    rows: list[StoreRow] = []
    quiet = io.StringIO()  # store_ops prints why PostgreSQL was skipped; the row says it
    with contextlib.redirect_stdout(quiet), store_ops.backends(
            store_ops.DEFAULT_DSN, skip_pg) as opened:
        for name, store in opened:
            ops = store_ops.op_rates(store, max(1, cycles // 2))
            rows.append(StoreRow(name, store_ops.measure(store, cycles, 1),
                                 store_ops.measure(store, cycles, 4),
                                 ops["save_link"], ops["get_link"]))
    return rows


def limiter_rates(requests: int, skip_pg: bool = False) -> list[tuple[str, str]]:
    """(limiter, requests per second or why skipped), from :func:`store_ops.limiter_rates`."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        store_ops.limiter_rates(requests, store_ops.DEFAULT_DSN, "redis://127.0.0.1:6379/0",
                                skip_pg)
    rows = []
    for line in out.getvalue().splitlines()[2:]:  # a blank line, then the header
        name, _, value = line.partition(" ")
        if name:
            rows.append((name, value.strip()))
    return rows


def lines(cpu: list[CpuRow], stores: list[StoreRow],
          limiters: list[tuple[str, str]]) -> list[str]:
    """All three tables, fixed width."""
    out = [f"{'CPU per event (zero latency)':<64} {'events':>6} {'CPU ms':>7} {'wall ms':>7} "
           f"{'AT calls':>8}"]
    out += [f"{r.name:<64} {r.events:>6} {r.cpu_ms:>7.2f} {r.wall_ms:>7.2f} {r.at_calls:>8.2f}"
            for r in cpu]
    out += ["", f"{'store':<34} {'cycles/s 1 thr':>14} {'cycles/s 4 thr':>14} "
                f"{'save_link/s':>11} {'get_link/s':>10}"]
    out += [f"{r.backend:<34} {r.cycles_1:>14.0f} {r.cycles_4:>14.0f} {r.save_link:>11.0f} "
            f"{r.get_link:>10.0f}" for r in stores]
    out += ["", f"{'limiter':<34} requests/s (pause + slot)"]
    out += [f"{name:<34} {value}" for name, value in limiters]
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench overhead", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    for line in lines(cpu_per_event(args.events), store_rates(args.cycles, args.no_postgres),
                      limiter_rates(args.cycles // 2, args.no_postgres)):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
