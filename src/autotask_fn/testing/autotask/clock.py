"""A movable UTC clock for the fake (hourly request window, attachment budget, timestamps)."""

from __future__ import annotations

from datetime import UTC, datetime

from autotask_fn.testing._clock import MovableClock


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class FakeClock(MovableClock):
    """UTC time that only moves when a test moves it (:meth:`advance`, :meth:`set`).

    With ``running=True`` it also follows real time from ``start`` on (a served fake).
    """

    def __init__(self, start: datetime | None = None, *, running: bool = False) -> None:
        super().__init__(_aware(start or datetime.now(UTC).replace(microsecond=0)),
                         running=running)

    def time(self) -> float:
        """The current fake time as a POSIX timestamp."""
        return self.timestamp()

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self._shift(seconds)

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (naive means UTC)."""
        self._jump(_aware(when))
