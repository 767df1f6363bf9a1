"""The embedded link store: one SQLite file (or memory), safe for threads and processes."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from autotask_fn.store._sql import ConnectionPool, Cursor, SqlStore


class SqliteStore(SqlStore):
    """The :class:`~autotask_fn.store.base.Store` protocol in a SQLite database.

    ``SqliteStore()`` keeps everything in memory (for tests): one connection, shared by
    threads in turn. ``SqliteStore("sync.db")`` opens (and creates or migrates) a file in
    WAL mode with a busy timeout; several threads and several processes on one machine can
    use the same file. Every write runs in a ``BEGIN IMMEDIATE`` transaction, so leases and
    locks are atomic across processes. Do not put the file on a network share.

    ``max_connections`` bounds the connections to a file (readers run in parallel, writers
    take turns); ``busy_timeout`` is how long a writer waits for another process before
    :class:`~autotask_fn.store.errors.StoreError` is raised; ``synchronous`` is the SQLite
    ``synchronous`` pragma (``FULL``: a committed delivery survives a power cut; ``NORMAL``
    is faster and still never corrupts the file).
    """

    _dialect: ClassVar = "sqlite"
    _db_errors = (sqlite3.Error,)

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        max_connections: int = 4,
        busy_timeout: float = 30.0,
        synchronous: str = "FULL",
    ) -> None:
        if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"unknown synchronous mode {synchronous!r}")
        self.path = None if path is None or os.fspath(path) == ":memory:" else os.fspath(path)
        """The database file, or ``None`` for memory."""
        self._busy_timeout = busy_timeout
        self._synchronous = synchronous.upper()
        with self._driver_errors():
            self._pool = ConnectionPool(
                self._connect,
                close=sqlite3.Connection.close,
                healthy=_always,
                min_size=1,
                # A private in-memory database lives as long as its one connection.
                max_size=1 if self.path is None else max_connections,
                timeout=busy_timeout,
            )
        try:
            with self._tx() as cur:
                self._migrate(cur)
        except BaseException:
            self._pool.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            ":memory:" if self.path is None else self.path,
            timeout=self._busy_timeout,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        if self.path is not None:
            _use_wal(conn, self._busy_timeout)
        conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        return conn

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Cursor]:
        with self._pool.connection() as conn:
            cur = conn.cursor()
            try:
                if not write:
                    yield cur
                    return
                cur.execute("BEGIN IMMEDIATE")
                try:
                    yield cur
                    cur.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:  # never hand an open transaction back to the pool
                        conn.rollback()
                    raise
            finally:
                cur.close()

    def close(self) -> None:
        """Close the connections (an in-memory database is gone afterwards)."""
        self._pool.close()

    def __repr__(self) -> str:
        return f"SqliteStore({self.path or ':memory:'!r})"


def _use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch the file to WAL mode (stored in the file: done once). The switch needs the
    file to itself and SQLite does not wait for it (no busy handler), so while another
    connection holds it (a store migrating the new file) try again until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _always(_conn: sqlite3.Connection) -> bool:
    return True


__all__ = ["SqliteStore"]
