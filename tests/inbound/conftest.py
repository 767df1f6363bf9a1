"""An inbound world: both fakes, real clients over WSGI, an in-memory store, a SyncService."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from autotask_fn.autotask import AutotaskClient
from autotask_fn.fieldnation import FieldNationClient
from autotask_fn.store import SqliteStore
from autotask_fn.sync import ConnectorSettings, SyncService
from autotask_fn.sync.inbound import TicketImporter
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.testing.autotask import FakeAutotask
from autotask_fn.testing.fieldnation.app import FakeFieldNation

HOOK_KEY = "autotask-callout-key-0001"
FN_SECRET = "fn-webhook-secret-for-tests"


class InboundWorld:
    """Two fakes, two clients, one store and a service whose settings carry ``inbound``."""

    def __init__(self, **inbound: Any) -> None:
        self.at_fake = FakeAutotask()
        self.fn_fake = FakeFieldNation()
        self.at = AutotaskClient(
            FakeAutotask.USERNAME, FakeAutotask.SECRET, FakeAutotask.INTEGRATION_CODE,
            zone_url=self.at_fake.zone_url, transport=httpx.WSGITransport(app=self.at_fake),
            sleep=lambda _s: None)
        self.fn = FieldNationClient(
            FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET, FakeFieldNation.USERNAME,
            FakeFieldNation.PASSWORD, base_url=self.fn_fake.base_url,
            transport=httpx.WSGITransport(app=self.fn_fake), clock=self.fn_fake.clock.timestamp,
            sleep=lambda _s: None)
        self.store = SqliteStore()
        defaults: dict[str, Any] = {
            "webhook_secrets": (HOOK_KEY,),
            "api_resource_id": self.at_fake.api_resource_id,
        }
        defaults.update(inbound)
        self.inbound = InboundSettings(**defaults)
        self.settings = ConnectorSettings(webhook_secrets=(FN_SECRET,), inbound=self.inbound)
        self.validated = self.settings.validate(self.at)
        self.svc = self.service()

    def clock(self) -> float:
        """The service's clock follows the Field Nation fake (webhook timestamps agree)."""
        return float(self.fn_fake.clock.timestamp())

    def service(self, store: Any = None) -> SyncService:
        return SyncService(autotask=self.at, fieldnation=self.fn, store=store or self.store,
                           settings=self.validated, clock=self.clock, worker_id="worker-1")

    def importer(self, **kwargs: Any) -> TicketImporter:
        return TicketImporter(service=self.svc, **kwargs)

    def ticket(self, **fields: Any) -> int:
        """A ticket created by a dispatcher in the Autotask UI."""
        seed = self.at_fake.seed
        return self.at_fake.ui_create_ticket(**{
            "title": "Replace POS terminal", "description": "Terminal 3 is dead.",
            "companyID": seed.company_id, "companyLocationID": seed.location_id,
            "contactID": seed.contact_id, "status": 1, "priority": 2,
            "queueID": seed.queue_id, "dueDateTime": "2026-03-05T14:30:00Z", **fields})

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


@pytest.fixture
def world() -> InboundWorld:
    return InboundWorld()
