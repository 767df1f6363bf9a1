"""Backends for the store suite: SQLite in memory, a SQLite file, a fresh PostgreSQL schema.

PostgreSQL is reached at ``AUTOTASK_FN_TEST_PG_DSN`` (default: the local trust-auth server);
the tests get randomly named schemas, dropped afterwards. When no server
answers, the PostgreSQL parametrisations skip and say why.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from autotask_fn.store import SqliteStore
from autotask_fn.store._sql import SqlStore

PG_DSN = os.environ.get("AUTOTASK_FN_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")

_pg_problem: list[str | None] = []


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used for the tests (``None`` when it can); checked once."""
    if not _pg_problem:
        try:
            import psycopg

            with psycopg.connect(PG_DSN, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            _pg_problem.append(None)
        except Exception as exc:  # any failure means: skip, and say why
            _pg_problem.append(f"no PostgreSQL at AUTOTASK_FN_TEST_PG_DSN: {type(exc).__name__}")
    return _pg_problem[0]


def require_postgres() -> None:
    """Skip the calling test when the server is not there."""
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)


@attrs.define
class Backend:
    """One database the suite runs against, and how to reach it again."""

    name: str
    spec: tuple[str, ...]
    """Picklable description for child processes: ``("sqlite", path)`` or
    ``("postgres", dsn, schema)``; ``("memory",)`` cannot be shared."""
    instances: list[SqlStore] = attrs.field(factory=list)

    @property
    def shareable(self) -> bool:
        return self.spec[0] != "memory"

    def open(self) -> SqlStore:
        """Another store on the same database (the first one for memory)."""
        if self.spec[0] == "memory" and self.instances:
            return self.instances[0]
        store = open_spec(self.spec)
        self.instances.append(store)
        return store

    def raw(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Run SQL on the database behind the store's back."""
        kind = self.spec[0]
        if kind == "sqlite":
            with sqlite3.connect(self.spec[1]) as conn:
                rows = conn.execute(sql, params).fetchall()
            conn.close()
            return rows
        if kind == "postgres":
            import psycopg

            with psycopg.connect(self.spec[1], autocommit=True) as pg:
                pg.execute(f'SET search_path TO "{self.spec[2]}"')
                cur = pg.execute(sql.replace("?", "%s"), params)
                return cur.fetchall() if cur.description else []
        pytest.skip("an in-memory database cannot be reached from outside")

    def close(self) -> None:
        for store in self.instances:
            store.close()


def open_spec(spec: tuple[str, ...]) -> SqlStore:
    """Open a store from a :attr:`Backend.spec` (also used inside child processes)."""
    if spec[0] == "memory":
        return SqliteStore()
    if spec[0] == "sqlite":
        return SqliteStore(spec[1])
    from autotask_fn.store.postgres import PostgresStore

    return PostgresStore(spec[1], schema=spec[2])


def drop_schema(schema: str) -> None:
    """Drop a test schema and everything in it."""
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def empty_schema(schema: str) -> None:
    """Remove every row the store tables of a test schema hold."""
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("TRUNCATE links, deliveries, inbox, locks, intents RESTART IDENTITY")


def _make_backend(
    name: str, tmp_path: Path, pg_schema: str | None = None
) -> tuple[Backend, Callable[[], None]]:
    if name == "sqlite-memory":
        return Backend(name, ("memory",)), lambda: None
    if name == "sqlite-file":
        return Backend(name, ("sqlite", str(tmp_path / "store.db"))), lambda: None
    require_postgres()
    if pg_schema is not None:  # a schema kept for the session, emptied after each test
        return Backend(name, ("postgres", PG_DSN, pg_schema)), lambda: empty_schema(pg_schema)
    schema = f"atfn_test_{secrets.token_hex(6)}"
    return Backend(name, ("postgres", PG_DSN, schema)), lambda: drop_schema(schema)


@pytest.fixture(scope="session")
def pg_session_schema() -> Iterator[str]:
    """One schema for the tests that only need empty tables (cheaper than one per test)."""
    schema = f"atfn_test_{secrets.token_hex(6)}"
    yield schema
    if postgres_problem() is None:
        drop_schema(schema)


ALL = [
    pytest.param("sqlite-memory", id="sqlite-memory"),
    pytest.param("sqlite-file", id="sqlite-file"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
SHARED = ALL[1:]


def _provide(name: str, tmp_path: Path, pg_schema: str | None = None) -> Iterator[Backend]:
    made, cleanup = _make_backend(name, tmp_path, pg_schema)
    try:
        yield made
    finally:
        made.close()
        cleanup()


@pytest.fixture(params=ALL)
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, pg_session_schema: str
) -> Iterator[Backend]:
    """Every backend, empty (PostgreSQL: the session schema, emptied afterwards)."""
    yield from _provide(request.param, tmp_path, pg_session_schema)


@pytest.fixture(params=SHARED)
def shared_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Backends that several stores (threads, processes) can open at once; a fresh database
    (PostgreSQL: a fresh schema) for each test, so tests may change the schema."""
    yield from _provide(request.param, tmp_path)


@pytest.fixture
def store(backend: Backend) -> SqlStore:
    """A fresh, empty store on each backend."""
    return backend.open()


def run_threads(n: int, work: Callable[[int], None]) -> None:
    """Run ``work(i)`` in ``n`` threads started together; fail if any of them raised."""
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            start.wait()
            work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
