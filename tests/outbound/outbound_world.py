"""The sync world of the outbound tests: both fakes, real clients and a validated service, with
the Autotask client's byte-budget limiter running on the Autotask fake's clock."""

from __future__ import annotations

from typing import Any

import httpx
from world import World

from autotask_fn.autotask import AutotaskClient
from autotask_fn.autotask.limits import LocalLimiter
from autotask_fn.sync import SyncService
from autotask_fn.testing.autotask import FakeAutotask

__all__ = ["PNG", "OutboundWorld"]

#: A few bytes that pass for an image.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _no_sleep(_seconds: float) -> None:
    return None


class OutboundWorld(World):
    """``OutboundWorld(**settings)``: the sync tests' world whose Autotask client has a
    :class:`LocalLimiter` on the fake Autotask clock (10,000,000 bytes per 5 minutes)."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.limiter = LocalLimiter(clock=self.at_fake.clock.time)
        self.at = AutotaskClient(
            FakeAutotask.USERNAME, FakeAutotask.SECRET, FakeAutotask.INTEGRATION_CODE,
            zone_url=self.at_fake.zone_url, transport=httpx.WSGITransport(app=self.at_fake),
            sleep=_no_sleep, limiter=self.limiter)
        self.validated = self.settings.validate(self.at)
        self.svc = self.service()

    def service(self, worker_id: str = "worker-1") -> SyncService:
        """Another worker over the same clients and store."""
        return super().service(worker_id)

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
