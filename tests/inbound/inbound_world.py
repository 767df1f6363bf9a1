"""The inbound world for tests: the public rig with inbound settings (the callout key, the API
resource for echo detection) built from keyword settings, plus helpers."""

from __future__ import annotations

from typing import Any

from autotask_fn.store.base import Store
from autotask_fn.sync import SyncService
from autotask_fn.sync.inbound import TicketImporter
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.testing.rig import CALLOUT_KEY as HOOK_KEY
from autotask_fn.testing.rig import WEBHOOK_SECRET as FN_SECRET
from autotask_fn.testing.rig import SyncRig

__all__ = ["FN_SECRET", "HOOK_KEY", "InboundWorld"]


class InboundWorld(SyncRig):
    """``InboundWorld(**inbound)``: a rig over ``InboundSettings(**inbound)`` whose
    :meth:`ticket` is a dispatcher's ticket (company, location, contact, due date)."""

    def __init__(self, **inbound: Any) -> None:
        super().__init__(inbound=InboundSettings(**inbound))

    def ticket(self, **fields: object) -> int:
        return self.dispatch_ticket(**fields)

    def service_on(self, store: Store) -> SyncService:
        """A service over the same clients and settings but another store (a lost store)."""
        return self.service("worker-2", store=store)

    def importer(self, **kwargs: Any) -> TicketImporter:
        return TicketImporter(service=self.svc, **kwargs)

    def wo(self, wo_id: int) -> Any:
        return self.fn.get_work_order(wo_id)
