"""Client-side limits: concurrent requests per endpoint, attachment bytes, the hourly budget.

Autotask enforces three limits (``autotask-rest.md`` section 7):

* **threads**: at most 3 concurrent requests per integration and endpoint (``Itgenatr005``);
* **attachments**: at most 10,000,000 bytes uploaded per 5 minutes;
* **hourly threshold**: 10,000 requests per rolling hour for the whole tenant, with added
  latency as usage grows and a full stop at 100%.

:class:`Limiter` is the small protocol the client talks to, so a shared limiter (Redis,
PostgreSQL) can coordinate several processes; :class:`LocalLimiter` is the in-process default.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, runtime_checkable

from autotask_fn.autotask.metadata import ThresholdInfo

__all__ = ["Limiter", "LocalLimiter", "NoLimiter"]


@runtime_checkable
class Limiter(Protocol):
    """What the client asks before and around each request.

    * ``slot(endpoint)``: a context manager held while one request to ``endpoint`` (the entity
      addressed, e.g. ``"TicketNotes"`` for ``Tickets/1/Notes``) is in flight; it blocks while
      N are already in flight.
    * ``attachment_budget(nbytes)``: 0.0 when ``nbytes`` may be uploaded now (and records them),
      otherwise the seconds to wait before asking again (nothing recorded).
    * ``observe_threshold(info)``: the client reports each ``ThresholdInformation`` it reads.
    * ``pause_before_request()``: seconds to sleep before the next request (0.0 = go).

    Optional attribute ``threshold_every`` (int): read ``ThresholdInformation`` after that many
    requests (0 or missing = never). Optional methods ``hold_tenant(seconds)`` and
    ``tenant_held_for()``: the hourly threshold was met, so every client sharing this limiter
    stops sending for ``seconds`` (without them each client pauses on its own).
    """

    def slot(self, endpoint: str) -> AbstractContextManager[None]:
        """Hold one of the endpoint's in-flight slots for the duration of the block."""
        ...

    def attachment_budget(self, nbytes: int) -> float:
        """0.0 if ``nbytes`` may go now (recorded), else seconds to wait."""
        ...

    def observe_threshold(self, info: ThresholdInfo) -> None:
        """Take note of the tenant's current hourly usage."""
        ...

    def pause_before_request(self) -> float:
        """Seconds to wait before sending the next request."""
        ...


class NoLimiter:
    """A limiter that never waits (used when the client is given ``limiter=None``)."""

    threshold_every = 0

    @contextmanager
    def slot(self, endpoint: str) -> Iterator[None]:
        """No limit."""
        yield

    def attachment_budget(self, nbytes: int) -> float:
        """Always allowed."""
        return 0.0

    def observe_threshold(self, info: ThresholdInfo) -> None:
        """Ignored."""

    def pause_before_request(self) -> float:
        """Never pauses."""
        return 0.0


class LocalLimiter:
    """In-process :class:`Limiter` (thread-safe): one instance per Autotask tenant.

    * ``max_in_flight`` concurrent requests per endpoint (Autotask allows 3);
    * ``attachment_bytes`` per ``attachment_window`` seconds (10,000,000 per 300 s);
    * above ``slow_above`` of the hourly budget, pauses grow linearly from 0 to ``max_pause``
      seconds at 100%; ``threshold_every`` tells the client how often to read the usage.
    """

    def __init__(
        self,
        max_in_flight: int = 3,
        *,
        attachment_bytes: int = 10_000_000,
        attachment_window: float = 300.0,
        threshold_every: int = 250,
        slow_above: float = 0.8,
        max_pause: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.max_in_flight = max_in_flight
        self.attachment_bytes = attachment_bytes
        self.attachment_window = attachment_window
        self.threshold_every = threshold_every
        self.slow_above = slow_above
        self.max_pause = max_pause
        self._clock = clock
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._uploads: collections.deque[tuple[float, int]] = collections.deque()
        self._usage = 0.0
        self._held_until = 0.0

    def __repr__(self) -> str:
        return (
            f"LocalLimiter(max_in_flight={self.max_in_flight}, "
            f"attachment_bytes={self.attachment_bytes}, usage={self._usage:.0%})"
        )

    @contextmanager
    def slot(self, endpoint: str) -> Iterator[None]:
        """Block until fewer than ``max_in_flight`` requests to ``endpoint`` are running."""
        key = endpoint.lower()
        with self._lock:
            sem = self._semaphores.get(key)
            if sem is None:
                sem = self._semaphores[key] = threading.BoundedSemaphore(self.max_in_flight)
        with sem:
            yield

    def attachment_budget(self, nbytes: int) -> float:
        """Record ``nbytes`` and return 0.0, or return the wait until they fit in the window."""
        if nbytes > self.attachment_bytes:
            raise ValueError(
                f"an attachment of {nbytes} bytes exceeds the {self.attachment_bytes}-byte "
                f"budget per {self.attachment_window:.0f} s"
            )
        now = self._clock()
        with self._lock:
            while self._uploads and self._uploads[0][0] <= now - self.attachment_window:
                self._uploads.popleft()
            used = sum(n for _, n in self._uploads)
            if used + nbytes <= self.attachment_bytes:
                self._uploads.append((now, nbytes))
                return 0.0
            # Wait until enough old uploads leave the window.
            freed = 0
            for at, n in self._uploads:
                freed += n
                if used - freed + nbytes <= self.attachment_bytes:
                    return max(0.0, at + self.attachment_window - now)
            return self.attachment_window  # pragma: no cover - unreachable with the check above

    def observe_threshold(self, info: ThresholdInfo) -> None:
        """Remember the latest usage fraction."""
        with self._lock:
            self._usage = info.usage

    @property
    def usage(self) -> float:
        """The last observed usage of the hourly budget (0.0 .. 1.0+)."""
        return self._usage

    def hold_tenant(self, seconds: float) -> None:
        """The hourly threshold was met: no request of this tenant for ``seconds``."""
        with self._lock:
            self._held_until = max(self._held_until, self._clock() + max(0.0, seconds))

    def tenant_held_for(self) -> float:
        """Seconds left of a :meth:`hold_tenant` pause (0.0 when none)."""
        with self._lock:
            return max(0.0, self._held_until - self._clock())

    def pause_before_request(self) -> float:
        """0.0 below ``slow_above``; then a pause growing linearly to ``max_pause`` at 100%."""
        usage = self._usage
        if usage <= self.slow_above:
            return 0.0
        span = max(1e-9, 1.0 - self.slow_above)
        return min(self.max_pause, self.max_pause * (usage - self.slow_above) / span)
