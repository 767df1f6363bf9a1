"""The inbound world for tests: the inbound benchmark rig (both fakes, real clients over
WSGI, an in-memory store, a validated SyncService with ``inbound`` settings) plus helpers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[2]))  # the repository root, for bench/

from bench.inbound import KEY as HOOK_KEY
from bench.inbound import Rig
from bench.outbound import SECRET as FN_SECRET

from autotask_fn.store.base import Store
from autotask_fn.sync import SyncService
from autotask_fn.sync.inbound import TicketImporter

__all__ = ["FN_SECRET", "HOOK_KEY", "InboundWorld"]


class InboundWorld(Rig):
    """The rig, with a few ways to look at what an import did."""

    def service_on(self, store: Store) -> SyncService:
        """A service over the same clients and settings but another store (a lost store)."""
        return SyncService(autotask=self.at, fieldnation=self.fn, store=store,
                           settings=self.validated, clock=self.clock, worker_id="worker-2")

    def importer(self, **kwargs: Any) -> TicketImporter:
        return TicketImporter(service=self.svc, **kwargs)

    def wo(self, wo_id: int) -> Any:
        return self.fn.get_work_order(wo_id)

    def at_writes(self) -> int:
        return sum(self.at_fake.count_requests(m) for m in ("POST", "PATCH", "PUT", "DELETE")) \
            - self.at_fake.count_requests("POST", r"/query")

    def fn_writes(self) -> int:
        return sum(self.fn_fake.count_requests(m, r"/api/rest/v2/")
                   for m in ("POST", "PUT", "DELETE"))

    def reset_counts(self) -> None:
        self.at_fake.reset_requests()
        self.fn_fake.reset_requests()
