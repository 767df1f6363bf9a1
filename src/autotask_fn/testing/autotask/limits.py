"""The tenant's usage limits: threads per endpoint, the hourly window, the attachment budget."""

from __future__ import annotations

import threading
from collections import deque

from autotask_fn.testing.contract import contract_value

#: The text the real API sends when a thread limit is exceeded (reference §6, code Itgenatr005).
THREAD_LIMIT_TEXT = contract_value("AT-THREAD-LIMIT", (
    "Thread Threshold Exceeded \u2014 The Autotask API thread threshold of {limit} threads "
    "has been exceeded. (Itgenatr005)"
))
#: The hourly threshold's refusal. The wording is the fake's own (undocumented): tests also
#: use others (``TenantOptions.hourly_limit_text``).
HOURLY_LIMIT_TEXT = contract_value("AT-HOURLY-THRESHOLD-ANSWER", (
    "The API request threshold of {limit} requests per 60 minutes has been exceeded for this "
    "database; requests are refused until usage drops."
))


class ThreadGate:
    """Counts requests in flight per endpoint (thread-safe; no sleeping under its lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self._peak: dict[str, int] = {}

    def enter(self, endpoint: str, limit: int) -> bool:
        """Take a slot; ``False`` (nothing taken) when ``limit`` are already in flight."""
        key = endpoint.lower()
        with self._lock:
            current = self._in_flight.get(key, 0)
            if current >= limit:
                return False
            self._in_flight[key] = current + 1
            self._peak[key] = max(self._peak.get(key, 0), current + 1)
            return True

    def leave(self, endpoint: str) -> None:
        """Give back a slot taken by :meth:`enter`."""
        key = endpoint.lower()
        with self._lock:
            self._in_flight[key] = max(0, self._in_flight.get(key, 0) - 1)

    def peak(self, endpoint: str) -> int:
        """The most requests ever admitted at once on ``endpoint``."""
        with self._lock:
            return self._peak.get(endpoint.lower(), 0)


class SlidingWindow:
    """Amounts recorded at timestamps, summed over a rolling window of ``seconds``.

    The sum is kept as a running total: recording adds to it and the entries that leave the
    window are subtracted as they go, and amounts recorded at the same instant share one
    entry. Asking for the total at request 100 or at request 100,000 does the same work (the
    fake's clock often stands still for a whole test suite, so every request of a long run
    falls in one hour). :attr:`touched` counts the entries each call looked at.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._events: deque[list[float]] = deque()  # [timestamp, amount]
        self._total = 0
        self._lock = threading.Lock()
        self.touched = 0
        """Entries read, merged, added or dropped so far (the window's work, for tests)."""

    def _trim(self, now: float) -> None:
        events = self._events
        while events and events[0][0] <= now - self.seconds:
            self._total -= int(events.popleft()[1])
            self.touched += 1

    def total(self, now: float) -> int:
        """Sum of the amounts recorded within the window ending at ``now``."""
        with self._lock:
            self._trim(now)
            return self._total

    def add(self, now: float, amount: int = 1) -> None:
        """Record ``amount`` at ``now``."""
        with self._lock:
            self.touched += 1
            if self._events and self._events[-1][0] == now:
                self._events[-1][1] += amount
            else:
                self._events.append([now, amount])
            self._total += amount

    def __len__(self) -> int:
        """Entries held (distinct instants in the window)."""
        with self._lock:
            return len(self._events)
