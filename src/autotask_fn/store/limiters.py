"""Autotask limits shared by many workers (processes, machines) through Redis.

Autotask's limits are per tenant, not per process: 3 requests in flight per endpoint, 10,000,000
attachment bytes per 5 minutes, and an hourly request budget. :class:`RedisLimiter`
implements the :class:`autotask_fn.autotask.limits.Limiter` protocol with Redis (extra
``autotask-fn[redis]``, imported lazily) so that every worker of one tenant keeps to them
together::

    limiter = RedisLimiter("redis://redis:6379/0", key_prefix=f"autotask_fn:{zone.ci}")
    client = AutotaskClient(username, secret, code, limiter=limiter)

How each limit is kept:

* **slots**: a sorted set per endpoint whose members are the slot holders, scored by the
  expiry of their lease. A Lua script drops expired holders and adds the caller only when
  fewer than ``max_concurrent`` remain, atomically. A background thread renews the leases
  of slots this process holds, so a long request keeps its slot, while a worker that dies
  stops renewing and loses its slot after at most ``lease_seconds``.
* **attachment bytes**: a sorted set of uploads scored by time (a sliding window); a Lua
  script sums the window and records the upload only if it fits, otherwise returns the wait.
* **hourly budget**: the usage each worker reads from ``ThresholdInformation`` is shared,
  together with a count of requests sent since, so every worker slows down as the tenant
  nears its threshold.

All times come from the Redis server clock, so workers on machines with skewed clocks agree.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from autotask_fn.errors import ConfigurationError
from autotask_fn.store.errors import StoreError
from autotask_fn.store.postgres import redact_dsn

if TYPE_CHECKING:
    from autotask_fn.autotask.metadata import ThresholdInfo

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


class RedisLimiter:
    """A :class:`~autotask_fn.autotask.limits.Limiter` shared through Redis by every worker
    of one Autotask tenant.

    ``key_prefix`` names the tenant's keys (include the tenant id: limits are per tenant).
    ``max_concurrent`` requests per endpoint may be in flight across all workers; a holder's
    slot lease lasts ``lease_seconds`` and is renewed while the request runs.
    ``attachment_bytes`` may be uploaded per ``attachment_window`` seconds. Above
    ``slow_above`` of the hourly budget, :meth:`pause_before_request` asks for pauses growing
    to ``max_pause`` seconds at 100%. ``acquire_timeout`` (seconds, ``None`` = wait forever)
    bounds the wait for a slot, then :class:`~autotask_fn.store.errors.StoreError` is raised.
    """

    def __init__(
        self,
        redis_url: str = "redis://127.0.0.1:6379/0",
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
        client: Any = None,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        if lease_seconds <= 0:
            raise ValueError("lease_seconds must be positive")
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
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._attachment = client.register_script(_ATTACHMENT)
        self._request = client.register_script(_REQUEST)
        self._lock = threading.Lock()
        self._held: dict[str, set[str]] = {}
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def __repr__(self) -> str:
        return (
            f"RedisLimiter({redact_dsn(self._url)!r}, key_prefix={self.key_prefix!r}, "
            f"max_concurrent={self.max_concurrent})"
        )

    def _key(self, *parts: str) -> str:
        return ":".join([self.key_prefix, *parts])

    @contextmanager
    def _redis_errors(self) -> Iterator[None]:
        import redis

        try:
            yield
        except redis.RedisError as exc:
            raise StoreError(
                f"RedisLimiter at {redact_dsn(self._url)}: {type(exc).__name__}: {exc}"
            ) from None

    # -- slots -------------------------------------------------------------------------
    @contextmanager
    def slot(self, endpoint: str) -> Iterator[None]:
        """Hold one of the ``max_concurrent`` slots of ``endpoint`` (shared by all workers)
        for the duration of the block; waits while they are all taken."""
        key = self._key("slots", endpoint.lower())
        token = uuid.uuid4().hex
        lease_ms = max(1, int(self.lease_seconds * 1000))
        deadline = None if self.acquire_timeout is None else time.monotonic() + self.acquire_timeout
        with self._redis_errors():
            while not self._acquire(keys=[key], args=[token, self.max_concurrent, lease_ms]):
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
            with self._redis_errors():
                self._redis.zrem(key, token)

    def in_flight(self, endpoint: str) -> int:
        """How many slots of ``endpoint`` are held right now, by all workers."""
        key = self._key("slots", endpoint.lower())
        with self._redis_errors():
            seconds, micros = self._redis.time()
            now_ms = int(seconds) * 1000 + int(micros) // 1000
            return int(self._redis.zcount(key, f"({now_ms}", "+inf"))

    def _hold(self, key: str, token: str) -> None:
        with self._lock:
            self._held.setdefault(key, set()).add(token)
            if self._heartbeat is None or not self._heartbeat.is_alive():
                self._stop.clear()
                self._heartbeat = threading.Thread(
                    target=self._renew_loop, name="autotask-fn-redis-limiter", daemon=True
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
        lease_ms = max(1, int(self.lease_seconds * 1000))
        while not self._stop.wait(self.lease_seconds / 3):
            with self._lock:
                held = {key: sorted(tokens) for key, tokens in self._held.items()}
            for key, tokens in held.items():
                try:
                    kept = int(self._renew(keys=[key], args=[lease_ms, *tokens]))
                except Exception as exc:  # keep renewing the others; the next round retries
                    log.warning("could not renew limiter slots on %s: %s", key, exc)
                    continue
                if kept < len(tokens):
                    lost = len(tokens) - kept
                    log.warning("%d limiter slot(s) on %s expired while held", lost, key)

    def close(self) -> None:
        """Stop renewing slot leases and close the Redis connection pool."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=5)
        self._redis.close()

    # -- attachment bytes --------------------------------------------------------------
    def attachment_budget(self, nbytes: int) -> float:
        """0.0 if ``nbytes`` may be uploaded now (then recorded for every worker), else the
        seconds to wait before asking again (nothing recorded)."""
        if nbytes > self.attachment_bytes:
            raise ValueError(
                f"an attachment of {nbytes} bytes exceeds the {self.attachment_bytes}-byte "
                f"budget per {self.attachment_window:.0f} s"
            )
        with self._redis_errors():
            wait_ms = self._attachment(
                keys=[self._key("attachments")],
                args=[
                    int(nbytes),
                    self.attachment_bytes,
                    max(1, int(self.attachment_window * 1000)),
                    uuid.uuid4().hex,
                ],
            )
        return int(wait_ms) / 1000.0

    # -- hourly budget -----------------------------------------------------------------
    def observe_threshold(self, info: ThresholdInfo) -> None:
        """Share the tenant's usage read from ``ThresholdInformation`` with every worker."""
        ttl = max(60, int(info.request_threshold_timeframe or 60) * 60)
        with self._redis_errors():
            pipe = self._redis.pipeline(transaction=True)
            pipe.hset(
                self._key("usage"),
                mapping={
                    "count": info.current_timeframe_request_count,
                    "threshold": info.external_request_threshold,
                },
            )
            pipe.expire(self._key("usage"), ttl)
            pipe.set(self._key("since"), 0, ex=ttl)
            pipe.execute()

    @property
    def usage(self) -> float:
        """Estimated share of the hourly budget used: the last observed usage plus the
        requests all workers sent since (0.0 when nothing was observed yet)."""
        with self._redis_errors():
            count, threshold = self._redis.hmget(self._key("usage"), "count", "threshold")
            since = self._redis.get(self._key("since"))
        return _usage(count, threshold, since)

    def pause_before_request(self) -> float:
        """Count one request for every worker; 0.0 below ``slow_above`` of the budget, then a
        pause growing linearly to ``max_pause`` at 100%."""
        with self._redis_errors():
            seen = self._request(keys=[self._key("usage"), self._key("since")])
        usage = _usage(*seen) if seen else 0.0
        if usage <= self.slow_above:
            return 0.0
        span = max(1e-9, 1.0 - self.slow_above)
        return min(self.max_pause, self.max_pause * (usage - self.slow_above) / span)


def _usage(count: Any, threshold: Any, since: Any) -> float:
    if count is None or threshold is None:
        return 0.0
    limit = int(threshold)
    if limit <= 0:
        return 1.0
    return (int(count) + int(since or 0)) / limit


__all__ = ["RedisLimiter"]
