"""Autotask limits shared by many workers (processes, machines): Redis or PostgreSQL.

Autotask's limits are per tenant, not per process: 3 requests in flight per endpoint, 10,000,000
attachment bytes per 5 minutes, and an hourly request budget. :class:`RedisLimiter` (extra
``autotask-fn[redis]``) and :class:`PostgresLimiter` (extra ``autotask-fn[postgres]``)
implement the :class:`autotask_fn.autotask.limits.Limiter` protocol so that every worker of
one tenant keeps to them together::

    limiter = RedisLimiter("redis://redis:6379/0", key_prefix=f"autotask_fn:{zone.ci}")
    client = AutotaskClient(username, secret, code, limiter=limiter)

How each limit is kept (the same way on both backends):

* **slots**: per endpoint, a set of slot holders, each with a lease expiry. Taking a slot
  drops expired holders and adds the caller only when fewer than ``max_concurrent`` remain,
  atomically (a Lua script; a transaction under an advisory lock). A background thread
  renews the leases of the slots this process holds, so a long request keeps its slot, while
  a worker that dies stops renewing and loses its slot after at most ``lease_seconds``.
* **attachment bytes**: the uploads of the last ``attachment_window`` seconds (a sliding
  window); an upload is recorded only if it fits, otherwise the wait is returned.
* **hourly budget**: the usage each worker reads from ``ThresholdInformation`` is shared,
  together with a count of the requests every worker sent since, so all workers slow down
  as the tenant nears its threshold.

All times come from the server clock (Redis ``TIME``, PostgreSQL ``clock_timestamp()``), so
workers on machines with skewed clocks agree.
"""

# Only module constants (the clock expression) are interpolated into SQL; values are bound.
# ruff: noqa: S608

from __future__ import annotations

import abc
import logging
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, TypedDict

from typing_extensions import Unpack

from autotask_fn.errors import ConfigurationError
from autotask_fn.store.errors import StoreError
from autotask_fn.store.postgres import redact_dsn

if TYPE_CHECKING:
    import redis

    from autotask_fn.autotask.metadata import ThresholdInfo
    from autotask_fn.store.postgres import PostgresStore

log = logging.getLogger(__name__)

# KEYS[1] slot set; ARGV: token, max holders, lease ms. Returns 1 when the slot was taken.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], lease * 2)
  return 1
end
return 0
"""

# KEYS[1] slot set; ARGV: lease ms, tokens... Extends the leases still held; returns how many.
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
local held = 0
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) > now then
    redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i])
    held = held + 1
  end
end
if held > 0 then redis.call('PEXPIRE', KEYS[1], lease * 2) end
return held
"""

# KEYS[1] upload set; ARGV: nbytes, limit, window ms, unique id.
# Returns 0 when recorded, else the milliseconds until the upload fits.
_ATTACHMENT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local uploads = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #uploads, 2 do
  used = used + tonumber(string.match(uploads[i], ':(%d+)$'))
end
if used + n <= limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4] .. ':' .. ARGV[1])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local freed = 0
for i = 1, #uploads, 2 do
  freed = freed + tonumber(string.match(uploads[i], ':(%d+)$'))
  if used - freed + n <= limit then
    return math.max(1, tonumber(uploads[i + 1]) + window - now)
  end
end
return window
"""

# KEYS[1] usage hash, KEYS[2] requests-since counter. Counts one request when a usage was
# observed (the counter keeps the hash's expiry); returns {count, threshold, since} or {}.
_REQUEST = """
local v = redis.call('HMGET', KEYS[1], 'count', 'threshold')
if not v[1] or not v[2] then return {} end
local since = redis.call('INCR', KEYS[2])
return {v[1], v[2], tostring(since)}
"""



class LimiterSettings(TypedDict, total=False):
    """The settings every shared limiter takes as keywords (see :class:`SharedLimiter`)."""

    max_concurrent: int
    lease_seconds: float
    attachment_bytes: int
    attachment_window: float
    threshold_every: int
    slow_above: float
    max_pause: float
    poll_interval: float
    acquire_timeout: float | None


Usage = tuple[int, int, int]
"""(requests counted at the last observation, the threshold, requests sent since)."""


class SharedLimiter(abc.ABC):
    """What :class:`RedisLimiter` and :class:`PostgresLimiter` share: the
    :class:`~autotask_fn.autotask.limits.Limiter` protocol over a few atomic primitives of a
    shared backend.

    ``key_prefix`` names the tenant's keys (include the tenant id: limits are per tenant).
    ``max_concurrent`` requests per endpoint may be in flight across all workers; a holder's
    slot lease lasts ``lease_seconds`` and is renewed while the request runs.
    ``attachment_bytes`` may be uploaded per ``attachment_window`` seconds. Above
    ``slow_above`` of the hourly budget, :meth:`pause_before_request` asks for pauses growing
    to ``max_pause`` seconds at 100%. ``acquire_timeout`` (seconds, ``None`` = wait forever)
    bounds the wait for a slot, then :class:`~autotask_fn.store.errors.StoreError` is raised;
    while waiting, the slot is asked for every ``poll_interval`` seconds (with jitter).
    ``threshold_every`` tells the client how often to read ``ThresholdInformation``.
    """

    def __init__(
        self,
        *,
        key_prefix: str,
        max_concurrent: int = 3,
        lease_seconds: float = 10.0,
        attachment_bytes: int = 10_000_000,
        attachment_window: float = 300.0,
        threshold_every: int = 250,
        slow_above: float = 0.8,
        max_pause: float = 5.0,
        poll_interval: float = 0.05,
        acquire_timeout: float | None = None,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        if lease_seconds <= 0:
            raise ValueError("lease_seconds must be positive")
        self.key_prefix = key_prefix
        self.max_concurrent = max_concurrent
        self.lease_seconds = lease_seconds
        self.attachment_bytes = attachment_bytes
        self.attachment_window = attachment_window
        self.threshold_every = threshold_every
        self.slow_above = slow_above
        self.max_pause = max_pause
        self.poll_interval = poll_interval
        self.acquire_timeout = acquire_timeout
        self._lock = threading.Lock()
        self._held: dict[str, set[str]] = {}
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    # -- primitives of a backend -------------------------------------------------------
    @abc.abstractmethod
    def _errors(self) -> AbstractContextManager[None]:
        """Turn backend errors into :class:`StoreError` without secrets."""

    @abc.abstractmethod
    def _try_acquire(self, key: str, token: str) -> bool:
        """Atomically drop expired holders of ``key`` and add ``token`` if there is room."""

    @abc.abstractmethod
    def _release(self, key: str, token: str) -> None:
        """Remove ``token`` from the holders of ``key``."""

    @abc.abstractmethod
    def _renew(self, key: str, tokens: list[str]) -> int:
        """Extend the leases of the ``tokens`` still holding ``key``; how many still do."""

    @abc.abstractmethod
    def _holders(self, key: str) -> int:
        """How many unexpired holders ``key`` has."""

    @abc.abstractmethod
    def _record_upload(self, nbytes: int) -> float:
        """Record ``nbytes`` and return 0.0 if they fit in the window, else the wait."""

    @abc.abstractmethod
    def _share_usage(self, count: int, threshold: int, ttl: float) -> None:
        """Publish an observed usage for ``ttl`` seconds and reset the requests-since count."""

    @abc.abstractmethod
    def _read_usage(self, *, count_request: bool) -> Usage | None:
        """The shared usage (``None`` if none is current), counting one request if asked."""

    @abc.abstractmethod
    def _close_backend(self) -> None:
        """Release connections."""

    def _key(self, *parts: str) -> str:
        return ":".join([self.key_prefix, *parts])

    # -- slots -------------------------------------------------------------------------
    @contextmanager
    def slot(self, endpoint: str) -> Iterator[None]:
        """Hold one of the ``max_concurrent`` slots of ``endpoint`` (shared by all workers)
        for the duration of the block; waits while they are all taken."""
        key = self._key("slots", endpoint.lower())
        token = uuid.uuid4().hex
        deadline = None if self.acquire_timeout is None else time.monotonic() + self.acquire_timeout
        with self._errors():
            while not self._try_acquire(key, token):
                if deadline is not None and time.monotonic() >= deadline:
                    raise StoreError(
                        f"no {endpoint} slot became free within {self.acquire_timeout:g} s"
                    )
                time.sleep(self.poll_interval * (0.5 + random.random()))
        self._hold(key, token)
        try:
            yield
        finally:
            self._drop(key, token)
            with self._errors():
                self._release(key, token)

    def in_flight(self, endpoint: str) -> int:
        """How many slots of ``endpoint`` are held right now, by all workers."""
        with self._errors():
            return self._holders(self._key("slots", endpoint.lower()))

    def _hold(self, key: str, token: str) -> None:
        with self._lock:
            self._held.setdefault(key, set()).add(token)
            if self._heartbeat is None or not self._heartbeat.is_alive():
                self._stop.clear()
                self._heartbeat = threading.Thread(
                    target=self._renew_loop, name="autotask-fn-limiter-leases", daemon=True
                )
                self._heartbeat.start()

    def _drop(self, key: str, token: str) -> None:
        with self._lock:
            tokens = self._held.get(key)
            if tokens is not None:
                tokens.discard(token)
                if not tokens:
                    del self._held[key]

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            with self._lock:
                held = {key: sorted(tokens) for key, tokens in self._held.items()}
            for key, tokens in held.items():
                try:
                    kept = self._renew(key, tokens)
                except Exception as exc:  # keep renewing the others; the next round retries
                    log.warning("could not renew limiter slots on %s: %s", key, exc)
                    continue
                if kept < len(tokens):
                    lost = len(tokens) - kept
                    log.warning("%d limiter slot(s) on %s expired while held", lost, key)

    def close(self) -> None:
        """Stop renewing slot leases and release the backend's connections."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=5)
        self._close_backend()

    # -- attachment bytes --------------------------------------------------------------
    def attachment_budget(self, nbytes: int) -> float:
        """0.0 if ``nbytes`` may be uploaded now (then recorded for every worker), else the
        seconds to wait before asking again (nothing recorded)."""
        if nbytes > self.attachment_bytes:
            raise ValueError(
                f"an attachment of {nbytes} bytes exceeds the {self.attachment_bytes}-byte "
                f"budget per {self.attachment_window:.0f} s"
            )
        with self._errors():
            return self._record_upload(int(nbytes))

    # -- hourly budget -----------------------------------------------------------------
    def observe_threshold(self, info: ThresholdInfo) -> None:
        """Share the tenant's usage read from ``ThresholdInformation`` with every worker."""
        ttl = max(60.0, float(info.request_threshold_timeframe or 60) * 60)
        with self._errors():
            self._share_usage(
                info.current_timeframe_request_count, info.external_request_threshold, ttl
            )

    @property
    def usage(self) -> float:
        """Estimated share of the hourly budget used: the last observed usage plus the
        requests all workers sent since (0.0 when nothing was observed lately)."""
        with self._errors():
            return _fraction(self._read_usage(count_request=False))

    def pause_before_request(self) -> float:
        """Count one request for every worker; 0.0 below ``slow_above`` of the budget, then a
        pause growing linearly to ``max_pause`` at 100%."""
        with self._errors():
            usage = _fraction(self._read_usage(count_request=True))
        if usage <= self.slow_above:
            return 0.0
        span = max(1e-9, 1.0 - self.slow_above)
        return min(self.max_pause, self.max_pause * (usage - self.slow_above) / span)


def _fraction(usage: Usage | None) -> float:
    if usage is None:
        return 0.0
    count, threshold, since = usage
    return 1.0 if threshold <= 0 else (count + since) / threshold


class RedisLimiter(SharedLimiter):
    """A :class:`~autotask_fn.autotask.limits.Limiter` shared through Redis by every worker
    of one Autotask tenant (see :class:`SharedLimiter` for the settings).

    Slots are sorted sets scored by lease expiry, uploads a sorted set scored by time; each
    step is one Lua script, so it is atomic. ``client`` may be a ready ``redis.Redis``.
    The Redis URL is shown without its password.
    """

    def __init__(
        self,
        redis_url: str = "redis://127.0.0.1:6379/0",
        *,
        key_prefix: str,
        client: redis.Redis | None = None,
        **settings: Unpack[LimiterSettings],
    ) -> None:
        super().__init__(key_prefix=key_prefix, **settings)
        if client is None:
            try:
                import redis
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise ConfigurationError(
                    "RedisLimiter needs the redis client: pip install 'autotask-fn[redis]'"
                ) from exc
            client = redis.Redis.from_url(redis_url)
        self._redis: Any = client
        self._url = redis_url
        self._acquire_script: Any = client.register_script(_ACQUIRE)
        self._renew_script: Any = client.register_script(_RENEW)
        self._attachment_script: Any = client.register_script(_ATTACHMENT)
        self._request_script: Any = client.register_script(_REQUEST)

    def __repr__(self) -> str:
        return (
            f"RedisLimiter({redact_dsn(self._url)!r}, key_prefix={self.key_prefix!r}, "
            f"max_concurrent={self.max_concurrent})"
        )

    @property
    def _lease_ms(self) -> int:
        return max(1, int(self.lease_seconds * 1000))

    @contextmanager
    def _errors(self) -> Iterator[None]:
        import redis

        try:
            yield
        except redis.RedisError as exc:
            raise StoreError(
                f"RedisLimiter at {redact_dsn(self._url)}: {type(exc).__name__}: {exc}"
            ) from None

    def _try_acquire(self, key: str, token: str) -> bool:
        args = [token, self.max_concurrent, self._lease_ms]
        return bool(self._acquire_script(keys=[key], args=args))

    def _release(self, key: str, token: str) -> None:
        self._redis.zrem(key, token)

    def _renew(self, key: str, tokens: list[str]) -> int:
        return int(self._renew_script(keys=[key], args=[self._lease_ms, *tokens]))

    def _holders(self, key: str) -> int:
        seconds, micros = self._redis.time()
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        return int(self._redis.zcount(key, f"({now_ms}", "+inf"))

    def _record_upload(self, nbytes: int) -> float:
        window_ms = max(1, int(self.attachment_window * 1000))
        args = [nbytes, self.attachment_bytes, window_ms, uuid.uuid4().hex]
        return int(self._attachment_script(keys=[self._key("attachments")], args=args)) / 1000.0

    def _share_usage(self, count: int, threshold: int, ttl: float) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._key("usage"), mapping={"count": count, "threshold": threshold})
        pipe.expire(self._key("usage"), int(ttl))
        pipe.set(self._key("since"), 0, ex=int(ttl))
        pipe.execute()

    def _read_usage(self, *, count_request: bool) -> Usage | None:
        if count_request:
            seen = self._request_script(keys=[self._key("usage"), self._key("since")])
        else:
            seen = [*self._redis.hmget(self._key("usage"), "count", "threshold")]
            seen.append(self._redis.get(self._key("since")))
        if not seen or seen[0] is None or seen[1] is None:
            return None
        return int(seen[0]), int(seen[1]), int(seen[2] or 0)

    def _close_backend(self) -> None:
        self._redis.close()


_PG_TABLES = (
    "CREATE TABLE IF NOT EXISTS limiter_slots ("
    " key TEXT NOT NULL, token TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY (key, token))",
    "CREATE TABLE IF NOT EXISTS limiter_uploads ("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, key TEXT NOT NULL,"
    " at DOUBLE PRECISION NOT NULL, nbytes BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS limiter_uploads_key_at ON limiter_uploads (key, at)",
    "CREATE TABLE IF NOT EXISTS limiter_usage ("
    " key TEXT PRIMARY KEY, count BIGINT NOT NULL, threshold BIGINT NOT NULL,"
    " since BIGINT NOT NULL DEFAULT 0, expires_at DOUBLE PRECISION NOT NULL)",
)
_PG_NOW = "extract(epoch from clock_timestamp())::double precision"
#: First half of the two-int advisory lock keys the limiter takes (one per limiter key).
_PG_LOCK_CLASS = 0x4154


class PostgresLimiter(SharedLimiter):
    """A :class:`~autotask_fn.autotask.limits.Limiter` shared through PostgreSQL by every
    worker of one Autotask tenant (see :class:`SharedLimiter` for the settings).

    Give it the :class:`~autotask_fn.store.PostgresStore` the workers already use (its
    connections are shared) or a DSN (then ``schema`` names the schema to use; it is ignored
    with a store). Its three ``limiter_*`` tables are created in the store's schema if
    missing; a DSN-opened store is closed by :meth:`close`. Each step is one short
    transaction serialised per limiter key by ``pg_advisory_xact_lock``; times come from the
    database clock.
    """

    def __init__(
        self,
        store: PostgresStore | str,
        *,
        key_prefix: str,
        schema: str = "autotask_fn",
        **settings: Unpack[LimiterSettings],
    ) -> None:
        super().__init__(key_prefix=key_prefix, **settings)
        from autotask_fn.store.postgres import PostgresStore

        self._own_store = isinstance(store, str)
        self._store = PostgresStore(store, schema=schema) if isinstance(store, str) else store
        with self._store._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, 0)", (_PG_LOCK_CLASS,))
            cur.execute(
                "SELECT to_regclass('limiter_slots') IS NOT NULL"
                " AND to_regclass('limiter_uploads') IS NOT NULL"
                " AND to_regclass('limiter_usage') IS NOT NULL"
            )
            if not cur.fetchone()[0]:  # no DDL when they exist: workers may lack DDL rights
                for statement in _PG_TABLES:
                    cur.execute(statement)

    def __repr__(self) -> str:
        return (
            f"PostgresLimiter({self._store!r}, key_prefix={self.key_prefix!r}, "
            f"max_concurrent={self.max_concurrent})"
        )

    @contextmanager
    def _errors(self) -> Iterator[None]:
        yield  # the store's transactions already raise StoreError without secrets

    @contextmanager
    def _locked(self, key: str) -> Iterator[Any]:
        with self._store._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_PG_LOCK_CLASS, key))
            yield cur

    def _try_acquire(self, key: str, token: str) -> bool:
        with self._locked(key) as cur:
            cur.execute(
                f"DELETE FROM limiter_slots WHERE key = %s AND expires_at <= {_PG_NOW}", (key,)
            )
            cur.execute(
                f"INSERT INTO limiter_slots (key, token, expires_at) SELECT %s, %s, {_PG_NOW} + %s"
                " WHERE (SELECT count(*) FROM limiter_slots WHERE key = %s) < %s RETURNING token",
                (key, token, self.lease_seconds, key, self.max_concurrent),
            )
            return cur.fetchone() is not None

    def _release(self, key: str, token: str) -> None:
        with self._store._tx() as cur:
            cur.execute("DELETE FROM limiter_slots WHERE key = %s AND token = %s", (key, token))

    def _renew(self, key: str, tokens: list[str]) -> int:
        with self._store._tx() as cur:
            cur.execute(
                f"UPDATE limiter_slots SET expires_at = {_PG_NOW} + %s WHERE key = %s"
                f" AND token = ANY(%s) AND expires_at > {_PG_NOW}",
                (self.lease_seconds, key, tokens),
            )
            return int(cur.rowcount)

    def _holders(self, key: str) -> int:
        with self._store._tx(False) as cur:
            cur.execute(
                f"SELECT count(*) FROM limiter_slots WHERE key = %s AND expires_at > {_PG_NOW}",
                (key,),
            )
            return int(cur.fetchone()[0])

    def _record_upload(self, nbytes: int) -> float:
        key = self._key("attachments")
        with self._locked(key) as cur:
            cur.execute(f"SELECT {_PG_NOW}")
            now = float(cur.fetchone()[0])
            window = self.attachment_window
            cur.execute(
                "DELETE FROM limiter_uploads WHERE key = %s AND at <= %s", (key, now - window)
            )
            cur.execute(
                "SELECT at, nbytes FROM limiter_uploads WHERE key = %s ORDER BY at, id", (key,)
            )
            uploads = [(float(at), int(n)) for at, n in cur.fetchall()]
            used = sum(n for _, n in uploads)
            if used + nbytes <= self.attachment_bytes:
                cur.execute(
                    "INSERT INTO limiter_uploads (key, at, nbytes) VALUES (%s, %s, %s)",
                    (key, now, nbytes),
                )
                return 0.0
            freed = 0
            for at, n in uploads:
                freed += n
                if used - freed + nbytes <= self.attachment_bytes:
                    return max(0.001, at + window - now)
            return window  # pragma: no cover - nbytes <= attachment_bytes was checked

    def _share_usage(self, count: int, threshold: int, ttl: float) -> None:
        with self._store._tx() as cur:
            cur.execute(
                "INSERT INTO limiter_usage (key, count, threshold, since, expires_at)"
                f" VALUES (%s, %s, %s, 0, {_PG_NOW} + %s) ON CONFLICT (key) DO UPDATE SET"
                " count = excluded.count, threshold = excluded.threshold, since = 0,"
                " expires_at = excluded.expires_at",
                (self._key("usage"), count, threshold, ttl),
            )

    def _read_usage(self, *, count_request: bool) -> Usage | None:
        with self._store._tx(count_request) as cur:
            if count_request:
                cur.execute(
                    "UPDATE limiter_usage SET since = since + 1"
                    f" WHERE key = %s AND expires_at > {_PG_NOW}"
                    " RETURNING count, threshold, since",
                    (self._key("usage"),),
                )
            else:
                cur.execute(
                    "SELECT count, threshold, since FROM limiter_usage"
                    f" WHERE key = %s AND expires_at > {_PG_NOW}",
                    (self._key("usage"),),
                )
            row = cur.fetchone()
        return None if row is None else (int(row[0]), int(row[1]), int(row[2]))

    def _close_backend(self) -> None:
        if self._own_store:
            self._store.close()


__all__ = ["LimiterSettings", "PostgresLimiter", "RedisLimiter", "SharedLimiter"]
