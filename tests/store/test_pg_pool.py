"""The PostgreSQL store's connection pool (``psycopg_pool``): connections are renewed after
``max_lifetime``, a caller waits at most ``pool_timeout``, a fork gets a pool of its own, and
an unreachable server fails the store's opening at once with its reason."""

from __future__ import annotations

import multiprocessing
import secrets
import threading
import time
from collections.abc import Iterator

import pytest

from autotask_fn.store import StoreError
from autotask_fn.store.postgres import PostgresStore

from .conftest import PG_DSN, require_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture
def schema() -> Iterator[str]:
    require_postgres()
    import psycopg

    name = f"atfn_test_{secrets.token_hex(6)}"
    yield name
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def backend_pid(store: PostgresStore) -> int:
    with store._tx(False) as cur:
        cur.execute("SELECT pg_backend_pid()")
        return int(cur.fetchone()[0])


def test_a_connection_is_replaced_after_its_max_lifetime(schema: str) -> None:
    store = PostgresStore(PG_DSN, schema=schema, min_size=1, max_size=1, max_lifetime=0.5)
    try:
        first = backend_pid(store)
        assert backend_pid(store) == first  # reused while young
        time.sleep(1.0)  # past the lifetime (psycopg_pool shortens it by up to 5 %)
        backend_pid(store)  # given back expired: replaced
        deadline = time.monotonic() + 5
        while backend_pid(store) == first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert backend_pid(store) != first
        assert store.get_intent("missing") is None  # the new one is set up (search_path)
    finally:
        store.close()


def test_a_caller_waits_at_most_pool_timeout_for_a_connection(schema: str) -> None:
    store = PostgresStore(PG_DSN, schema=schema, min_size=1, max_size=1, pool_timeout=0.3)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store._tx(False):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        with pytest.raises(StoreError):
            store.get_intent("k")
        assert 0.2 < time.monotonic() - started < 5
    finally:
        release.set()
        holder.join(10)
    assert store.get_intent("k") is None  # free again
    store.close()


def _use_in_child(store: PostgresStore, out: object) -> None:
    store.put_intent("from-child", {"ok": True})
    out.put(backend_pid(store))  # type: ignore[attr-defined]


def test_a_forked_child_uses_a_pool_of_its_own_and_the_parent_keeps_its_own(
        schema: str) -> None:
    store = PostgresStore(PG_DSN, schema=schema)
    try:
        parent_pid = backend_pid(store)
        ctx = multiprocessing.get_context("fork")
        out = ctx.Queue()
        child = ctx.Process(target=_use_in_child, args=(store, out))
        child.start()
        child_pid = out.get(timeout=30)
        child.join(30)
        assert child.exitcode == 0
        assert child_pid != parent_pid
        assert store.get_intent("from-child") == {"ok": True}
        assert backend_pid(store) == parent_pid  # the parent's connection was left alone
    finally:
        store.close()


def test_an_unreachable_server_fails_the_opening_at_once_with_its_reason() -> None:
    started = time.monotonic()
    with pytest.raises(StoreError, match=r"127\.0\.0\.1"):
        PostgresStore("postgresql://postgres@127.0.0.1:1/test", connect_timeout=2,
                      pool_timeout=30)
    assert time.monotonic() - started < 10  # not the pool's 30 s of reconnection attempts


def test_a_closed_store_refuses_work(schema: str) -> None:
    store = PostgresStore(PG_DSN, schema=schema)
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.get_intent("k")
