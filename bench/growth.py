"""Growth: what one item costs as the work behind it grows (issue 20).

    python -m bench growth [--sizes 100,1000,10000] [--imports 10] [--requests 100000]

Two costs that must stay flat:

* **Links.** A store (SQLite in memory, the benchmarks' store) holding N work order links
  (``--sizes``): the time of one ``find_link_by_autotask`` (the lookup an import makes six
  times), of one ``links_for_work_order``, and the time of one first ``import_ticket`` over
  the in-process fakes with the part of it spent in the store. Target: a lookup at the largest
  size within 1.5x of the smallest.
* **FakeAutotask's hourly window.** The time one request spends in the fake's hourly threshold
  check at request 100 and at request ``--requests`` (the window holds every request of the
  last hour). Target: within 1.5x.

Timings are the best of several rounds (the machine is shared).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from autotask_fn.store import Link, Scope
from autotask_fn.store._sql import SqlStore
from autotask_fn.testing.autotask.limits import SlidingWindow

SIZES = (100, 1_000, 10_000)
#: Autotask ids of the preloaded links: far above anything the fake hands out.
BASE_ID = 50_000_000


@dataclass(frozen=True)
class LinkRow:
    """Per-item figures with ``links`` work order links in the store."""

    links: int
    lookup_ms: float  # one find_link_by_autotask
    work_order_links_ms: float  # one links_for_work_order
    import_ms: float  # one first import_ticket
    import_store_ms: float  # of which in the store


@dataclass(frozen=True)
class WindowRow:
    """Cost of the fake's hourly check with ``requests`` already in the window."""

    requests: int
    check_us: float  # total() + add(), microseconds


def _per_call(action: Callable[[int], object], n: int, rounds: int = 7) -> float:
    """Milliseconds one ``action(i)`` takes: the best of ``rounds`` (the least disturbed by
    the other processes of a shared machine, as ``timeit`` advises)."""
    samples = []
    for r in range(rounds):
        start = time.perf_counter()
        for i in range(n):
            action(r * n + i)
        samples.append((time.perf_counter() - start) / n * 1000)
    return min(samples)


def preload(store: SqlStore, scope: Scope, links: int) -> None:
    """``links`` work order links (and one note link each), as years of syncing leave them."""
    for i in range(links):
        store.save_link(Link(scope, "wo", str(BASE_ID + i), "Tickets", BASE_ID + i, BASE_ID + i))
        store.save_link(Link(scope, "note", f"m{i}", "TicketNotes", BASE_ID + i, BASE_ID + i))


class _StoreTimer:
    """Wraps a store's public methods (on the instance) to add up the time spent in them."""

    def __init__(self, store: SqlStore) -> None:
        self.seconds = 0.0
        for name in dir(type(store)):
            if name.startswith("_") or not callable(getattr(store, name)):
                continue
            setattr(store, name, self._timed(getattr(store, name)))

    def _timed(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
        return timed


def link_row(size: int, imports: int = 10, lookups: int = 400) -> LinkRow:
    """Lookups and imports with ``size`` work order links in the store."""
    from autotask_fn.sync.inbound_settings import InboundSettings
    from autotask_fn.testing.rig import SyncRig

    rig = SyncRig(inbound=InboundSettings())
    scope = rig.svc.scope
    store = rig.store
    preload(store, scope, size)
    lookup = _per_call(lambda i: store.find_link_by_autotask(
        scope, "wo", "Tickets", BASE_ID + (i * 7919) % size), lookups)
    by_wo = _per_call(lambda i: store.links_for_work_order(
        scope, BASE_ID + (i * 7919) % size), lookups)
    tickets = [rig.dispatch_ticket(title=f"Growth {n}") for n in range(imports + 1)]
    rig.svc.import_ticket(tickets[0])  # warm the caches (metadata, company)
    timer = _StoreTimer(store)
    start = time.perf_counter()
    for ticket in tickets[1:]:
        rig.svc.import_ticket(ticket)
    elapsed = time.perf_counter() - start
    return LinkRow(size, lookup, by_wo, elapsed / imports * 1000,
                   timer.seconds / imports * 1000)


def link_rows(sizes: tuple[int, ...] = SIZES, imports: int = 10) -> list[LinkRow]:
    """One :class:`LinkRow` per size, in one run."""
    return [link_row(size, imports) for size in sizes]


def _window_at(requests: int, probes: int = 200) -> float:
    """Microseconds of one threshold check (total + add) with ``requests`` in the window,
    all at one instant of the fake's clock (a test suite that never moves it)."""
    window = SlidingWindow(3600)
    for _ in range(requests):
        window.add(1000.0)
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(probes):
            window.total(1000.0)
            window.add(1000.0)
        samples.append((time.perf_counter() - start) / probes * 1e6)
    return min(samples)


def window_rows(requests: int = 100_000) -> list[WindowRow]:
    """The hourly check at request 100 and at request ``requests``."""
    return [WindowRow(n, _window_at(n)) for n in (100, requests)]


def growth(rows: list[Any], field: str) -> float:
    """Largest size's figure over the smallest's."""
    first, last = getattr(rows[0], field), getattr(rows[-1], field)
    return float(last / first) if first else float("inf")


def lines(links: list[LinkRow], windows: list[WindowRow]) -> Iterator[str]:
    """The figures as text."""
    yield (f"{'links in store':>14} {'lookup ms':>10} {'by WO ms':>9} {'import ms':>10}"
           f" {'of it store ms':>15}")
    for r in links:
        yield (f"{r.links:>14} {r.lookup_ms:>10.4f} {r.work_order_links_ms:>9.4f}"
               f" {r.import_ms:>10.2f} {r.import_store_ms:>15.2f}")
    yield f"lookup growth {links[0].links} -> {links[-1].links}: {growth(links, 'lookup_ms'):.2f}x"
    yield ""
    yield f"{'requests in hour':>16} {'check us':>9}"
    for w in windows:
        yield f"{w.requests:>16} {w.check_us:>9.2f}"
    yield f"hourly check growth: {growth(windows, 'check_us'):.2f}x"


def main(argv: list[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench growth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--imports", type=int, default=10)
    parser.add_argument("--requests", type=int, default=100_000)
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    for line in lines(link_rows(sizes, args.imports), window_rows(args.requests)):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
