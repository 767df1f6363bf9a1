"""The movable UTC clock both fakes build their clocks on."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class MovableClock:
    """Aware UTC time that only moves when a test moves it (thread-safe).

    With ``running=True`` it also moves with real time from ``start`` on (a served fake
    whose records and webhooks carry the current time); moving it still adds to it.
    The fakes' ``FakeClock`` classes add their own rules for naive times and for moving back.
    """

    def __init__(self, start: datetime, *, running: bool = False) -> None:
        self._now = start.astimezone(UTC)
        self._running = running
        self._since = time.monotonic()
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether the clock also moves with real time."""
        return self._running

    def now(self) -> datetime:
        """The current fake time (aware, UTC)."""
        with self._lock:
            return self._current()

    def _current(self) -> datetime:
        if not self._running:
            return self._now
        return self._now + timedelta(seconds=time.monotonic() - self._since)

    def timestamp(self) -> float:
        """The current fake time as POSIX seconds."""
        return self.now().timestamp()

    def _shift(self, seconds: float) -> datetime:
        with self._lock:
            self._now = self._current() + timedelta(seconds=seconds)
            self._since = time.monotonic()
            return self._now

    def _jump(self, when: datetime, *, forward_only: bool = False) -> None:
        with self._lock:
            if forward_only and when < self._current():
                raise ValueError("the fake clock only moves forward")
            self._now = when.astimezone(UTC)
            self._since = time.monotonic()

    def __repr__(self) -> str:
        return f"FakeClock({self.now().isoformat()})"
