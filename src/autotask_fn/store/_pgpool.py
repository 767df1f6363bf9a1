"""The connection pool of :class:`~autotask_fn.store.PostgresStore`: ``psycopg_pool``.

``psycopg_pool.ConnectionPool`` brings the health handling (broken connections are discarded
when given back, a failed ``check`` is replaced before a caller sees it), the maximum lifetime
and idle time of a connection, and the timeouts. This adapter adds what the store promised
before it used ``psycopg_pool``:

* a connection is probed only when it sat idle for ``check_idle_after`` seconds (a probe on
  every borrow would double the round trips of the store's one-statement transactions);
* after a fork, the child starts a pool of its own: the parent's connections and worker
  threads are left alone (never used, never closed there).
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from autotask_fn.store.errors import StoreError

#: Pools left behind in a forked child: never used and never closed there, only kept from the
#: garbage collector.
_FORK_ORPHANS: list[object] = []


def check_sizes(min_size: int, max_size: int) -> None:
    """Refuse pool sizes that cannot work (``ValueError``)."""
    if min_size < 0 or max_size < 1 or min_size > max_size:
        raise ValueError("need 0 <= min_size <= max_size and max_size >= 1")


class PgPool:
    """``min_size`` to ``max_size`` psycopg connections made by ``psycopg_pool``.

    ``conninfo`` and ``kwargs`` are given to ``psycopg.connect``; ``configure`` runs once on
    each new connection. A caller waits at most ``timeout`` seconds for a connection.
    """

    def __init__(
        self,
        conninfo: str,
        *,
        kwargs: dict[str, Any],
        configure: Callable[[Any], None],
        min_size: int,
        max_size: int,
        timeout: float,
        check_idle_after: float,
        max_lifetime: float,
        max_idle: float,
        name: str,
    ) -> None:
        check_sizes(min_size, max_size)
        import psycopg_pool

        self._module: Any = psycopg_pool
        self._options: dict[str, Any] = {
            "kwargs": kwargs, "min_size": min_size, "max_size": max_size, "timeout": timeout,
            "max_lifetime": max_lifetime, "max_idle": max_idle, "name": name,
        }
        self._conninfo = conninfo
        self._configure = configure
        self._check_idle_after = check_idle_after
        self._idle_since: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._closed = False
        self._pid = os.getpid()
        self._pool: Any = self._open()

    def _open(self) -> Any:
        pool = self._module.ConnectionPool(
            self._conninfo, open=False, configure=self._on_connect, check=self._check,
            **self._options)
        try:
            pool.open(wait=True, timeout=self._options["timeout"])
        except BaseException:
            pool.close()
            raise
        return pool

    # -- callbacks of psycopg_pool ---------------------------------------------------------
    def _on_connect(self, conn: Any) -> None:
        self._configure(conn)
        self._stamp(conn)

    def _stamp(self, conn: Any) -> None:
        self._idle_since[conn] = time.monotonic()

    def _check(self, conn: Any) -> None:
        since = self._idle_since.get(conn)
        if since is None or time.monotonic() - since >= self._check_idle_after:
            self._module.ConnectionPool.check_connection(conn)  # raises if it is gone

    # -- the store's side ------------------------------------------------------------------
    def _current(self) -> Any:
        with self._lock:
            if self._closed:
                raise StoreError("the store is closed")
            if self._pid != os.getpid():
                _FORK_ORPHANS.append(self._pool)
                self._pid = os.getpid()
                self._idle_since = weakref.WeakKeyDictionary()
                self._pool = self._open()
            return self._pool

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """Borrow a connection for the duration of the ``with`` block."""
        with self._current().connection() as conn:
            try:
                yield conn
            finally:
                # Stamped here rather than in a ``reset`` callback: with one, psycopg_pool
                # hands every returned connection to a worker thread (measured: 50 us per
                # borrow instead of 13).
                self._stamp(conn)

    def close(self) -> None:
        """Close the pool's connections (busy ones when they are given back)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pool, mine = self._pool, self._pid == os.getpid()
        if mine:
            pool.close()


__all__ = ["PgPool", "check_sizes"]
