"""The example host app: both webhooks acknowledged at once, the worker does the sync."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from examples.webhook_service.app import WebhookApp, Worker

from autotask_fn import SyncService
from autotask_fn.autotask.webhooks import create_ticket_webhook
from autotask_fn.fieldnation.webhooks import Events
from autotask_fn.store import EntryStatus, SqliteStore
from autotask_fn.sync import ConnectorSettings
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.testing import FakeAutotask, FakeFieldNation

FN_SECRET = "example-fn-secret"
AT_KEY = "example-autotask-key"


class Host:
    def __init__(self) -> None:
        self.at_fake = FakeAutotask()
        self.fn_fake = FakeFieldNation()
        at = self.at_fake.client()
        fn = self.fn_fake.client()
        inbound = InboundSettings(webhook_secrets=(AT_KEY,),
                                  api_resource_id=self.at_fake.api_resource_id,
                                  type_of_work_id=11,
                                  pay={"type": "fixed", "base": {"amount": 100, "units": 1}})
        self.svc = SyncService(
            autotask=at, fieldnation=fn, store=SqliteStore(),
            settings=ConnectorSettings(
                webhook_secrets=(FN_SECRET,), inbound=inbound,
                resource_map={self.fn_fake.seed.provider_id: self.at_fake.seed.tech_resource_id}),
            clock=self.fn_fake.clock.timestamp)
        create_ticket_webhook(
            at, name="example", webhook_url="https://host.example/webhooks/autotask",
            deactivation_url="https://host.example/off", secret_key=AT_KEY,
            field_ids=[self.at_fake.webhook_field_id("title")],
            excluded_resource_ids=[self.at_fake.api_resource_id])
        self.fn_fake.register_webhook("https://host.example/webhooks/fieldnation",
                                      list(Events.all()), FN_SECRET)
        self.http = httpx.Client(transport=httpx.WSGITransport(app=WebhookApp(self.svc)),
                                 base_url="http://host.example")

    def post(self, path: str, body: bytes, headers: dict[str, Any]) -> httpx.Response:
        return self.http.post(path, content=body, headers=headers)


@pytest.fixture
def host() -> Iterator[Host]:
    h = Host()
    yield h
    h.http.close()


def wait_until(predicate: Any, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_webhooks_are_acknowledged_and_the_worker_syncs_both_ways(host: Host) -> None:
    seed = host.at_fake.seed
    ticket_id = host.at_fake.ui_create_ticket(
        title="Install card reader", companyID=seed.company_id,
        companyLocationID=seed.location_id, contactID=seed.contact_id, status=1, priority=2,
        queueID=seed.queue_id, dueDateTime="2026-03-05T18:00:00Z",
        assignedResourceID=seed.tech_resource_id, assignedResourceRoleID=seed.tech_role_id)
    (callout,) = host.at_fake.take_callouts()
    response = host.post("/webhooks/autotask", callout.body, dict(callout.headers))
    assert response.status_code == 200
    assert host.fn_fake.state.work_orders == {}  # acknowledged, not yet processed

    worker = Worker(host.svc, interval=0.05)
    worker.start()
    try:
        assert wait_until(lambda: len(host.fn_fake.state.work_orders) == 1)
        (wo_id,) = host.fn_fake.state.work_orders
        host.fn_fake.assign(wo_id)
        host.fn_fake.check_in(wo_id, datetime(2026, 3, 5, 14, tzinfo=UTC))
        host.fn_fake.check_out(wo_id, datetime(2026, 3, 5, 15, tzinfo=UTC))
        for delivery in host.fn_fake.take_deliveries(duplicate=1.0):
            answer = host.post("/webhooks/fieldnation", delivery.body, dict(delivery.headers))
            assert answer.status_code == 200

        def one_hour_logged() -> bool:
            entries = [e for e in host.at_fake.records("TimeEntries")
                       if e.get("ticketID") == ticket_id]
            return [float(e["hoursWorked"]) for e in entries] == [1.0]

        assert wait_until(one_hour_logged)
        store = host.svc.store
        assert wait_until(lambda: store.count_entries(EntryStatus.PENDING) == 0
                          and store.count_entries(EntryStatus.LEASED) == 0)
    finally:
        worker.stop()
        worker.join(timeout=5)
    health = host.http.get("/healthz").json()
    assert health == {"pending": 0, "dead": 0}


def test_a_tampered_delivery_is_refused_with_401(host: Host) -> None:
    response = host.post("/webhooks/fieldnation", b'{"event": {}}',
                         {"X-FN-Signature": "sha256=" + "0" * 64})
    assert response.status_code == 401


def test_unknown_routes_are_404(host: Host) -> None:
    assert host.http.get("/nope").status_code == 404
