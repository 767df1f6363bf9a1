"""Served delivery of Field Nation webhooks: what the courier sends and when it retries.

The hub signs each delivery when the event happens (see :mod:`.webhooks`); a served fake's
courier POSTs it (or PUTs it, as the webhook says) to the registered URL. A 2xx is
delivered; any 4xx is a dead letter at once; a 5xx, no answer within 30 s or a connection
error is retried after 10 s, 20 s, 40 s ... on the fake's clock, as the same delivery (same
uuid, ``attempt + 1`` in ``X-FN-Delivery-Id``, re-stamped and re-signed), until the 8th
attempt fails and it becomes a dead letter (``fake.dead_letters``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from autotask_fn.testing._courier import Outgoing, Parcel
from autotask_fn.testing.fieldnation.webhooks import DELIVERY_TIMEOUT, Delivery, retry_delay

if TYPE_CHECKING:
    from autotask_fn.testing.fieldnation.app import FakeFieldNation


class FieldNationMailer:
    """The courier's view of a :class:`~autotask_fn.testing.FakeFieldNation`."""

    def __init__(self, fake: FakeFieldNation) -> None:
        self.fake = fake
        self.timeout: float = DELIVERY_TIMEOUT
        self.clock: Callable[[], float] = fake.clock.timestamp

    def collect(self, now: float) -> list[Parcel]:
        """Drain the outbox (unless a test pushes deliveries to a handler instead)."""
        fake = self.fake
        with fake._lock:
            if fake.hub.handler is not None:
                return []
            taken = fake.hub.take()
        return [Parcel(item=d, due=now, attempt=d.attempt) for d in taken]

    def request(self, parcel: Parcel) -> Outgoing:
        """The delivery of this attempt: a retry is re-stamped and re-signed."""
        delivery: Delivery = parcel.item
        if parcel.attempt > delivery.attempt:
            with self.fake._lock:
                delivery = self.fake.hub.retry_of(delivery)
            parcel.item = delivery
        return Outgoing(delivery.url, delivery.method, delivery.body, delivery.headers)

    def settle(self, parcel: Parcel, status: int, error: str | None) -> float | None:
        """File the outcome with the hub; the delay before a retry, if any."""
        delivery: Delivery = parcel.item
        hub = self.fake.hub
        with self.fake._lock:
            hub.record(delivery, status, error)
            for index, failed in enumerate(hub.failed):
                if failed is delivery:  # the hub keeps it for a retry: the courier does it
                    del hub.failed[index]
                    return retry_delay(delivery.attempt)
        return None
