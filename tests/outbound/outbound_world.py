"""The sync world of the outbound tests: the public rig (both fakes, real clients whose
Autotask byte-budget limiter runs on the Autotask fake's clock, a validated service) built from
keyword settings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from autotask_fn.sync import ConnectorSettings
from autotask_fn.testing.rig import WEBHOOK_SECRET, SyncRig

__all__ = ["PNG", "T0", "OutboundWorld"]

#: A few bytes that pass for an image.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
#: A working day in the fakes' past.
T0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


class OutboundWorld(SyncRig):
    """``OutboundWorld(**settings)``: a rig over ``ConnectorSettings(**settings)``; its
    Autotask client's :class:`LocalLimiter` (10,000,000 bytes per 5 minutes) runs on the fake
    Autotask clock."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(ConnectorSettings(**{"webhook_secrets": (WEBHOOK_SECRET,), **settings}))

    def sync(self, wo: int) -> Any:
        """Reconcile one work order now (its report)."""
        return self.svc.sync_work_order(wo)

    def wait(self, seconds: float) -> None:
        """Move both clocks: the Autotask fake's (byte window) and the service's (inbox)."""
        self.at_fake.clock.advance(seconds)
        self.advance(seconds)

    def on_ticket(self, entity: str, ticket_id: int) -> list[dict[str, Any]]:
        """Records of one ticket: attachments by ``parentID``, others by ``ticketID``."""
        key = "parentID" if entity == "TicketAttachments" else "ticketID"
        return [r for r in self.at_fake.records(entity) if r.get(key) == ticket_id]
