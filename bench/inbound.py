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
import base64
import statistics
import time
from collections.abc import Callable
from typing import Any

from autotask_fn.autotask.webhooks import create_ticket_webhook
from autotask_fn.sync import ConnectorSettings
from autotask_fn.sync.inbound_settings import InboundSettings
from bench.outbound import SECRET as FN_SECRET
from bench.outbound import Rig as OutboundRig

#: Secret key of the Autotask ticket callouts the rig accepts.
KEY = "bench-callout-key-0001"


class Rig(OutboundRig):
    """The outbound rig (both fakes, real clients, store, service) with inbound settings:
    the callout key :data:`KEY`, the API resource for echo detection, and ``inbound``
    overrides. The inbound tests build on this class too."""

    def __init__(self, **inbound: Any) -> None:
        super().__init__()
        self.inbound = InboundSettings(**{
            "webhook_secrets": (KEY,), "api_resource_id": self.at_fake.api_resource_id,
            **inbound})
        self.settings = ConnectorSettings(webhook_secrets=(FN_SECRET,), inbound=self.inbound,
                                          resource_map=self.settings.resource_map)
        self.validated = self.settings.validate(self.at)
        self.svc = self.service()

    def ticket(self, **fields: Any) -> int:
        """A dispatcher's ticket: company, location, contact, due date."""
        seed = self.at_fake.seed
        return self.at_fake.ui_create_ticket(**{
            "title": "Replace POS terminal", "description": "Terminal 3 is dead.",
            "companyID": seed.company_id, "companyLocationID": seed.location_id,
            "contactID": seed.contact_id, "status": 1, "priority": 2,
            "queueID": seed.queue_id, "dueDateTime": "2026-03-05T14:30:00Z", **fields})

    def attach(self, ticket_id: int, name: str = "plan.pdf",
               data: str = "JVBERi0xLjQgcGxhbg==") -> int:
        """A file attached to a ticket in Autotask (``data`` is base64)."""
        return self.at_fake.ui_attach_file(ticket_id, name, base64.b64decode(data),
                                           file_name=name)

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
    ids = [rig.ticket(title=f"Bench visit {n}") for n in range(tickets)]
    first = [rig.calls(lambda t=t: rig.svc.import_ticket(t)) for t in ids]
    for t in ids:
        rig.at_fake.ui_update_ticket(t, title="Bench visit, changed")
    update = [rig.calls(lambda t=t: rig.svc.import_ticket(t)) for t in ids]
    noop = [rig.calls(lambda t=t: rig.svc.import_ticket(t)) for t in ids]

    with_files = Rig(import_attachments=True)
    file_ids = [with_files.ticket(title=f"Bench visit {n}") for n in range(tickets)]
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
        hooks.ticket(title=f"Bench visit {n}")
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
