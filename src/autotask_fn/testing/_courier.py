"""Served delivery: a background thread that POSTs a fake's webhooks to the registered URLs.

A fake served on a socket (:func:`autotask_fn.testing.serve`, ``autotask-fn fake-server``)
delivers its webhooks the way the real service does: over HTTP, from its own thread, with
the service's timeout and retry schedule. What differs between the two services (what is
sent, when a failure is retried, where a given-up delivery goes) is a :class:`Mailer`; the
:class:`Courier` only queues, sends and waits.

Retries are scheduled on the fake's clock, so a test makes a retry due by moving the clock
(``fake.clock.advance(10)``) instead of waiting; :meth:`Courier.flush` returns once nothing
is due, which is how a test waits for deliveries without sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import attrs
import httpx

from autotask_fn._redact import redact_url


@attrs.frozen
class Outgoing:
    """One HTTP request a fake sends to a receiver."""

    url: str
    method: str
    body: bytes
    headers: Mapping[str, str]


@attrs.define
class Parcel:
    """A delivery waiting in the courier: the fake's item, its attempt and when it is due.

    ``queue`` names an ordered queue: parcels with the same queue go out one at a time, in
    order (a later one waits until the earlier one is delivered or given up); ``None``
    means no order.
    """

    item: Any
    due: float
    attempt: int = 1
    queue: str | None = None


@attrs.frozen
class Attempt:
    """One delivery attempt made over HTTP: the receiver's status (0: no answer)."""

    url: str
    attempt: int
    status: int
    error: str | None
    at: float
    """When it was sent, on the fake's clock (POSIX seconds)."""
    item: Any = attrs.field(repr=False, eq=False)

    @property
    def delivered(self) -> bool:
        """Whether the receiver answered 2xx."""
        return 200 <= self.status < 300


class Mailer(Protocol):
    """What a fake tells its courier: new items, the request of an attempt, what follows."""

    #: Seconds to wait for the receiver's answer before the attempt counts as failed.
    timeout: float
    #: The fake's clock as POSIX seconds (retry delays and ``Attempt.at`` run on it).
    clock: Callable[[], float]

    def collect(self, now: float) -> list[Parcel]:
        """Take the deliveries the fake made since the last call (its outbox)."""
        ...

    def request(self, parcel: Parcel) -> Outgoing:
        """The request of this attempt (may update ``parcel.item``, e.g. re-stamped)."""
        ...

    def settle(self, parcel: Parcel, status: int, error: str | None) -> float | None:
        """File an outcome; the delay in seconds before the next attempt, or ``None`` when
        the parcel is done (delivered or given up)."""
        ...


class Courier:
    """Sends a fake's deliveries from a daemon thread, with retries on the fake's clock.

    ``clock`` is the fake's clock as POSIX seconds; ``poll`` is how often (real seconds) the
    thread looks for work when nobody wakes it (a test may move the fake's clock at any
    time). Requests go out one at a time, with ``trust_env=False`` (no proxy settings).
    """

    def __init__(self, mailer: Mailer, clock: Callable[[], float], *,
                 name: str = "fake-courier", poll: float = 0.1) -> None:
        self.mailer = mailer
        self.clock = clock
        self.poll = poll
        self._parcels: list[Parcel] = []
        self._attempts: list[Attempt] = []
        self._cond = threading.Condition()
        self._stopped = False
        self._rounds = 0
        self._idle_round = -1
        self._flushed = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._http = httpx.Client(trust_env=False, follow_redirects=False)

    # -- life cycle ----------------------------------------------------------------
    def start(self) -> Courier:
        """Start the thread (once); returns the courier."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread; deliveries not yet made stay queued (see :attr:`pending`)."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._http.close()

    @property
    def running(self) -> bool:
        """Whether the thread is running."""
        return self._thread.is_alive() and not self._stopped

    def wake(self) -> None:
        """Look for new deliveries now instead of at the next poll."""
        with self._cond:
            self._cond.notify_all()

    # -- what tests read -------------------------------------------------------------
    @property
    def attempts(self) -> list[Attempt]:
        """Every attempt made so far, oldest first (a copy)."""
        with self._cond:
            return list(self._attempts)

    @property
    def pending(self) -> list[Parcel]:
        """Deliveries waiting for their first attempt or a retry (copies)."""
        with self._cond:
            return [attrs.evolve(p) for p in self._parcels]

    def flush(self, timeout: float = 10.0) -> list[Attempt]:
        """Wait until every delivery that is due has been attempted; return the attempts
        made since the previous flush (or since the start), oldest first.

        "Due" is on the fake's clock: a failed delivery waits for its retry delay, so a test
        moves the clock (``fake.clock.advance(seconds)``) and flushes again to see the retry.
        Raises ``TimeoutError`` when deliveries are still going out after ``timeout``
        seconds (a receiver that does not answer holds the courier for its timeout).
        """
        if not self.running:
            raise RuntimeError("the courier is not running: serve the fake or call "
                               "start_delivery() first")
        with self._cond:
            start_round = self._rounds
            self._cond.notify_all()
            done = self._cond.wait_for(lambda: self._idle_round > start_round or self._stopped,
                                       timeout)
            if not done:
                raise TimeoutError(f"deliveries still going out after {timeout:g} s")
            made, self._flushed = self._attempts[self._flushed:], len(self._attempts)
            return made

    # -- the thread ------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopped:
                    return
                self._rounds += 1
                this_round = self._rounds
            sent = self._round()
            with self._cond:
                if not sent:
                    self._idle_round = this_round
                    self._cond.notify_all()
                    self._cond.wait(self.poll)

    def _round(self) -> bool:
        """Collect new deliveries and send every due one; whether anything was sent."""
        now = self.clock()
        fresh = self.mailer.collect(now)
        with self._cond:
            self._parcels.extend(fresh)
            due = self._due(now)
        for parcel in due:
            with self._cond:
                if self._stopped:
                    return True
            self._send(parcel)
        return bool(due)

    def _due(self, now: float) -> list[Parcel]:
        heads: set[str] = set()
        due: list[Parcel] = []
        for parcel in self._parcels:
            if parcel.queue is not None:
                if parcel.queue in heads:
                    continue  # an earlier parcel of this queue goes first
                heads.add(parcel.queue)
            if parcel.due <= now:
                due.append(parcel)
        return due

    def _send(self, parcel: Parcel) -> None:
        outgoing = self.mailer.request(parcel)
        sent_at = self.clock()
        status, error = self._post(outgoing)
        delay = self.mailer.settle(parcel, status, error)
        with self._cond:
            self._attempts.append(Attempt(url=redact_url(outgoing.url), attempt=parcel.attempt,
                                          status=status, error=error, at=sent_at,
                                          item=parcel.item))
            if delay is None:
                self._parcels.remove(parcel)
            else:
                parcel.attempt += 1
                parcel.due = self.clock() + delay

    def _post(self, outgoing: Outgoing) -> tuple[int, str | None]:
        try:
            response = self._http.request(
                outgoing.method, outgoing.url, content=outgoing.body,
                headers=dict(outgoing.headers), timeout=self.mailer.timeout)
        except httpx.TimeoutException:
            return 0, f"no answer within {self.mailer.timeout:g} s"
        except httpx.HTTPError as exc:
            return 0, f"{type(exc).__name__}: {exc}"
        return response.status_code, None
