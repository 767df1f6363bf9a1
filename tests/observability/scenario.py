"""One scenario that makes every observable thing happen once or more, over both fakes.

A linked work order gets a time log, a message and a title change (records written to
Autotask, each request answered once with a 429 first), a ticket is imported (a work order
written to Field Nation), an unreadable inbox entry is dead-lettered, and two webhooks are
refused (a bad Field Nation signature, an unsigned Autotask callout).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from autotask_fn.sync import SyncService
from autotask_fn.sync.events import EventSink
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.testing.autotask import FakeAutotask
from autotask_fn.testing.fieldnation import FakeFieldNation
from autotask_fn.testing.rig import CALLOUT_KEY as KEY
from autotask_fn.testing.rig import WEBHOOK_SECRET as SECRET
from autotask_fn.testing.rig import SyncRig

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


class Scenario(SyncRig):
    """The public rig with inbound settings whose service has ``events`` and a
    ``tracer_provider``."""

    def __init__(self, events: EventSink | None = None, tracer_provider: Any = None) -> None:
        super().__init__(inbound=InboundSettings())
        self.svc = SyncService(autotask=self.at, fieldnation=self.fn, store=self.store,
                               settings=self.validated, clock=self.clock, worker_id="w1",
                               events=events, tracer_provider=tracer_provider)

    def ticket(self, **fields: object) -> int:
        """A dispatcher's ticket (company, location, contact, due date), as the inbound rig
        made it."""
        return self.dispatch_ticket(**fields)

    def run(self) -> dict[str, Any]:
        """Run the whole scenario; what it made (ids and the reports)."""
        seed = self.at_fake.seed
        wo = self.fn_fake.create_work_order()
        self.fn_fake.assign(wo)
        ticket = self.dispatch_ticket(assignedResourceID=seed.tech_resource_id,
                             assignedResourceRoleID=seed.tech_role_id)
        self.svc.link_work_order(wo, ticket)
        self.fn_fake.take_deliveries()
        self.fn_fake.log_time(wo, T0, T0 + timedelta(hours=2))
        self.fn_fake.post_message(wo, "Parts arrived, call me on 555-0100")
        self.fn_fake.update_work_order(wo, title="Replace POS terminal #7")
        self.at_fake.fail_next("TimeEntries$", status=429, method="POST",
                               headers={"Retry-After": "1"})
        self.fn_fake.fail_next(f"workorders/{wo}$", status=429, method="GET",
                               headers={"Retry-After": "1"})
        acks = [self.svc.handle_fieldnation_webhook(d.body, d.headers).status
                for d in self.fn_fake.take_deliveries()]
        self.store.enqueue("fieldnation", "corrupted-delivery", b"{not json", {},
                           now=self.clock())
        processed = self.svc.process_pending()
        refused_fn = self.svc.handle_fieldnation_webhook(b'{"event": "x"}',
                                                         {"x-fn-signature": "bad"})
        refused_at = self.svc.handle_autotask_webhook(b'{"id": 1}', {})
        imported_ticket = self.dispatch_ticket(title="Install a printer")
        imported = self.svc.import_ticket(imported_ticket)
        return {"wo": wo, "ticket": ticket, "acks": acks, "processed": processed,
                "refused": (refused_fn.status, refused_at.status),
                "imported_ticket": imported_ticket, "imported": imported}

    def secrets(self) -> list[str]:
        """Every credential and signing key of the scenario, and the live access token."""
        return [FakeAutotask.INTEGRATION_CODE, FakeFieldNation.CLIENT_SECRET, SECRET, KEY,
                f"password={FakeFieldNation.PASSWORD}", self.fn.tokens.token()]

    def personal(self, *work_orders: int) -> list[str]:
        """E-mails, names and phone numbers the fakes hold about people."""
        seed = self.at_fake.seed
        found: list[str] = [FakeAutotask.USERNAME, "555-0100"]
        for entity, record_id in (("Contacts", seed.contact_id),
                                  ("Resources", seed.tech_resource_id)):
            record = self.at_fake.record(entity, record_id) or {}
            found.append(f"{record['firstName']} {record['lastName']}")
            found.extend(str(record[k]) for k in ("emailAddress", "email", "phone")
                         if record.get(k))
        for user in (self.fn.get_work_order(wo).assignee for wo in work_orders):
            if user is not None and user.first_name and user.last_name:
                found.append(f"{user.first_name} {user.last_name}")
            if user is not None and user.email:
                found.append(user.email)
        return sorted(set(found))


def leaks(texts: Iterable[str], needles: Iterable[str]) -> list[str]:
    """The needles found in any of the texts."""
    joined = "\n".join(texts)
    return [n for n in needles if n in joined]
