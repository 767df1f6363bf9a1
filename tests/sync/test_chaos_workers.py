"""Chaos with several workers at once: two services share one store (SQLite, and PostgreSQL
when the test server is there), process one duplicated, shuffled event stream in parallel
threads, and still leave exactly one Autotask record per Field Nation record."""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from world import World

from autotask_fn.store import EntryStatus, Store
from autotask_fn.sync import SyncService

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PG_DSN = os.environ.get("AUTOTASK_FN_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_store() -> Store:
    """A PostgresStore in a fresh schema (dropped at exit), or skip without the server."""
    try:
        import psycopg

        with psycopg.connect(PG_DSN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        pytest.skip(f"no PostgreSQL at AUTOTASK_FN_TEST_PG_DSN: {type(exc).__name__}")
    from autotask_fn.store.postgres import PostgresStore

    return PostgresStore(PG_DSN, schema=f"sync_chaos_{uuid.uuid4().hex[:8]}")


def close_store(store: Store) -> None:
    """Close a store; a PostgreSQL test schema is dropped too."""
    store.close()
    schema = getattr(store, "schema", None)
    if isinstance(schema, str) and schema.startswith("sync_chaos_"):
        import psycopg

        with psycopg.connect(PG_DSN, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_workers_in_parallel_leave_exactly_one_record_each(backend: str) -> None:
    world = World(backoff_base=0.5, backoff_max=2.0, max_attempts=50)
    if backend == "postgres":
        world.store = postgres_store()
        world.svc = world.service("worker-1")
    workers = [world.svc, world.service("worker-2")]
    orders = [world.linked_work_order(title=f"Parallel {n}") for n in range(6)]
    for n, (wo, _ticket) in enumerate(orders):
        world.fn_fake.check_in(wo, T0 + timedelta(hours=n))
        world.fn_fake.check_out(wo, T0 + timedelta(hours=n, minutes=30))
        first = world.fn_fake.post_message(wo, f"msg {n}")
        world.fn_fake.post_message(wo, "reply", reply_to=first)
        world.fn_fake.complete_work(wo)
    world.at_fake.fail_next(r"TimeEntries$", method="POST", status=500, after_acting=True,
                            count=2)
    assert set(world.deliver_all(duplicate=0.7, shuffle=True, seed=7)) == {200}

    errors: list[BaseException] = []

    def work(svc: SyncService) -> None:
        try:
            for _ in range(60):
                svc.process_pending(limit=3)
                if world.store.count_entries(EntryStatus.PENDING) + world.store.count_entries(
                        EntryStatus.LEASED) == 0:
                    return
                world.advance(5)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(svc,)) for svc in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    world.svc.sweep()

    env = world.svc.scope.fn_env
    for _wo, ticket in orders:
        markers = Counter(e["internalNotes"] for e in world.records("TimeEntries", ticket))
        assert len(markers) == 1
        assert set(markers.values()) == {1}
        assert next(iter(markers)).startswith(f"[FN:{env}:timelog:")
        titles = Counter(n["title"].split(" ", 1)[0] for n in world.records("TicketNotes",
                                                                               ticket))
        assert len(titles) == 2
        assert set(titles.values()) == {1}
    assert world.svc.dead_letters() == []
    assert len(world.at_fake.records("TimeEntries")) == len(orders)
    close_store(world.store)
