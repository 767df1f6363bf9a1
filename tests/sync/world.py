"""A sync world for tests: both fakes, real clients over WSGI, an in-memory store, a service."""

from __future__ import annotations

from typing import Any

import httpx

from autotask_fn.autotask import AutotaskClient
from autotask_fn.fieldnation import FieldNationClient
from autotask_fn.fieldnation.webhooks import Events
from autotask_fn.store import SqliteStore
from autotask_fn.sync import ConnectorSettings, SyncService
from autotask_fn.testing.autotask import FakeAutotask
from autotask_fn.testing.fieldnation.app import FakeFieldNation

SECRET = "webhook-secret-for-tests"
TECH_EMAIL = "tech@example.com"


class World:
    """Two fakes, two clients, one store; ``service()`` builds a SyncService on them."""

    def __init__(self, **settings: Any) -> None:
        self.at_fake = FakeAutotask()
        self.fn_fake = FakeFieldNation()
        self.elapsed = 0.0
        self.at = AutotaskClient(
            FakeAutotask.USERNAME, FakeAutotask.SECRET, FakeAutotask.INTEGRATION_CODE,
            zone_url=self.at_fake.zone_url, transport=httpx.WSGITransport(app=self.at_fake),
            sleep=lambda _s: None)
        self.fn = FieldNationClient(
            FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET, FakeFieldNation.USERNAME,
            FakeFieldNation.PASSWORD, base_url=self.fn_fake.base_url,
            transport=httpx.WSGITransport(app=self.fn_fake), clock=self.fn_fake.clock.timestamp)
        self.store = SqliteStore()
        base: dict[str, Any] = {"webhook_secrets": (SECRET,)}
        base.update(settings)
        self.settings = ConnectorSettings(**base)
        self.svc = self.service()
        self.fn_fake.register_webhook("https://host.test/fn-hook", list(Events.all()), SECRET)

    def clock(self) -> float:
        """The service's clock: the Field Nation fake's clock plus :attr:`elapsed`."""
        return self.fn_fake.clock.timestamp() + self.elapsed

    def advance(self, seconds: float) -> None:
        """Move the service's clock only (leases, backoff)."""
        self.elapsed += seconds

    def service(self, worker_id: str = "worker-1", **kwargs: Any) -> SyncService:
        validated = getattr(self, "validated", None)
        if validated is None:
            validated = self.validated = self.settings.validate(self.at)
        return SyncService(autotask=self.at, fieldnation=self.fn, store=self.store,
                           settings=validated, clock=self.clock, worker_id=worker_id, **kwargs)

    # -- scenario helpers ----------------------------------------------------------
    def ticket(self, **fields: Any) -> int:
        seed = self.at_fake.seed
        return self.at_fake.ui_create_ticket(**{
            "title": "Replace POS terminal", "companyID": seed.company_id, "status": 1,
            "priority": 2, "queueID": seed.queue_id, "assignedResourceID": seed.tech_resource_id,
            "assignedResourceRoleID": seed.tech_role_id, **fields})

    def linked_work_order(self, *, baseline: bool = True, **fields: Any) -> tuple[int, int]:
        """An assigned work order linked to a new ticket: ``(work_order_id, ticket_id)``."""
        wo_id = self.fn_fake.create_work_order(**fields)
        self.fn_fake.assign(wo_id)
        ticket_id = self.ticket()
        self.svc.link_work_order(wo_id, ticket_id, baseline=baseline)
        self.fn_fake.take_deliveries()
        return wo_id, ticket_id

    def deliver_all(self, *, duplicate: float | int = 0.0, shuffle: bool = False,
                    seed: int | None = None, svc: SyncService | None = None) -> list[int]:
        """Feed every queued Field Nation delivery to the webhook handler; the ack statuses."""
        svc = svc or self.svc
        return [svc.handle_fieldnation_webhook(d.body, d.headers).status
                for d in self.fn_fake.take_deliveries(duplicate, shuffle, seed)]

    def records(self, entity: str, ticket_id: int) -> list[dict[str, Any]]:
        return [r for r in self.at_fake.records(entity) if r.get("ticketID") == ticket_id]

    def at_writes(self) -> int:
        return sum(self.at_fake.count_requests(m) for m in ("POST", "PATCH", "PUT", "DELETE")) \
            - self.at_fake.count_requests("POST", r"/query")
