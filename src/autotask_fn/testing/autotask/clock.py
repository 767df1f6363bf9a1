"""A movable UTC clock for the fake (hourly request window, attachment budget, timestamps)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class FakeClock:
    """UTC time that only moves when a test moves it (:meth:`advance`, :meth:`set`)."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC).replace(microsecond=0)
        self._now = start.astimezone(UTC) if start.tzinfo else start.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current fake time (aware, UTC)."""
        with self._lock:
            return self._now

    def time(self) -> float:
        """The current fake time as a POSIX timestamp."""
        return self.now().timestamp()

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (naive means UTC)."""
        with self._lock:
            self._now = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)

    def __repr__(self) -> str:
        return f"FakeClock({self.now().isoformat()})"
