"""Served delivery of Autotask ticket callouts: what the courier sends and when it retries.

The dispatcher signs each callout when the ticket changes (see :mod:`.webhooks`); a served
fake's courier POSTs it to the webhook URL. A 2xx is delivered. Anything else, no answer
within 10 s or a connection error fails the attempt: the same callout is sent again 30 s
later (on the fake's clock), at most 5 times, then dropped (Autotask writes a
``WebhookEventErrorLogs`` entry, which the fake does not model: it keeps the callout in
``fake.dropped_callouts``). Later callouts of the same webhook wait in order behind one that
is being retried.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autotask_fn.testing._courier import Outgoing, Parcel
from autotask_fn.testing.autotask.webhooks import Callout
from autotask_fn.testing.contract import contract_rule, contract_value

if TYPE_CHECKING:
    from autotask_fn.testing.autotask.app import FakeAutotask

#: Seconds Autotask waits for the receiver's answer (reference §8).
CALLOUT_TIMEOUT = contract_value("AT-CALLOUT-RETRIES", 10.0, name=__name__ + ".CALLOUT_TIMEOUT")
#: Seconds between a failed attempt and the next (reference §8: "resend after 30 s").
RETRY_DELAY = contract_value("AT-CALLOUT-RETRIES", 30.0, name=__name__ + ".RETRY_DELAY")
#: Attempts before a callout is dropped (reference §8: up to 5 within about 2 minutes).
MAX_ATTEMPTS = contract_value("AT-CALLOUT-RETRIES", 5, name=__name__ + ".MAX_ATTEMPTS")


class AutotaskMailer:
    """The courier's view of a :class:`~autotask_fn.testing.FakeAutotask`."""

    def __init__(self, fake: FakeAutotask) -> None:
        self.fake = fake
        self.timeout: float = CALLOUT_TIMEOUT
        self.clock: Callable[[], float] = fake.clock.time
        #: Callouts given up on after :data:`MAX_ATTEMPTS`, oldest first.
        self.dropped: list[Callout] = []

    def collect(self, now: float) -> list[Parcel]:
        """Drain the callout outbox; each webhook URL is one ordered queue."""
        taken = self.fake.take_callouts()
        return [Parcel(item=c, due=now, queue=c.url) for c in taken]

    def request(self, parcel: Parcel) -> Outgoing:
        """Every attempt sends the same bytes and headers."""
        callout: Callout = parcel.item
        return Outgoing(callout.url, "POST", callout.body, callout.headers)

    @contract_rule("AT-CALLOUT-RETRIES")
    def settle(self, parcel: Parcel, status: int, error: str | None) -> float | None:
        """2xx: done; otherwise retry after 30 s, and drop after the 5th failed attempt."""
        if 200 <= status < 300:
            return None
        if parcel.attempt >= MAX_ATTEMPTS:
            with self.fake._lock:
                self.dropped.append(parcel.item)
            return None
        return RETRY_DELAY
