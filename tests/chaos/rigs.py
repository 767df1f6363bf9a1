"""The rig of the chaos tests that import: the public rig with inbound on, whose tickets are a
dispatcher's (company, location, contact, due date)."""

from __future__ import annotations

from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.testing.rig import CALLOUT_KEY as HOOK_KEY
from autotask_fn.testing.rig import WEBHOOK_SECRET as FN_SECRET
from autotask_fn.testing.rig import SyncRig

__all__ = ["FN_SECRET", "HOOK_KEY", "InboundRig"]


class InboundRig(SyncRig):
    """``SyncRig(inbound=InboundSettings())`` whose :meth:`ticket` is a dispatcher's ticket."""

    def __init__(self) -> None:
        super().__init__(inbound=InboundSettings())

    def ticket(self, **fields: object) -> int:
        return self.dispatch_ticket(**fields)
