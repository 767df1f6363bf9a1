"""Run every benchmark and regenerate ``docs/performance.md``.

    python -m bench all [--quick] [--output PATH] [--no-postgres] [--no-redis]
    python -m bench            # the same, with the default sizes

Each benchmark's figures become a table with its targets (issues 4, 5, 6 and 8) and pass/fail
marks. The run fails (exit status 1) when any figure misses its target, for example a
thread-limit refusal in the throughput runs; the page is written either way. ``--quick`` uses
the smallest sizes (seconds; the smoke test) and should not be committed.
"""

from __future__ import annotations

import argparse
import importlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import growth, inbound, outbound, overhead, throughput
from bench.report import FAIL, PAGE, PASS, Table, Target, mark, write


@dataclass(frozen=True)
class Sizes:
    """How much each benchmark does."""

    work_orders: int = 100  # quiet sweep (outbound)
    tickets: int = 20  # imports (inbound)
    events: int = 60  # per throughput configuration
    latency: float = 0.1  # seconds per Autotask call (throughput)
    threads: tuple[int, ...] = (1, 4, 16)
    cpu_events: int = 200  # overhead: CPU per event
    cycles: int = 1000  # overhead: store cycles per backend
    link_sizes: tuple[int, ...] = growth.SIZES  # links in the store (growth)
    imports: int = 10  # imports timed per size (growth)
    window_requests: int = 100_000  # requests in the fake's hourly window (growth)
    postgres: bool = True
    redis: bool = True


QUICK = Sizes(work_orders=3, tickets=2, events=4, latency=0.01, threads=(1, 4), cpu_events=5,
              cycles=20, link_sizes=(10, 100), imports=2, window_requests=1000)

#: Issue 20: a lookup with the most links, and the fake's hourly check at the last request,
#: within this factor of the smallest size's.
GROWTH = Target("<=", 1.5, "x")


def _target_outbound(name: str) -> Target | None:
    if "incl." in name:
        return None  # first touch of a ticket and kind: the one marker scan is shown here
    if name.startswith(("replayed", "quiet sweep")):
        return Target("==", 0)
    return Target("<=", 1)


def _call_rows(lines: list[str], target: Callable[[str], Target | None],
               table: Table) -> list[str]:
    """Fill ``table`` from ``bench/outbound.py``-style lines (a header, rows of name, count,
    calls, writes, calls per item, a blank line, free notes); return the notes."""
    blank = lines.index("") if "" in lines else len(lines)
    for line in lines[1:blank]:  # lines[0] is the header
        name, count, calls, writes, per = line.rsplit(maxsplit=4)
        table.rows.append([name.strip(), count, calls, writes, per,
                           *mark(float(per), target(name))])
    return [line.strip() for line in lines[blank + 1:] if line.strip()]


def outbound_table(sizes: Sizes) -> Table:
    """Autotask calls per synced change, per replayed event and per quiet sweep."""
    table = Table(
        "Outbound: Autotask calls per change",
        f"`python -m bench outbound --work-orders {sizes.work_orders}`: one linked work order, "
        "each change synced by `sync_work_order` or by its webhook; counted in FakeAutotask's "
        "request log (client retries included). Target (issue 4): one call per change in "
        "steady state, none per replayed event or quiet sweep.",
        ["Row", "Changes", "Autotask calls", "Writes", "Calls per change", "Target", "Result"])
    table.notes += _call_rows(outbound.run(sizes.work_orders), _target_outbound, table)
    table.notes.append("Rows marked — are a ticket's first note or time entry: they include "
                       "the one marker scan per ticket and kind (and, for time, the ticket read "
                       "for its role), made once.")
    return table


_INBOUND_TARGETS = {
    "first import, very first (cold caches)": 4, "first import, attachment import on": 4,
    "first import, company seen before": 4, "first import, all tickets": 4,
    "no-op re-import": 1, "no-op re-import, attachment import on": 1,
    "webhook callout accepted (enqueue)": 0, "duplicate webhook callout": 0,
}


def inbound_table(sizes: Sizes) -> Table:
    """Autotask and Field Nation calls per import (first, update, no-op) and per callout."""
    lines = inbound.run(max(2, sizes.tickets))
    table = Table(
        "Inbound: calls per import",
        f"`python -m bench inbound --tickets {sizes.tickets}`: tickets with company, location, "
        "contact and due date imported by `import_ticket`; means per ticket. Targets "
        "(issue 6): at most 4 Autotask calls per first import, at most 1 per no-op re-import.",
        ["Import", "Autotask calls", "Field Nation calls", "ms", "Target (AT calls)", "Result"])
    for line in lines[1:]:
        name, at_calls, fn_calls, ms = line.rsplit(maxsplit=3)
        name = name.strip()
        bound = _INBOUND_TARGETS.get(name)
        target = None if bound is None else Target("<=" if bound else "==", bound)
        table.rows.append([name, at_calls, fn_calls, ms, *mark(float(at_calls), target)])
    table.notes.append(
        "Missed target: a first import on cold caches costs 5 Autotask calls: the ticket, its "
        "company, its location and its contact (three entities, which the REST API cannot read "
        "in one query) and the PATCH that writes the marker into `externalID`. Companies and "
        "locations are then reused for `reference_cache_seconds`, so later first imports cost "
        "3. With attachment import on, the attachments' query and data read add to the first "
        "import.")
    return table


#: Issue 20: Field Nation calls per quiet work order with the change signals on.
QUIET_FN = Target("<=", 1.2)


def quiet_sweep_table(sizes: Sizes) -> Table:
    """Field Nation calls per work order of a quiet sweep: defaults, and the opt-in change
    signals."""
    table = Table(
        "Quiet sweeps: Field Nation calls per work order",
        f"`python -m bench outbound --work-orders {sizes.work_orders}` (its last lines): a "
        f"sweep over {sizes.work_orders} linked work orders, each with a message and an "
        "expense synced an hour before, nothing changed since. By default a sweep reads each "
        "work order, its expenses and its messages; with `sweep_trust_message_count` and "
        "`sweep_trust_updated` (opt-in, see the settings reference) the message count and the "
        "`updated` time the work order carries stand for them. Target (issue 20): at most "
        "1.2 Field Nation calls per quiet work order with the signals on.",
        ["Settings", "Field Nation calls per work order", "Autotask calls per work order",
         "Target", "Result"])
    for signals in (False, True):
        fn_calls, at_calls = outbound.quiet_sweep_reads(sizes.work_orders, signals)
        table.rows.append([
            "change signals on" if signals else "defaults", f"{fn_calls:.2f}", f"{at_calls:.2f}",
            *mark(fn_calls, QUIET_FN if signals else None)])
    table.notes.append(
        "The defaults stay correct first: a reply to an existing message does not change the "
        "message count, so with `sweep_trust_message_count` a lone reply waits for its "
        "webhook event or the work order's next change; `updated` is trusted only once it is "
        "5 minutes old (`FN-WO-MESSAGE-COUNT`, `FN-WO-UPDATED-MOVES` on the contract page).")
    return table


def _target_files(name: str) -> Target | None:
    return None if "first" in name or "scan" in name else Target("<=", 1)


_PEAK = re.compile(r"peak memory, (?P<alone>library alone, )?file (?P<what>.+?) "
                   r"\((?P<mib>[\d.]+) MiB -> (?P<sent>\w+)\): (?P<peak>[\d.]+) MiB")
#: Issue 20: the library's own peak syncing a file, at most this many times the file's size.
LIBRARY_PEAK = Target("<=", 1.5, "x")


def outbound_files_table(sizes: Sizes) -> list[Table]:
    """Calls per expense, receipt, file and signature, and peak memory syncing big files, from
    ``bench/outbound_files.py`` (issue 5) once it exists."""
    try:
        module = importlib.import_module("bench.outbound_files")
    except ImportError:
        return [Table("Peak memory syncing files", "Not available yet: the outbound files flow "
                      "(issue 5) has no benchmark (`bench/outbound_files.py`) yet.", [])]
    calls = Table(
        "Outbound files and expenses: Autotask calls per record",
        "`python -m bench outbound_files`: expenses (report items and ticket charges), "
        "receipts, files and signatures of one linked work order, each synced by "
        "`sync_work_order`. Target (issue 5): one call per written record in steady state (a "
        "replace is a delete and a create); rows with a first write or a marker scan carry "
        "no target (—).",
        ["Row", "Records", "Autotask calls", "Writes", "Calls per record", "Target", "Result"])
    memory = Table(
        "Peak memory syncing files",
        "From `python -m bench outbound_files`: `tracemalloc` peak during one "
        "`sync_work_order` of a work order holding one file. *With the fakes*: they run in "
        "the same process, so their copies (Field Nation serving the file, the in-process "
        "transport reading the whole request, Autotask decoding the upload) are included. "
        "*Library alone*: the fakes are served on local sockets by the benchmark and the sync "
        "runs in a child process, whose `tracemalloc` sees only the library. Target "
        "(issue 20): the library's peak at most 1.5x the file's size.",
        ["File", "Measured", "Size (MiB)", "Sent as", "Peak (MiB)", "Peak / size", "Target",
         "Result"])
    for note in _call_rows([str(line) for line in module.run()], _target_files, calls):
        found = _PEAK.fullmatch(note)
        if found is None:
            calls.notes.append(note)
            continue
        mib, peak = float(found["mib"]), float(found["peak"])
        alone = bool(found["alone"])
        memory.rows.append([found["what"], "library alone" if alone else "with the fakes",
                            f"{mib:.1f}", found["sent"], f"{peak:.1f}", f"{peak / mib:.2f}",
                            *mark(peak / mib, LIBRARY_PEAK if alone else None)])
    memory.notes.append(
        "Before issue 20 (same machine, same benchmark): the library alone peaked at 18.1 MiB "
        "(4.02x) for the file at the embed limit, and 28.6 MiB with the fakes: the base64 "
        "text, the JSON text and the encoded request body existed at once. The upload is now "
        "streamed: the body is produced while the file downloads, with an exact "
        "`Content-Length` from the size Field Nation reports.")
    return [calls, memory]


def throughput_table(sizes: Sizes) -> Table:
    """Events per second against the thread limit's ceiling, for 1, 4 and 16 threads."""
    results = throughput.run(sizes.events, sizes.latency, sizes.threads,
                             throughput.REDIS_URL if sizes.redis else None)
    table = Table(
        "Throughput under the thread limit",
        f"`python -m bench throughput --events {sizes.events} --latency {sizes.latency:g}`: "
        f"FakeAutotask answers after {sizes.latency * 1000:g} ms and refuses a fourth request "
        "in flight per endpoint. Each event is one webhook delivery on a distinct linked work "
        "order: *note*, a message posted (marker scan + note, all on TicketNotes); *visit*, a "
        "time log and a message (scans, the technician's resource, a time entry and a note, on "
        "three endpoints). N host threads each run `process_pending(limit=1)` with their own "
        "`SyncService` over one store and one Autotask client sharing one limiter. Ceiling: "
        "the thread limit's (3 / latency calls per second per endpoint, divided by the event's "
        "calls on that endpoint, the lowest of them), or the threads' own bound (threads / "
        "(calls per event * latency)) when lower. Target (issue 8): zero thread-limit errors, "
        "every event synced.",
        ["Work", "Threads", "Limiter", "Events", "Calls per event", "Events/s", "Ceiling",
         "Of ceiling", "Peak in flight", "Thread-limit errors", "Target", "Result"])
    for r in results:
        table.rows.append([
            r.workload, str(r.threads), r.limiter, str(r.events), f"{r.calls / r.events:.2f}",
            f"{r.rate:.2f}", f"{r.ceiling:.2f}", f"{r.rate / r.ceiling:.0%}", str(r.peak),
            str(r.refusals), "0 errors, all synced", PASS if r.ok else FAIL])
    runs: dict[tuple[str, str, float], list[str]] = {}  # same calls: one note
    for r in results:
        key = (r.workload, r.calls_by_endpoint(), r.limit_ceiling)
        runs.setdefault(key, []).append(f"{r.threads} ({r.limiter})")
    for (work, calls, ceiling), threads in runs.items():
        table.notes.append(f"{work}, threads {', '.join(threads)}: calls per event by endpoint "
                           f"{calls}; the thread limit's ceiling is {ceiling:.2f} events/s.")
    if sizes.redis and not any(r.limiter == "RedisLimiter" for r in results):
        table.notes.append("RedisLimiter run skipped: Redis did not answer.")
    return table


def cpu_table(sizes: Sizes) -> Table:
    """CPU time per event with zero latency: the ack path alone, and ack + processing."""
    table = Table(
        "Library overhead: CPU per event",
        f"`python -m bench overhead --events {sizes.cpu_events}`: no injected latency; "
        "`time.process_time` around `handle_fieldnation_webhook` (the ack) and "
        "`process_pending`. The CPU includes the in-process fakes' own work, so the library's "
        "share is lower. Target (issue 4): the ack answers well under a second, with no API "
        "call.",
        ["Path", "Events", "CPU ms per event", "Wall ms per event", "Autotask calls per event",
         "Target", "Result"])
    for r in overhead.cpu_per_event(sizes.cpu_events):
        target = Target("<=", 1000, "ms wall") if r.name.startswith("webhook ack") else None
        table.rows.append([r.name, str(r.events), f"{r.cpu_ms:.2f}", f"{r.wall_ms:.2f}",
                           f"{r.at_calls:.2f}", *mark(r.wall_ms, target)])
    return table


def store_table(sizes: Sizes) -> Table:
    """Store cycles and link operations per second per backend, and the limiters' cost."""
    table = Table(
        "Store operations per second",
        f"`python -m bench overhead --cycles {sizes.cycles}` (reusing `bench/store_ops.py`): "
        "a cycle is enqueue + lease + complete of one delivery, on 1 thread and on 4 sharing "
        "the store; link save and get on 1 thread. PostgreSQL on this machine over TCP.",
        ["Backend", "Cycles/s (1 thread)", "Cycles/s (4 threads)", "save_link/s", "get_link/s"])
    for r in overhead.store_rates(sizes.cycles, not sizes.postgres):
        table.rows.append([r.backend, f"{r.cycles_1:.0f}", f"{r.cycles_4:.0f}",
                           f"{r.save_link:.0f}", f"{r.get_link:.0f}"])
    if not any(r[0] == "postgres" for r in table.rows):
        table.notes.append("PostgreSQL not measured (not reachable or --no-postgres).")
    for name, value in overhead.limiter_rates(max(1, sizes.cycles // 2), not sizes.postgres):
        table.notes.append(f"Shared limiter, {name}: {value} requests/s when each request "
                           "only asks the limiter (pause + slot), on one thread.")
    return table


def growth_tables(sizes: Sizes) -> list[Table]:
    """Per-item cost as links pile up in the store, and the fake's hourly check as requests
    pile up in its window (issue 20)."""
    rows = growth.link_rows(sizes.link_sizes, sizes.imports)
    links = Table(
        "Growth: link lookups",
        f"`python -m bench growth --sizes {','.join(map(str, sizes.link_sizes))}`: an "
        "in-memory SQLite store holding N work order links and N note links; milliseconds of "
        "one `find_link_by_autotask` (an import makes six), of one `links_for_work_order` (one "
        "per work order sync), and of one first `import_ticket` over the in-process fakes with "
        "the part of it spent in the store. Best of 7 rounds. Target (issue 20): a lookup at "
        "the largest size within 1.5x of the smallest.",
        ["Links", "Lookup ms", "By work order ms", "Import ms", "Of it, store ms",
         "Lookup vs smallest", "Target", "Result"])
    for row in rows:
        ratio = row.lookup_ms / rows[0].lookup_ms
        last = row is rows[-1]
        links.rows.append([
            f"{row.links:,}", f"{row.lookup_ms:.4f}", f"{row.work_order_links_ms:.4f}",
            f"{row.import_ms:.2f}", f"{row.import_store_ms:.2f}", f"{ratio:.2f}x",
            *mark(ratio, GROWTH if last else None)])
    links.notes.append(
        "Before issue 20 (same machine, same benchmark): lookups took 0.060, 0.209 and 2.52 ms "
        "at 100, 1,000 and 10,000 links (42x), `links_for_work_order` 0.096, 0.94 and 6.96 ms: "
        "SQLite walked the primary key through every link of the kind to satisfy `ORDER BY`. "
        "Schema step 2 gives both queries an index that also covers their order; "
        "`tests/store/test_query_plans.py` pins the plans on SQLite and PostgreSQL.")
    windows = growth.window_rows(sizes.window_requests)
    window = Table(
        "Growth: FakeAutotask's hourly window",
        f"`python -m bench growth --requests {sizes.window_requests}`: microseconds of one "
        "request's hourly-threshold check in FakeAutotask (the sum of the last hour's requests, "
        "then recording this one) with 100 and with N requests already in the hour, the "
        "clock standing still as it does through a test suite. Best of 5 rounds. Target "
        "(issue 20): the same cost at both.",
        ["Requests in the hour", "Check µs", "vs request 100", "Target", "Result"])
    for w in windows:
        ratio = w.check_us / windows[0].check_us
        window.rows.append([f"{w.requests:,}", f"{w.check_us:.2f}", f"{ratio:.2f}x",
                            *mark(ratio, GROWTH if w is windows[-1] else None)])
    window.notes.append(
        "Before issue 20: the fake summed its whole request history on every request, 34 µs at "
        "request 100 and 4,981 µs at request 100,000 (145x). It now keeps a running total "
        "and one entry per instant; a unit test counts the entries each check touches "
        "(`tests/fakes/test_fake_autotask_limits.py`).")
    return [links, window]


def _listed(collect: Callable[[Sizes], Table]) -> Callable[[Sizes], list[Table]]:
    return lambda sizes: [collect(sizes)]


COLLECTORS: list[tuple[str, Callable[[Sizes], list[Table]]]] = [
    ("outbound", _listed(outbound_table)), ("quiet sweeps", _listed(quiet_sweep_table)),
    ("inbound", _listed(inbound_table)),
    ("outbound_files", outbound_files_table), ("throughput", _listed(throughput_table)),
    ("overhead: CPU", _listed(cpu_table)), ("overhead: store", _listed(store_table)),
    ("growth", growth_tables)]


def run(sizes: Sizes) -> list[Table]:
    """Every benchmark, timed, in page order. A benchmark that raises becomes a failing table
    (the others still run)."""
    tables: list[Table] = []
    for name, collect in COLLECTORS:
        started = time.perf_counter()
        try:
            made = collect(sizes)
        except Exception as exc:
            made = [Table(f"{name}: could not run", f"`{type(exc).__name__}: {exc}`",
                          ["Benchmark", "Result"], [[name, FAIL]])]
        made[0].seconds = time.perf_counter() - started
        tables += made
        print(f"{name}: {made[0].seconds:.1f} s, {sum(t.failures for t in made)} failing",
              flush=True)
    return tables


def main(argv: list[str] | None = None) -> int:
    """Run everything, write the page, exit 1 if any figure misses its target."""
    parser = argparse.ArgumentParser(prog="python -m bench all", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smallest sizes (smoke test)")
    parser.add_argument("--output", type=Path, default=PAGE)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-redis", action="store_true")
    args = parser.parse_args(argv)
    base = QUICK if args.quick else Sizes()
    sizes = Sizes(**{**base.__dict__, "postgres": not args.no_postgres,
                     "redis": not args.no_redis})
    tables = run(sizes)
    path = write(tables, args.output)
    failures = sum(t.failures for t in tables)
    print(f"wrote {path}: {failures} figure(s) missing their target" if failures
          else f"wrote {path}: every target met")
    return 1 if failures else 0

