"""Inbound imports: Autotask and Field Nation calls per import, and webhook acknowledgement time.

    python -m bench.inbound [--tickets 20]

Runs over both in-process fakes with the real clients (no network). For each of ``--tickets``
tickets (company, location, contact, due date, like a dispatcher's ticket) it measures:

* the first import: the very first one (metadata and company not seen yet) and the later ones
  (company and location already read by an earlier import through the same client);
* an import after a title change (one work order update);
* a no-op re-import (nothing changed: the target is at most 1 Autotask call and no write);
* the same first and no-op imports with attachment import on;
* ``handle_autotask_webhook`` (verify, de-duplicate, enqueue): time per callout, API calls.

Targets (issue 6): at most 4 Autotask calls per first import, at most 1 per no-op re-import.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

from autotask_fn.autotask import AutotaskClient
from autotask_fn.autotask.webhooks import create_ticket_webhook
from autotask_fn.fieldnation import FieldNationClient
from autotask_fn.store import SqliteStore
from autotask_fn.sync import ConnectorSettings, SyncService
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.testing.autotask import FakeAutotask
from autotask_fn.testing.fieldnation.app import FakeFieldNation

KEY = "bench-callout-key-0001"


class Rig:
    """Both fakes, both clients, an in-memory store and a validated service."""

    def __init__(self, **inbound: Any) -> None:
        self.at_fake = FakeAutotask()
        self.fn_fake = FakeFieldNation()
        self.at = AutotaskClient(
            FakeAutotask.USERNAME, FakeAutotask.SECRET, FakeAutotask.INTEGRATION_CODE,
            zone_url=self.at_fake.zone_url, transport=httpx.WSGITransport(app=self.at_fake))
        self.fn = FieldNationClient(
            FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET, FakeFieldNation.USERNAME,
            FakeFieldNation.PASSWORD, base_url=self.fn_fake.base_url,
            transport=httpx.WSGITransport(app=self.fn_fake), clock=self.fn_fake.clock.timestamp)
        settings = ConnectorSettings(inbound=InboundSettings(
            webhook_secrets=(KEY,), api_resource_id=self.at_fake.api_resource_id, **inbound))
        self.svc = SyncService(autotask=self.at, fieldnation=self.fn, store=SqliteStore(),
                               settings=settings, clock=self.fn_fake.clock.timestamp)
        _ = self.svc.scope  # zone discovery, once

    def ticket(self, n: int) -> int:
        seed = self.at_fake.seed
        return self.at_fake.ui_create_ticket(
            title=f"Bench visit {n}", description="Replace the terminal.",
            companyID=seed.company_id, companyLocationID=seed.location_id,
            contactID=seed.contact_id, status=1, priority=2, queueID=seed.queue_id,
            dueDateTime="2026-03-05T14:30:00Z")

    def attach(self, ticket_id: int) -> None:
        self.at_fake.insert("TicketAttachments", {
            "parentID": ticket_id, "parentType": 4, "title": "plan.pdf", "fullPath": "plan.pdf",
            "attachmentType": "FILE_ATTACHMENT", "contentType": "application/pdf",
            "data": "JVBERi0xLjQgcGxhbg==", "fileSize": 13, "publish": 1})

    def calls(self, action: Callable[[], object]) -> tuple[int, int, float]:
        """Autotask and Field Nation requests one action makes, and its seconds."""
        at0, fn0 = self.at.stats.total, self.fn.stats.total
        start = time.perf_counter()
        action()
        elapsed = time.perf_counter() - start
        return self.at.stats.total - at0, self.fn.stats.total - fn0, elapsed


def _row(name: str, samples: list[tuple[int, int, float]]) -> str:
    at = statistics.mean(s[0] for s in samples)
    fn = statistics.mean(s[1] for s in samples)
    ms = statistics.mean(s[2] for s in samples) * 1000
    return f"{name:<44} {at:>9.2f} {fn:>9.2f} {ms:>9.2f}"


def run(tickets: int) -> list[str]:
    """Measure and return the report lines."""
    rig = Rig()
    ids = [rig.ticket(n) for n in range(tickets)]
    first = [rig.calls(lambda t=t: rig.svc.import_ticket(t)) for t in ids]
    for t in ids:
        rig.at_fake.ui_update_ticket(t, title="Bench visit, changed")
    update = [rig.calls(lambda t=t: rig.svc.import_ticket(t)) for t in ids]
    noop = [rig.calls(lambda t=t: rig.svc.import_ticket(t)) for t in ids]

    with_files = Rig(import_attachments=True)
    file_ids = [with_files.ticket(n) for n in range(tickets)]
    for t in file_ids:
        with_files.attach(t)
    file_first = [with_files.calls(lambda t=t: with_files.svc.import_ticket(t))
                  for t in file_ids]
    file_noop = [with_files.calls(lambda t=t: with_files.svc.import_ticket(t))
                 for t in file_ids]

    hooks = Rig()
    create_ticket_webhook(
        hooks.at, name="bench", webhook_url="https://host.test/at",
        deactivation_url="https://host.test/at/off", secret_key=KEY,
        field_ids=[hooks.at_fake.webhook_field_id("title")],
        excluded_resource_ids=[hooks.at_fake.api_resource_id])
    for n in range(tickets):
        hooks.ticket(n)
    callouts = hooks.at_fake.take_callouts()
    acks = [hooks.calls(lambda c=c: hooks.svc.handle_autotask_webhook(c.body, dict(c.headers)))
            for c in callouts]
    dupes = [hooks.calls(lambda c=c: hooks.svc.handle_autotask_webhook(c.body, dict(c.headers)))
             for c in callouts]

    header = f"{'inbound (' + str(tickets) + ' tickets, mean per item)':<44} " \
             f"{'AT calls':>9} {'FN calls':>9} {'ms':>9}"
    return [
        header,
        _row("first import, very first (cold caches)", first[:1]),
        _row("first import, company seen before", first[1:] or first),
        _row("first import, all tickets", first),
        _row("import after a title change", update),
        _row("no-op re-import", noop),
        _row("first import, attachment import on", file_first[1:] or file_first),
        _row("no-op re-import, attachment import on", file_noop),
        _row("webhook callout accepted (enqueue)", acks),
        _row("duplicate webhook callout", dupes),
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.inbound", description=__doc__)
    parser.add_argument("--tickets", type=int, default=20)
    args = parser.parse_args(argv)
    for line in run(max(2, args.tickets)):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
