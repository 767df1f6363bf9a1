"""The link store for many workers: PostgreSQL through psycopg 3 (``autotask-fn[postgres]``)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from autotask_fn._redact import REDACTED, redact_text
from autotask_fn.errors import ConfigurationError
from autotask_fn.store._pgpool import PgPool, check_sizes
from autotask_fn.store._sql import Cursor, SqlStore

_SCHEMA_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
#: ``password`` and ``sslpassword`` (the client key's pass phrase) are both secrets.
_KV_PASSWORD_RE = re.compile(
    r"(?i)\b((?:ssl)?password)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)"
)
_SECRET_KEYS = ("password", "sslpassword")


def redact_dsn(dsn: str) -> str:
    """``dsn`` (URL or ``key=value`` form) with any password replaced by ``[REDACTED]``.

    A PostgreSQL DSN is read with psycopg's own parser (``conninfo_to_dict``), exactly as the
    connection reads it, and written back in ``key=value`` form (``make_conninfo``): a
    password holding ``#``, ``?``, ``@`` or any other URL-special character never shows. A
    DSN psycopg cannot read is not shown at all. Other URLs (Redis) are split as URLs.
    """
    scheme = dsn.split("://", 1)[0].lower() if "://" in dsn else ""
    if scheme in ("", "postgres", "postgresql"):
        try:
            from psycopg import conninfo
        except ImportError:  # pragma: no cover - depends on the environment
            conninfo = None  # type: ignore[assignment]
        if conninfo is not None:
            try:
                params = conninfo.conninfo_to_dict(dsn)
            except Exception:  # unreadable: show nothing of it
                return f"{REDACTED} (unreadable DSN)"
            for key in _SECRET_KEYS:
                if params.get(key) is not None:
                    params[key] = REDACTED
            return str(conninfo.make_conninfo("", **params))
    if "://" not in dsn:
        return _KV_PASSWORD_RE.sub(lambda m: f"{m.group(1).lower()}={REDACTED}", dsn)
    parts = urlsplit(dsn)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":" + REDACTED
        netloc = f"{userinfo}@{host}"
    query = parts.query
    if query:
        pairs = [
            (k, REDACTED if k.lower() in _SECRET_KEYS else v)
            for k, v in parse_qsl(query, keep_blank_values=True)
        ]
        query = urlencode(pairs, safe="[]")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class PostgresStore(SqlStore):
    """The :class:`~autotask_fn.store.base.Store` protocol in a PostgreSQL schema.

    Safe for threads, processes and machines sharing one database: leases take rows with
    ``SELECT ... FOR UPDATE SKIP LOCKED`` (two workers never lease the same entry), locks are
    rows with an expiry taken by one atomic upsert, deliveries are de-duplicated by a unique
    constraint, and migrations on open are serialised by ``pg_advisory_xact_lock``. Opening a
    database that is already up to date runs no DDL, so workers can connect as a role that
    may only read and write the tables (and use their sequences), while a deploy step with
    DDL rights migrates.

    All tables live in ``schema`` (created if missing), so one database can hold several
    independent stores. Connections come from a ``psycopg_pool`` pool of ``min_size`` to
    ``max_size`` psycopg connections (named ``application_name`` in ``pg_stat_activity``): one
    that sat idle for ``check_idle_after`` seconds is probed before use and replaced if the
    server dropped it, a broken one is discarded when given back, each is replaced after
    ``max_lifetime`` seconds, idle ones above ``min_size`` are closed after ``max_idle``, and a
    caller waits at most ``pool_timeout`` seconds for one. Opening the store connects once
    directly (a server that cannot be reached fails at once, with its reason) to migrate. The
    ``repr`` and every error show the DSN without its password.
    """

    _dialect: ClassVar = "postgres"
    _placeholder: ClassVar[str] = "%s"
    _lease_lock: ClassVar[str] = " FOR UPDATE SKIP LOCKED"
    _server_now: ClassVar[str | None] = "CAST(EXTRACT(EPOCH FROM now()) AS double precision)"
    _table_exists: ClassVar[str] = "SELECT to_regclass(?) IS NOT NULL"

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "autotask_fn",
        min_size: int = 1,
        max_size: int = 4,
        connect_timeout: float = 10.0,
        pool_timeout: float = 30.0,
        check_idle_after: float = 30.0,
        application_name: str = "autotask-fn",
        max_lifetime: float = 3600.0,
        max_idle: float = 600.0,
    ) -> None:
        try:
            import psycopg
            import psycopg_pool  # noqa: F401  (used by the pool; checked here to fail early)
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ConfigurationError(
                "PostgresStore needs psycopg 3 and psycopg-pool: "
                "pip install 'autotask-fn[postgres]'"
            ) from exc
        if not _SCHEMA_RE.match(schema):
            raise ConfigurationError(
                f"schema name {schema!r} is not a plain identifier (letters, digits, _)"
            )
        check_sizes(min_size, max_size)
        self._psycopg: Any = psycopg
        self._db_errors = (psycopg.Error,)
        self._dsn = dsn
        self._secrets = _dsn_secrets(psycopg, dsn)
        self.schema = schema
        """The PostgreSQL schema holding the tables."""
        self._connect_timeout = connect_timeout
        self._application_name = application_name
        with self._driver_errors():
            first = self._connect()
            try:
                with first.transaction(), first.cursor() as cur:
                    cur.execute(
                        "SELECT pg_advisory_xact_lock(%s)",
                        (zlib.crc32(f"autotask_fn.migrate:{schema}".encode()),),
                    )
                    cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
                    if cur.fetchone() is None:
                        cur.execute(f'CREATE SCHEMA "{schema}"')
                    self._migrate(cur)
            finally:
                first.close()
            self._pool = PgPool(
                dsn,
                kwargs=self._connect_kwargs(),
                configure=self._configure,
                min_size=min_size,
                max_size=max_size,
                timeout=pool_timeout,
                check_idle_after=check_idle_after,
                max_lifetime=max_lifetime,
                max_idle=max_idle,
                name=application_name,
            )

    @property
    def dsn(self) -> str:
        """The DSN with its password replaced by ``[REDACTED]``."""
        return redact_dsn(self._dsn)

    def _connect_kwargs(self) -> dict[str, Any]:
        return {
            "autocommit": True,
            "connect_timeout": max(1, int(self._connect_timeout)),
            "application_name": self._application_name,
        }

    def _connect(self) -> Any:
        conn = self._psycopg.connect(self._dsn, **self._connect_kwargs())
        self._configure(conn)
        return conn

    def _configure(self, conn: Any) -> None:
        conn.execute(f'SET search_path TO "{self.schema}"')

    def _describe(self, exc: BaseException) -> str:
        return redact_text(f"{type(exc).__name__}: {exc}".strip(), self._secrets)

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Cursor]:
        with self._pool.connection() as conn:
            if write:
                with conn.transaction(), conn.cursor() as cur:
                    yield cur
            else:
                with conn.cursor() as cur:
                    yield cur

    def close(self) -> None:
        """Close the pooled connections."""
        self._pool.close()

    def __repr__(self) -> str:
        return f"PostgresStore({self.dsn!r}, schema={self.schema!r})"


def _dsn_secrets(psycopg: Any, dsn: str) -> list[str]:
    try:
        params = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.Error:
        return []
    found = [str(params[k]) for k in _SECRET_KEYS if params.get(k)]
    # as they may appear in a message: as given, and percent-encoded as in a URL
    return [*found, *(quote(s, safe="") for s in found if quote(s, safe="") != s)]


__all__ = ["PostgresStore", "redact_dsn"]
