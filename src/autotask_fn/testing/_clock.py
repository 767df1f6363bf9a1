"""The movable UTC clock both fakes build their clocks on."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class MovableClock:
    """Aware UTC time that only moves when a test moves it (thread-safe).

    The fakes' ``FakeClock`` classes add their own rules for naive times and for moving back.
    """

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current fake time (aware, UTC)."""
        with self._lock:
            return self._now

    def timestamp(self) -> float:
        """The current fake time as POSIX seconds."""
        return self.now().timestamp()

    def _shift(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def _jump(self, when: datetime, *, forward_only: bool = False) -> None:
        with self._lock:
            if forward_only and when < self._now:
                raise ValueError("the fake clock only moves forward")
            self._now = when.astimezone(UTC)

    def __repr__(self) -> str:
        return f"FakeClock({self.now().isoformat()})"
