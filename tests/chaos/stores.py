"""Stores that several processes share: a SQLite file or a fresh PostgreSQL schema, described
by a JSON-able spec so that a child process can open the same one."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from autotask_fn.store import SqliteStore, Store

PG_DSN = os.environ.get("AUTOTASK_FN_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_problem() -> str | None:
    """Why the PostgreSQL test server cannot be used, or ``None``."""
    try:
        import psycopg

        with psycopg.connect(PG_DSN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure: the caller skips and says why
        return f"no PostgreSQL at AUTOTASK_FN_TEST_PG_DSN: {type(exc).__name__}"
    return None


def store_spec(backend: str, tmp_path: Path) -> list[str]:
    """A description of a fresh store that a child process can open (JSON-able)."""
    if backend == "sqlite":
        return ["sqlite", str(tmp_path / "chaos.sqlite3")]
    return ["postgres", PG_DSN, f"chaos_{uuid.uuid4().hex[:10]}"]


def open_store(spec: list[str]) -> Store:
    """Open the store ``spec`` describes (see :func:`store_spec`)."""
    if spec[0] == "sqlite":
        return SqliteStore(spec[1])
    from autotask_fn.store.postgres import PostgresStore

    return PostgresStore(spec[1], schema=spec[2])


def drop_store(spec: list[str]) -> None:
    """Drop a PostgreSQL test schema (a SQLite file goes with ``tmp_path``)."""
    if spec[0] == "postgres":
        import psycopg

        with psycopg.connect(spec[1], autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{spec[2]}" CASCADE')
