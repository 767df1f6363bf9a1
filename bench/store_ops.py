"""Store throughput: enqueue + lease + complete cycles per second, per backend.

    python bench/store_ops.py [--cycles 2000] [--threads 4] [--pg-dsn DSN] [--redis-url URL]

Each backend starts empty (a temporary SQLite file, a throw-away PostgreSQL schema). One
"cycle" is what the sync does per webhook delivery: ``enqueue`` it, ``lease`` it, ``complete``
it. The single-thread figure is latency-bound; the threaded one shows how the backend copes
with several workers at once (SQLite serialises writers; PostgreSQL does not).

The shared limiters are measured too: what one Autotask request costs in limiter round
trips (``pause_before_request`` + taking and giving back a slot), per second.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from autotask_fn.store import SqliteStore
from autotask_fn.store._sql import SqlStore

DEFAULT_DSN = os.environ.get("AUTOTASK_FN_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def cycles(store: SqlStore, owner: str, n: int, prefix: str) -> None:
    for i in range(n):
        store.enqueue("bench", f"{prefix}-{i}", b'{"event": "workorder.status"}', {"X": "1"})
        for entry in store.lease(owner, 60, limit=1):
            store.complete(entry.id, owner)


def measure(store: SqlStore, total: int, threads: int) -> float:
    per_thread = total // threads
    run = secrets.token_hex(4)
    workers = [
        threading.Thread(target=cycles, args=(store, f"w{t}", per_thread, f"{run}-{t}"))
        for t in range(threads)
    ]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    return per_thread * threads / elapsed


def op_rates(store: SqlStore, n: int) -> dict[str, float]:
    """Single operations per second (one thread)."""
    from autotask_fn.store import Link, Scope

    scope = Scope("production", 1)
    timings: dict[str, float] = {}

    def timed(name: str, fn: Callable[[int], object]) -> None:
        start = time.perf_counter()
        for i in range(n):
            fn(i)
        timings[name] = n / (time.perf_counter() - start)

    timed("save_link", lambda i: store.save_link(Link(scope, "wo", str(i), "Tickets", i, i)))
    timed("get_link", lambda i: store.get_link(scope, "wo", str(i)))
    timed("try_lock", lambda i: store.try_lock(f"wo:{i}", "bench", 30))
    return timings


@contextmanager
def backends(dsn: str, skip_pg: bool) -> Iterator[list[tuple[str, SqlStore]]]:
    opened: list[tuple[str, SqlStore]] = []
    with tempfile.TemporaryDirectory() as tmp:
        opened.append(("sqlite :memory:", SqliteStore()))
        opened.append(("sqlite file (synchronous=FULL)", SqliteStore(os.path.join(tmp, "a.db"))))
        opened.append((
            "sqlite file (synchronous=NORMAL)",
            SqliteStore(os.path.join(tmp, "b.db"), synchronous="NORMAL"),
        ))
        schema = f"atfn_bench_{secrets.token_hex(4)}"
        if not skip_pg:
            from autotask_fn.store.postgres import PostgresStore

            try:
                opened.append(("postgres", PostgresStore(dsn, schema=schema, max_size=8)))
            except Exception as exc:
                print(f"postgres skipped: {exc}")
        try:
            yield opened
        finally:
            for name, store in opened:
                store.close()
                if name == "postgres":
                    import psycopg

                    with psycopg.connect(dsn, autocommit=True) as conn:
                        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def limiter_rates(n: int, dsn: str, redis_url: str, skip_pg: bool) -> None:
    """Limiter overhead per Autotask request: pause_before_request + slot enter/exit."""
    from autotask_fn.store.limiters import PostgresLimiter, RedisLimiter, SharedLimiter

    prefix = f"atfn_bench:{secrets.token_hex(4)}"
    makers: list[tuple[str, Callable[[], SharedLimiter]]] = [
        ("redis", lambda: RedisLimiter(redis_url, key_prefix=prefix))
    ]
    schema = f"atfn_bench_{secrets.token_hex(4)}"
    if not skip_pg:
        makers.append(("postgres", lambda: PostgresLimiter(dsn, schema=schema, key_prefix=prefix)))
    print(f"\n{'limiter':34} {'requests/s (pause + slot)':>26}")
    for name, make in makers:
        try:
            limiter = make()
            start = time.perf_counter()
            for _ in range(n):
                limiter.pause_before_request()
                with limiter.slot("Tickets"):
                    pass
            rate = n / (time.perf_counter() - start)
            limiter.close()
        except Exception as exc:
            print(f"{name:34} skipped: {exc}")
            continue
        print(f"{name:34} {rate:26.0f}")
    if not skip_pg:
        import psycopg

        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pg-dsn", default=DEFAULT_DSN)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with backends(args.pg_dsn, args.no_postgres) as opened:
        print(f"{'backend':34} {'cycles/s 1 thread':>18} {f'cycles/s {args.threads} threads':>20}"
              f" {'save_link/s':>12} {'get_link/s':>11} {'try_lock/s':>11}")
        for name, store in opened:
            one = measure(store, args.cycles, 1)
            many = measure(store, args.cycles, args.threads)
            ops = op_rates(store, args.cycles // 2)
            print(f"{name:34} {one:18.0f} {many:20.0f} {ops['save_link']:12.0f}"
                  f" {ops['get_link']:11.0f} {ops['try_lock']:11.0f}")
    limiter_rates(args.cycles // 2, args.pg_dsn, args.redis_url, args.no_postgres)


if __name__ == "__main__":
    main()
