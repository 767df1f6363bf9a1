"""What :class:`SqliteStore` and :class:`PostgresStore` share: the SQL of every operation, the
migration runner and a small thread-safe connection pool.

The SQL is written once with ``?`` placeholders; PostgreSQL rewrites them to ``%s``. The
dialects differ only in how a transaction is opened (``BEGIN IMMEDIATE`` on SQLite, row
locks on PostgreSQL) and in the lock clause of the lease query (``FOR UPDATE SKIP LOCKED``).
"""

# Only module constants (column lists, ORDER BY, the lock clause) are interpolated into SQL;
# every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import abc
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import attrs

from autotask_fn.store import _migrations
from autotask_fn.store.base import EntryStatus, InboxEntry, Link, LinkState, Scope
from autotask_fn.store.errors import StoreError, StoreSchemaError


class Cursor(Protocol):
    """The part of a DB-API cursor the stores use (sqlite3 and psycopg both fit)."""

    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> object: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


C = TypeVar("C")

#: Connections left behind in a forked child: never used and never closed there (closing
#: would end the parent's session too), only kept from the garbage collector.
_FORK_ORPHANS: list[object] = []


class ConnectionPool(Generic[C]):
    """At most ``max_size`` connections shared by threads; idle ones are reused.

    A connection that failed in a way that left it unusable (``healthy`` says so) is closed
    instead of being reused. One that sat idle for ``check_idle_after`` seconds or more is
    first probed with ``check`` (the server may have restarted or timed it out meanwhile) and
    replaced if the probe fails. After a fork, the child starts with an empty pool.
    """

    def __init__(
        self,
        connect: Callable[[], C],
        *,
        close: Callable[[C], None],
        healthy: Callable[[C], bool],
        min_size: int = 1,
        max_size: int = 4,
        timeout: float = 30.0,
        check: Callable[[C], bool] | None = None,
        check_idle_after: float = 30.0,
    ) -> None:
        if min_size < 0 or max_size < 1 or min_size > max_size:
            raise ValueError("need 0 <= min_size <= max_size and max_size >= 1")
        self._connect = connect
        self._close = close
        self._healthy = healthy
        self._check = check
        self._check_idle_after = check_idle_after
        self._max_size = max_size
        self._timeout = timeout
        self._cond = threading.Condition()
        self._idle: list[tuple[C, float]] = []  # with the monotonic time it was given back
        self._size = 0
        self._closed = False
        self._pid = os.getpid()
        for _ in range(min_size):
            self._idle.append((connect(), time.monotonic()))
            self._size += 1

    @contextmanager
    def connection(self) -> Iterator[C]:
        """Borrow a connection for the duration of the ``with`` block."""
        while True:
            conn, idle_since = self._acquire()
            if (
                self._check is None
                or idle_since is None
                or time.monotonic() - idle_since < self._check_idle_after
                or self._check(conn)
            ):
                break
            self._release(conn, keep=False)  # stale: close it and try the next one
        keep = False
        try:
            yield conn
            keep = True
        finally:
            self._release(conn, keep or self._healthy(conn))

    def _acquire(self) -> tuple[C, float | None]:
        deadline = time.monotonic() + self._timeout
        with self._cond:
            if self._pid != os.getpid():
                _FORK_ORPHANS.extend(conn for conn, _ in self._idle)
                self._idle, self._size, self._pid = [], 0, os.getpid()
            while True:
                if self._closed:
                    raise StoreError("the store is closed")
                if self._idle:
                    return self._idle.pop()
                if self._size < self._max_size:
                    self._size += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreError(
                        f"no database connection became free within {self._timeout:g} s "
                        f"(pool of {self._max_size})"
                    )
                self._cond.wait(remaining)
        try:
            return self._connect(), None
        except BaseException:
            with self._cond:
                self._size -= 1
                self._cond.notify()
            raise

    def _release(self, conn: C, keep: bool) -> None:
        with self._cond:
            if keep and not self._closed and self._pid == os.getpid():
                self._idle.append((conn, time.monotonic()))
                self._cond.notify()
                return
            self._size -= 1
            self._cond.notify()
        self._close(conn)

    def close(self) -> None:
        """Close idle connections now and busy ones when they are given back."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._size -= len(idle)
            self._cond.notify_all()
        for conn, _ in idle:
            self._close(conn)


_LINK_COLUMNS = (
    "fn_env, at_tenant, kind, fn_id, at_entity, at_id, work_order_id, content_hash, state,"
    " data, updated_at"
)
_ENTRY_COLUMNS = (
    "id, source, delivery_id, body, headers, status, attempts, received_at, next_attempt_at,"
    " lease_owner, lease_expires_at, last_error"
)
_ENTRY_ORDER = "ORDER BY received_at, id"


#: Stands for "now" in the parameters of :meth:`SqlStore._timed`.
_NOW: Any = object()


def _now(now: float | None) -> float:
    return time.time() if now is None else float(now)


def _dump(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), sort_keys=True, separators=(",", ":"))


def _link(row: Sequence[Any]) -> Link:
    return Link(
        scope=Scope(row[0], int(row[1])),
        kind=row[2],
        fn_id=row[3],
        at_entity=row[4],
        at_id=int(row[5]),
        work_order_id=int(row[6]),
        content_hash=row[7],
        state=LinkState(row[8]),
        data=json.loads(row[9]),
        updated_at=float(row[10]),
    )


def _entry(row: Sequence[Any]) -> InboxEntry:
    return InboxEntry(
        id=int(row[0]),
        source=row[1],
        delivery_id=row[2],
        body=bytes(row[3]),
        headers=json.loads(row[4]),
        status=EntryStatus(row[5]),
        attempts=int(row[6]),
        received_at=float(row[7]),
        next_attempt_at=float(row[8]),
        lease_owner=row[9],
        lease_expires_at=None if row[10] is None else float(row[10]),
        last_error=row[11],
    )


class SqlStore(abc.ABC):
    """The :class:`~autotask_fn.store.base.Store` protocol over a SQL database.

    Subclasses provide :meth:`_transaction` and the dialect details; everything else is here.
    """

    _dialect: ClassVar[_migrations.Dialect]
    _placeholder: ClassVar[str] = "?"
    _lease_lock: ClassVar[str] = ""
    #: SQL for "now" in Unix seconds on the database server; ``None``: this process's clock.
    #: Leases and locks taken without an explicit ``now`` use it, so that on a shared server
    #: a worker with a skewed clock can neither steal nor keep a lease or lock.
    _server_now: ClassVar[str | None] = None
    _table_exists: ClassVar[str] = (
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
    )
    _db_errors: tuple[type[BaseException], ...] = ()

    # -- plumbing --------------------------------------------------------------------
    @abc.abstractmethod
    def _transaction(self, write: bool) -> AbstractContextManager[Cursor]:
        """A cursor inside one transaction; ``write`` transactions serialise writers."""

    def _describe(self, exc: BaseException) -> str:
        """Text of a driver error, safe to show (subclasses remove secrets)."""
        return f"{type(exc).__name__}: {exc}"

    @contextmanager
    def _driver_errors(self) -> Iterator[None]:
        """Turn driver errors raised in the block into :class:`StoreError`."""
        try:
            yield
        except self._db_errors as exc:
            raise StoreError(f"{type(self).__name__}: {self._describe(exc)}") from exc

    @contextmanager
    def _tx(self, write: bool = True) -> Iterator[Cursor]:
        with self._driver_errors(), self._transaction(write) as cur:
            yield cur

    def _q(self, sql: str) -> str:
        return sql if self._placeholder == "?" else sql.replace("?", self._placeholder)

    def _timed(self, sql: str, params: Sequence[Any], now: float | None
               ) -> tuple[str, list[Any]]:
        """Fill each ``{now}`` of ``sql``: the database server's clock when ``now`` is
        ``None`` and the server has one, else a parameter. ``params`` holds :data:`_NOW`
        where a ``{now}`` parameter goes."""
        if now is None and self._server_now is not None:
            return sql.replace("{now}", self._server_now), [p for p in params if p is not _NOW]
        at = _now(now)
        return sql.replace("{now}", "?"), [at if p is _NOW else p for p in params]

    def _one(self, sql: str, params: Sequence[Any], *, write: bool = False) -> Any:
        with self._tx(write) as cur:
            cur.execute(self._q(sql), params)
            return cur.fetchone()

    def _all(self, sql: str, params: Sequence[Any]) -> list[Any]:
        with self._tx(False) as cur:
            cur.execute(self._q(sql), params)
            return cur.fetchall()

    def _change(self, sql: str, params: Sequence[Any]) -> bool:
        with self._tx(True) as cur:
            cur.execute(self._q(sql), params)
            return cur.rowcount > 0

    def _migrate(self, cur: Cursor) -> None:
        """Bring the schema up to date; call inside a write transaction."""
        migrations = _migrations.MIGRATIONS
        known = _migrations.known_version(migrations)
        # Read before writing anything: a database already up to date needs no DDL rights.
        cur.execute(self._q(self._table_exists), ("schema_meta",))
        if cur.fetchone()[0]:
            cur.execute("SELECT version FROM schema_meta WHERE id = 1")
            row = cur.fetchone()
            current = 0 if row is None else int(row[0])
        else:
            cur.execute(_migrations.SCHEMA_META[self._dialect])
            current = 0
        if current > known:
            raise StoreSchemaError(
                f"the database has schema version {current}, newer than the {known} this "
                "version of autotask-fn knows; upgrade autotask-fn",
                found=current,
                known=known,
            )
        if current == known:
            return
        for step in sorted(migrations, key=lambda m: m.version):
            if step.version <= current:
                continue
            for statement in step.statements(self._dialect):
                try:
                    cur.execute(statement)
                except self._db_errors as exc:
                    raise StoreSchemaError(
                        f"schema migration {step.version} ({step.description}) failed: "
                        f"{self._describe(exc)}",
                        found=current,
                        known=known,
                    ) from exc
        cur.execute(
            self._q(
                "INSERT INTO schema_meta (id, version, migrated_at) VALUES (1, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET version = excluded.version,"
                " migrated_at = excluded.migrated_at"
            ),
            (known, time.time()),
        )

    # -- links -----------------------------------------------------------------------
    def get_link(self, scope: Scope, kind: str, fn_id: str) -> Link | None:
        """The link of one Field Nation record, or ``None``."""
        row = self._one(
            f"SELECT {_LINK_COLUMNS} FROM links"
            " WHERE fn_env = ? AND at_tenant = ? AND kind = ? AND fn_id = ?",
            (scope.fn_env, scope.at_tenant, kind, fn_id),
        )
        return None if row is None else _link(row)

    def find_link_by_autotask(
        self, scope: Scope, kind: str, at_entity: str, at_id: int
    ) -> Link | None:
        """The link pointing at one Autotask record, or ``None``."""
        row = self._one(
            f"SELECT {_LINK_COLUMNS} FROM links WHERE fn_env = ? AND at_tenant = ?"
            " AND kind = ? AND at_entity = ? AND at_id = ? ORDER BY fn_id LIMIT 1",
            (scope.fn_env, scope.at_tenant, kind, at_entity, at_id),
        )
        return None if row is None else _link(row)

    def links_for_work_order(
        self, scope: Scope, work_order_id: int, kind: str | None = None
    ) -> list[Link]:
        """Every link of one work order (optionally of one kind), ordered by kind and id."""
        sql = f"SELECT {_LINK_COLUMNS} FROM links WHERE fn_env = ? AND at_tenant = ?"
        sql += " AND work_order_id = ?"
        params: list[Any] = [scope.fn_env, scope.at_tenant, work_order_id]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        return [_link(r) for r in self._all(sql + " ORDER BY kind, fn_id", params)]

    def list_links(
        self,
        scope: Scope | None = None,
        kind: str | None = None,
        state: LinkState | None = None,
    ) -> list[Link]:
        """Links filtered by scope, kind and state (all when ``None``)."""
        where: list[str] = []
        params: list[Any] = []
        if scope is not None:
            where.append("fn_env = ? AND at_tenant = ?")
            params += [scope.fn_env, scope.at_tenant]
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if state is not None:
            where.append("state = ?")
            params.append(LinkState(state).value)
        sql = f"SELECT {_LINK_COLUMNS} FROM links"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY fn_env, at_tenant, kind, fn_id"
        return [_link(r) for r in self._all(sql, params)]

    def save_link(self, link: Link) -> Link:
        """Insert or replace the link keyed by (scope, kind, fn_id); returns it as stored."""
        data = _dump(link.data)
        stored = attrs.evolve(link, data=json.loads(data), updated_at=time.time())
        with self._tx() as cur:
            cur.execute(
                self._q(
                    f"INSERT INTO links ({_LINK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (fn_env, at_tenant, kind, fn_id) DO UPDATE SET"
                    " at_entity = excluded.at_entity, at_id = excluded.at_id,"
                    " work_order_id = excluded.work_order_id,"
                    " content_hash = excluded.content_hash, state = excluded.state,"
                    " data = excluded.data, updated_at = excluded.updated_at"
                ),
                (
                    link.scope.fn_env,
                    link.scope.at_tenant,
                    link.kind,
                    link.fn_id,
                    link.at_entity,
                    link.at_id,
                    link.work_order_id,
                    link.content_hash,
                    LinkState(link.state).value,
                    data,
                    stored.updated_at,
                ),
            )
        return stored

    def delete_link(self, scope: Scope, kind: str, fn_id: str) -> bool:
        """Remove a link; ``True`` if it existed."""
        return self._change(
            "DELETE FROM links WHERE fn_env = ? AND at_tenant = ? AND kind = ? AND fn_id = ?",
            (scope.fn_env, scope.at_tenant, kind, fn_id),
        )

    # -- inbox -----------------------------------------------------------------------
    def enqueue(
        self,
        source: str,
        delivery_id: str,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        now: float | None = None,
        error: str | None = None,
    ) -> bool:
        """Store a delivery; ``False`` (and nothing stored) if (source, delivery_id) was seen
        before, whatever its status, even discarded. With ``error`` the entry is stored
        straight as a dead letter carrying that error (a bad record kept for replay)."""
        at = _now(now)
        with self._tx() as cur:
            cur.execute(
                self._q(
                    "INSERT INTO deliveries (source, delivery_id, first_seen_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (source, delivery_id) DO NOTHING RETURNING source"
                ),
                (source, delivery_id, at),
            )
            if cur.fetchone() is None:
                return False
            cur.execute(
                self._q(
                    "INSERT INTO inbox (source, delivery_id, body, headers, status, attempts,"
                    " received_at, next_attempt_at, last_error) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)"
                ),
                (
                    source,
                    delivery_id,
                    bytes(body),
                    _dump(headers or {}),
                    (EntryStatus.PENDING if error is None else EntryStatus.DEAD).value,
                    at,
                    at,
                    error,
                ),
            )
        return True

    def lease(
        self, owner: str, lease_seconds: float, *, limit: int = 1, now: float | None = None
    ) -> list[InboxEntry]:
        """Take up to ``limit`` due entries (pending and due, or leased with an expired
        lease), oldest first, lease them to ``owner`` and count the attempt."""
        if lease_seconds <= 0:
            raise ValueError("lease_seconds must be positive")
        if limit <= 0:
            return []
        sql, params = self._timed(
            "WITH due AS MATERIALIZED (SELECT id FROM inbox"
            " WHERE (status = 'pending' AND next_attempt_at <= {now})"
            " OR (status = 'leased' AND lease_expires_at <= {now})"
            f" {_ENTRY_ORDER} LIMIT ?{self._lease_lock})"
            " UPDATE inbox SET status = 'leased', lease_owner = ?,"
            " lease_expires_at = {now} + ?, attempts = attempts + 1"
            f" WHERE id IN (SELECT id FROM due) RETURNING {_ENTRY_COLUMNS}",
            (_NOW, _NOW, limit, owner, _NOW, float(lease_seconds)), now)
        with self._tx() as cur:
            cur.execute(self._q(sql), params)
            rows = cur.fetchall()
        entries = [_entry(r) for r in rows]
        entries.sort(key=lambda e: (e.received_at, e.id))
        return entries

    def complete(self, entry_id: int, owner: str) -> bool:
        """Mark a leased entry done; ``False`` if ``owner`` no longer holds the lease."""
        return self._change(
            "UPDATE inbox SET status = 'done', lease_owner = NULL, lease_expires_at = NULL"
            " WHERE id = ? AND status = 'leased' AND lease_owner = ?",
            (entry_id, owner),
        )

    def retry_later(self, entry_id: int, owner: str, error: str, retry_at: float) -> bool:
        """Give a leased entry back to be tried again at ``retry_at``, recording the error;
        ``False`` if ``owner`` no longer holds the lease."""
        return self._change(
            "UPDATE inbox SET status = 'pending', next_attempt_at = ?, last_error = ?,"
            " lease_owner = NULL, lease_expires_at = NULL"
            " WHERE id = ? AND status = 'leased' AND lease_owner = ?",
            (float(retry_at), error, entry_id, owner),
        )

    def dead_letter(self, entry_id: int, owner: str | None, error: str) -> bool:
        """Move an entry to the dead letters with the error that killed it.

        With an ``owner``, only the holder of the lease can; with ``None`` (an administrator)
        any pending or leased entry can be moved.
        """
        sql = (
            "UPDATE inbox SET status = 'dead', last_error = ?, lease_owner = NULL,"
            " lease_expires_at = NULL WHERE id = ?"
        )
        if owner is None:
            return self._change(sql + " AND status IN ('pending', 'leased')", (error, entry_id))
        return self._change(
            sql + " AND status = 'leased' AND lease_owner = ?", (error, entry_id, owner)
        )

    def get_entry(self, entry_id: int) -> InboxEntry | None:
        """One entry by id, in any status."""
        row = self._one(f"SELECT {_ENTRY_COLUMNS} FROM inbox WHERE id = ?", (entry_id,))
        return None if row is None else _entry(row)

    def list_entries(
        self, status: EntryStatus | None = None, *, limit: int = 100
    ) -> list[InboxEntry]:
        """Entries by status (all when ``None``), oldest first."""
        if status is None:
            rows = self._all(f"SELECT {_ENTRY_COLUMNS} FROM inbox {_ENTRY_ORDER} LIMIT ?", (limit,))
        else:
            rows = self._all(
                f"SELECT {_ENTRY_COLUMNS} FROM inbox WHERE status = ? {_ENTRY_ORDER} LIMIT ?",
                (EntryStatus(status).value, limit),
            )
        return [_entry(r) for r in rows]

    def replay(self, entry_id: int, *, now: float | None = None) -> bool:
        """Put a dead (or done) entry back to pending, due now, attempts reset."""
        return self._change(
            "UPDATE inbox SET status = 'pending', next_attempt_at = ?, attempts = 0,"
            " lease_owner = NULL, lease_expires_at = NULL"
            " WHERE id = ? AND status IN ('dead', 'done')",
            (_now(now), entry_id),
        )

    def discard(self, entry_id: int) -> bool:
        """Delete an entry for good; its delivery id stays remembered for de-duplication."""
        return self._change("DELETE FROM inbox WHERE id = ?", (entry_id,))

    def count_entries(self, status: EntryStatus | None = None) -> int:
        """How many entries have a status (all when ``None``)."""
        if status is None:
            row = self._one("SELECT COUNT(*) FROM inbox", ())
        else:
            row = self._one(
                "SELECT COUNT(*) FROM inbox WHERE status = ?", (EntryStatus(status).value,)
            )
        return int(row[0])

    def purge(self, *, done_before: float, forget_deliveries_before: float | None = None) -> int:
        """Housekeeping (not part of the protocol): delete done entries received before
        ``done_before``, and, if given, forget delivery ids first seen before
        ``forget_deliveries_before`` (a delivery repeated after that is accepted again, so
        keep it well beyond the senders' retry horizon). Returns the entries deleted.
        Dead, pending and leased entries are never purged."""
        with self._tx() as cur:
            cur.execute(
                self._q("DELETE FROM inbox WHERE status = 'done' AND received_at < ?"),
                (float(done_before),),
            )
            deleted = cur.rowcount
            if forget_deliveries_before is not None:
                cur.execute(
                    self._q(
                        "DELETE FROM deliveries WHERE first_seen_at < ? AND NOT EXISTS"
                        " (SELECT 1 FROM inbox WHERE inbox.source = deliveries.source"
                        " AND inbox.delivery_id = deliveries.delivery_id)"
                    ),
                    (float(forget_deliveries_before),),
                )
        return int(deleted)

    # -- locks and intents -----------------------------------------------------------
    def try_lock(self, key: str, owner: str, ttl: float, *, now: float | None = None) -> bool:
        """Take (or renew, for the same owner) a lock that expires after ``ttl`` seconds.

        A single atomic upsert: it inserts the lock, or takes it over when it expired, or
        renews it when ``owner`` already holds it; otherwise nothing changes.
        """
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        sql, params = self._timed(
            "INSERT INTO locks (key, owner, expires_at) VALUES (?, ?, {now} + ?)"
            " ON CONFLICT (key) DO UPDATE SET owner = excluded.owner,"
            " expires_at = excluded.expires_at"
            " WHERE locks.expires_at <= {now} OR locks.owner = excluded.owner"
            " RETURNING owner",
            (key, owner, _NOW, float(ttl), _NOW), now)
        row = self._one(sql, params, write=True)
        return row is not None

    def renew_lock(self, key: str, owner: str, ttl: float, *, now: float | None = None) -> bool:
        """Extend a lock ``owner`` still holds to ``ttl`` seconds from now; ``False`` (and
        nothing changed) when another owner took it over or it was released.

        Unlike :meth:`try_lock` this never takes a lock that is free: a worker whose lock was
        taken over and released again meanwhile learns that it lost it (a fence).
        """
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        sql, params = self._timed(
            "UPDATE locks SET expires_at = {now} + ? WHERE key = ? AND owner = ?",
            (_NOW, float(ttl), key, owner), now)
        return self._change(sql, params)

    def unlock(self, key: str, owner: str) -> bool:
        """Release a lock held by ``owner``; ``False`` if someone else holds it (or nobody)."""
        return self._change("DELETE FROM locks WHERE key = ? AND owner = ?", (key, owner))

    def put_intent(self, key: str, value: Mapping[str, Any]) -> None:
        """Record an intent (a write about to be made) under ``key``, replacing any."""
        with self._tx() as cur:
            cur.execute(
                self._q(
                    "INSERT INTO intents (key, value, created_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                    " created_at = excluded.created_at"
                ),
                (key, _dump(value), time.time()),
            )

    def get_intent(self, key: str) -> dict[str, Any] | None:
        """The intent recorded under ``key``, if any."""
        row = self._one("SELECT value FROM intents WHERE key = ?", (key,))
        if row is None:
            return None
        value: dict[str, Any] = json.loads(row[0])
        return value

    def delete_intent(self, key: str) -> bool:
        """Forget an intent; ``True`` if there was one."""
        return self._change("DELETE FROM intents WHERE key = ?", (key,))

    # -- lifecycle -------------------------------------------------------------------
    def schema_version(self) -> int:
        """The schema version of the open database."""
        row = self._one("SELECT version FROM schema_meta WHERE id = 1", ())
        return 0 if row is None else int(row[0])

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


_S = TypeVar("_S", bound=SqlStore)

__all__ = ["ConnectionPool", "Cursor", "SqlStore"]
