"""A sync world for tests: the public rig (both fakes, real clients, an in-memory store, a
validated service, a movable service clock) built from keyword settings."""

from __future__ import annotations

from typing import Any

from autotask_fn.sync import ConnectorSettings
from autotask_fn.testing.rig import WEBHOOK_SECRET as SECRET
from autotask_fn.testing.rig import SyncRig

__all__ = ["SECRET", "World"]


class World(SyncRig):
    """``World(**settings)``: a rig over ``ConnectorSettings(**settings)``."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(ConnectorSettings(**{"webhook_secrets": (SECRET,), **settings}))

    def records(self, entity: str, ticket_id: int) -> list[dict[str, Any]]:
        """Autotask records of one ticket."""
        return [r for r in self.at_fake.records(entity) if r.get("ticketID") == ticket_id]
