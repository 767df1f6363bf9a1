"""Inbound imports: Autotask and Field Nation calls per import, and webhook acknowledgement time.

    python -m bench.inbound [--tickets 20]

Runs on the public test rig (``autotask_fn.testing.rig.SyncRig``) with Autotask imports on
(no network). For each of ``--tickets``
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
from typing import Any

from autotask_fn.autotask.webhooks import create_ticket_webhook
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.testing.rig import CALLOUT_KEY, SyncRig


def _rig(**inbound: Any) -> SyncRig:
    """The public test rig with Autotask imports on (``inbound`` settings)."""
    return SyncRig(inbound=InboundSettings(**inbound))


def _row(name: str, samples: list[tuple[int, int, float]]) -> str:
    at = statistics.mean(s[0] for s in samples)
    fn = statistics.mean(s[1] for s in samples)
    ms = statistics.mean(s[2] for s in samples) * 1000
    return f"{name:<44} {at:>9.2f} {fn:>9.2f} {ms:>9.2f}"


def run(tickets: int) -> list[str]:
    """Measure and return the report lines."""
    rig = _rig()
    ids = [rig.dispatch_ticket(title=f"Bench visit {n}") for n in range(tickets)]
    first = [rig.calls(lambda t=t: rig.svc.import_ticket(t)) for t in ids]
    for t in ids:
        rig.at_fake.ui_update_ticket(t, title="Bench visit, changed")
    update = [rig.calls(lambda t=t: rig.svc.import_ticket(t)) for t in ids]
    noop = [rig.calls(lambda t=t: rig.svc.import_ticket(t)) for t in ids]

    with_files = _rig(import_attachments=True)
    file_ids = [with_files.dispatch_ticket(title=f"Bench visit {n}") for n in range(tickets)]
    for t in file_ids:
        with_files.attach(t)
    file_first = [with_files.calls(lambda t=t: with_files.svc.import_ticket(t))
                  for t in file_ids]
    file_noop = [with_files.calls(lambda t=t: with_files.svc.import_ticket(t))
                 for t in file_ids]

    hooks = _rig()
    create_ticket_webhook(
        hooks.at, name="bench", webhook_url="https://host.test/at",
        deactivation_url="https://host.test/at/off", secret_key=CALLOUT_KEY,
        field_ids=[hooks.at_fake.webhook_field_id("title")],
        excluded_resource_ids=[hooks.at_fake.api_resource_id])
    for n in range(tickets):
        hooks.dispatch_ticket(title=f"Bench visit {n}")
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
