"""The fake's movable clock: token expiry, time stamps and webhook timestamps all read it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from autotask_fn.testing._clock import MovableClock

#: Where a new fake's clock starts (a fixed instant, so tests are reproducible).
DEFAULT_START = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


class Clock(Protocol):
    """What the fake needs of a clock; pass one clock to several fakes to share time."""

    def now(self) -> datetime:
        """The current time (aware, UTC)."""
        ...

    def advance(self, seconds: float) -> object:
        """Move forward by ``seconds``."""
        ...


class FakeClock(MovableClock):
    """A clock that only moves when a test moves it.

    ``now()`` returns an aware UTC ``datetime``; ``advance(seconds)`` moves it forward.
    ``FakeClock(datetime.now(UTC), running=True)`` also follows real time (a served fake).
    """

    def __init__(self, start: datetime = DEFAULT_START, *, running: bool = False) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        super().__init__(start, running=running)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` (must not be negative); returns the new time."""
        if seconds < 0:
            raise ValueError("the fake clock only moves forward")
        return self._shift(seconds)

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (aware datetime, may not go back in time)."""
        if when.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._jump(when, forward_only=True)


class SharedClock(FakeClock):
    """A :class:`FakeClock` face on another fake's clock (same time, also ``timestamp()``)."""

    def __init__(self, inner: Clock) -> None:
        super().__init__(inner.now())
        self.inner = inner

    def now(self) -> datetime:
        """The inner clock's time, as aware UTC."""
        return self.inner.now().astimezone(UTC)

    def advance(self, seconds: float) -> datetime:
        """Move the inner clock forward."""
        if seconds < 0:
            raise ValueError("the fake clock only moves forward")
        self.inner.advance(seconds)
        return self.now()

    def set(self, when: datetime) -> None:
        """Not supported on a shared clock: set the time on the clock you passed in."""
        raise TypeError("set the time on the shared clock itself")


def as_fake_clock(clock: Clock | None) -> FakeClock:
    """The fake's own clock: a new :class:`FakeClock`, the one given, or a shared view."""
    if clock is None:
        return FakeClock()
    if isinstance(clock, FakeClock):
        return clock
    return SharedClock(clock)
