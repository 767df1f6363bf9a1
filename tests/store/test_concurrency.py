"""Several threads and several processes on one store: every entry leased exactly once, one
lock holder at a time."""

from __future__ import annotations

import collections
import multiprocessing

from autotask_fn.store._sql import SqlStore

from .conftest import Backend, open_spec, run_threads

ENTRIES = 60


def drain(store: SqlStore, owner: str, *, batch: int = 3) -> list[int]:
    """Lease and complete until nothing is due; the ids this worker got."""
    got: list[int] = []
    while True:
        entries = store.lease(owner, 60, limit=batch)
        if not entries:
            return got
        for e in entries:
            got.append(e.id)
            assert store.complete(e.id, owner)


def test_threads_leasing_together_get_each_entry_exactly_once(store: SqlStore) -> None:
    for i in range(ENTRIES):
        store.enqueue("fieldnation", f"d{i}", b"{}")
    taken: list[list[int]] = [[] for _ in range(6)]
    run_threads(6, lambda i: taken[i].extend(drain(store, f"worker-{i}")))
    counts = collections.Counter(entry_id for ids in taken for entry_id in ids)
    assert len(counts) == ENTRIES
    assert set(counts.values()) == {1}
    assert store.count_entries() == store.count_entries("done") == ENTRIES  # type: ignore[arg-type]


def test_threads_racing_for_one_lock_let_exactly_one_win(store: SqlStore) -> None:
    winners: list[str] = []
    run_threads(8, lambda i: winners.extend([f"w{i}"] if store.try_lock("k", f"w{i}", 30) else []))
    assert len(winners) == 1


def test_threads_with_their_own_stores_share_one_database(shared_backend: Backend) -> None:
    stores = [shared_backend.open() for _ in range(3)]
    for i in range(ENTRIES):
        stores[0].enqueue("fieldnation", f"d{i}", b"{}")
    taken: list[list[int]] = [[] for _ in range(3)]
    run_threads(3, lambda i: taken[i].extend(drain(stores[i], f"worker-{i}")))
    counts = collections.Counter(entry_id for ids in taken for entry_id in ids)
    assert sorted(counts) == sorted(e.id for e in stores[0].list_entries(limit=ENTRIES))
    assert set(counts.values()) == {1}


def _process_worker(spec: tuple[str, ...], owner: str, start: object, out: object) -> None:
    store = open_spec(spec)
    try:
        start.wait()  # type: ignore[attr-defined]
        out.put((owner, drain(store, owner, batch=2)))  # type: ignore[attr-defined]
    finally:
        store.close()


def test_processes_leasing_together_get_each_entry_exactly_once(shared_backend: Backend) -> None:
    store = shared_backend.open()
    for i in range(ENTRIES):
        store.enqueue("fieldnation", f"d{i}", b"{}")
    ctx = multiprocessing.get_context("fork")
    n = 3
    start = ctx.Barrier(n)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_process_worker, args=(shared_backend.spec, f"proc-{i}", start, out))
        for i in range(n)
    ]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    counts = collections.Counter(entry_id for ids in results.values() for entry_id in ids)
    assert len(counts) == ENTRIES
    assert set(counts.values()) == {1}
    assert store.count_entries("done") == ENTRIES  # type: ignore[arg-type]
