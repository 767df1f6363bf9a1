"""A sync world for tests: the benchmark rig (both fakes, real clients, an in-memory store,
a validated service) with a movable service clock and scenario helpers."""

from __future__ import annotations

from typing import Any

from bench.outbound import SECRET, Rig

from autotask_fn.sync import ConnectorSettings, SyncService

__all__ = ["SECRET", "World"]


class World(Rig):
    """``World(**settings)``: a rig whose service clock is the Field Nation fake's clock plus
    :attr:`elapsed` (moved by :meth:`advance`)."""

    def __init__(self, **settings: Any) -> None:
        self.elapsed = 0.0
        super().__init__(ConnectorSettings(**{"webhook_secrets": (SECRET,), **settings}),
                         clock=self._clock)

    def _clock(self) -> float:
        return self.fn_fake.clock.timestamp() + self.elapsed

    def advance(self, seconds: float) -> None:
        """Move the service's clock only (leases, backoff)."""
        self.elapsed += seconds

    # -- scenario helpers (ticket and linked_work_order come from the rig) ------------
    def deliver_all(self, *, duplicate: float | int = 0.0, shuffle: bool = False,
                    seed: int | None = None, svc: SyncService | None = None) -> list[int]:
        """Feed every queued Field Nation delivery to the webhook handler; the ack statuses."""
        svc = svc or self.svc
        return [svc.handle_fieldnation_webhook(d.body, d.headers).status
                for d in self.fn_fake.take_deliveries(duplicate, shuffle, seed)]

    def records(self, entity: str, ticket_id: int) -> list[dict[str, Any]]:
        """Autotask records of one ticket."""
        return [r for r in self.at_fake.records(entity) if r.get("ticketID") == ticket_id]
