"""``autotask-fn demo``: the product's scenarios, run against the built-in fakes.

No account and no network: both fakes run in process (``httpx.WSGITransport``), the real
clients talk HTTP to them, and the sync keeps its links in an embedded SQLite file in a
temporary folder. Every step prints what was read and written on each side and the API calls
it spent, then checks that the expected records exist; the command exits ``0`` only if every
check passed.

Scenarios (from the product description):

1. *Dispatch an Autotask ticket to Field Nation* without re-entering it (import by id).
2. *Providers complete work orders*: the provider's time, notes, expenses, files and signature
   appear on the Autotask ticket for billing, with no manual entry.
3. *End-to-end automation*: a ticket created in Autotask dispatches field work through an
   Autotask webhook, and all field activity syncs back with no manual step.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import attrs

from autotask_fn.autotask.query import eq
from autotask_fn.fieldnation.webhooks import Events
from autotask_fn.store import SqliteStore
from autotask_fn.sync import ConnectorSettings, SyncService
from autotask_fn.testing.autotask import FakeAutotask
from autotask_fn.testing.fieldnation import FakeFieldNation

# Webhook secrets of the demo's own fakes (public, like the fakes' credentials).
FN_WEBHOOK_SECRET = "demo-fieldnation-webhook-secret"  # noqa: S105
AT_CALLOUT_KEY = "demo-autotask-callout-key"
T0 = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)


@attrs.define
class _Check:
    label: str
    ok: bool


class Demo:
    """Both fakes, both clients, an embedded SQLite store and a validated service."""

    def __init__(self, out: TextIO, store_path: Path, *, quiet: bool = False,
                 keep_store: bool = False) -> None:
        self.out = out
        self.quiet = quiet
        self.keep_store = keep_store
        self.checks: list[_Check] = []
        self.at_fake = FakeAutotask()
        self.fn_fake = FakeFieldNation()
        self.at = self.at_fake.client()
        self.fn = self.fn_fake.client()
        self.store = SqliteStore(store_path)
        self.store_path = store_path
        self.settings = _demo_settings(self.at_fake, self.fn_fake)
        self.svc = SyncService(
            autotask=self.at, fieldnation=self.fn, store=self.store,
            settings=self.settings.validate(self.at), clock=self.fn_fake.clock.timestamp,
            worker_id="demo-worker")

    # -- printing and checking -----------------------------------------------------
    def say(self, text: str = "") -> None:
        if not self.quiet:
            print(text, file=self.out)

    def check(self, label: str, ok: bool) -> None:
        self.checks.append(_Check(label, ok))
        self.say(f"    [{'ok' if ok else 'FAILED'}] {label}")

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Print a step title, run it, then print the API calls it spent on each side."""
        self.at_fake.reset_requests()
        self.fn_fake.reset_requests()
        self.say(f"  - {title}")
        yield
        at_calls = self.at_fake.count_requests()
        fn_calls = self.fn_fake.count_requests(path=r"/api/")
        self.say(f"      API calls: Autotask {at_calls}, Field Nation {fn_calls}")

    # -- helpers -------------------------------------------------------------------
    def deliver(self) -> None:
        """Hand every queued webhook (both sides) to the host endpoints, then process."""
        hooks = 0
        for callout in self.at_fake.take_callouts():
            self.svc.handle_autotask_webhook(callout.body, dict(callout.headers))
            hooks += 1
        for delivery in self.fn_fake.take_deliveries():
            self.svc.handle_fieldnation_webhook(delivery.body, delivery.headers)
            hooks += 1
        report = self.svc.process_pending()
        self.say(f"      webhooks acknowledged and queued: {hooks}; processed: "
                 f"{report.processed if hasattr(report, 'processed') else '?'}")

    def ticket_records(self, entity: str, ticket_id: int) -> list[dict[str, Any]]:
        return [r for r in self.at_fake.records(entity) if r.get("ticketID") == ticket_id]

    def dispatcher_ticket(self, **fields: Any) -> int:
        seed = self.at_fake.seed
        return self.at_fake.ui_create_ticket(**{
            "title": "Replace POS terminal at Main St store",
            "description": "Terminal 3 does not power on. Bring a spare.",
            "companyID": seed.company_id, "companyLocationID": seed.location_id,
            "contactID": seed.contact_id, "status": 1, "priority": 2, "queueID": seed.queue_id,
            "dueDateTime": "2026-03-05T18:00:00Z",
            "assignedResourceID": seed.tech_resource_id,
            "assignedResourceRoleID": seed.tech_role_id, **fields})

    # -- scenarios -----------------------------------------------------------------
    def client_tour(self) -> None:
        self.say("\n0. The Autotask client on its own")
        with self.step("zone discovery from the API user name (cached since start-up)"):
            zone = self.at.zone
            self.say(f"      zone {zone.zone_name!r}, REST {zone.url}, tenant ci {zone.ci}")
            self.check("zone discovered", bool(zone.url) and zone.ci is not None)
        seed = self.at_fake.seed
        with self.step("create a ticket with a note and a time entry, then query them back"):
            ticket_id = self.at.create("Tickets", {
                "title": "Client tour ticket", "companyID": seed.company_id, "status": 1,
                "priority": 2, "queueID": seed.queue_id,
                "assignedResourceID": seed.tech_resource_id,
                "assignedResourceRoleID": seed.tech_role_id})
            note_id = self.at.create("TicketNotes", {
                "ticketID": ticket_id, "title": "Hello", "description": "Written by the tour",
                "noteType": self.at.picklist("TicketNotes", "noteType").values[0].value,
                "publish": 1})
            entry_id = self.at.create("TimeEntries", {
                "ticketID": ticket_id, "resourceID": seed.tech_resource_id,
                "roleID": seed.tech_role_id, "dateWorked": "2026-03-05T00:00:00",
                "startDateTime": "2026-03-05T09:00:00Z", "endDateTime": "2026-03-05T10:30:00Z",
                "hoursWorked": 1.5, "summaryNotes": "Tour time"})
            notes = list(self.at.query("TicketNotes", eq("ticketID", ticket_id)))
            entries = list(self.at.query("TimeEntries", eq("ticketID", ticket_id)))
            self.say(f"      ticket {ticket_id}, note {note_id}, time entry {entry_id}")
            self.check("note and time entry read back",
                       [n["id"] for n in notes] == [note_id]
                       and [e["id"] for e in entries] == [entry_id])

    def scenario_dispatch(self) -> tuple[int, int]:
        self.say("\n1. Dispatch an Autotask ticket to Field Nation (import by id)")
        ticket_id = self.dispatcher_ticket()
        with self.step(f"import_ticket({ticket_id})"):
            result = self.svc.import_ticket(ticket_id)
            wo_id = int(result.work_order_id or 0)
            wo = self.fn.get_work_order(wo_id)
            ticket = self.at_fake.record("Tickets", ticket_id) or {}
            self.say(f"      read ticket {ticket.get('ticketNumber')} with its company, "
                     "location and contact")
            self.say(f"      created work order {wo_id}: {wo.title!r}, incident_id "
                     f"{wo.incident_id!r}, status {wo.status.name if wo.status else '?'}")
            self.say(f"      ticket externalID now {ticket.get('externalID')!r}")
            self.check("work order created and linked", result.created and wo_id > 0)
            self.check("ticket number carried in incident_id",
                       wo.incident_id == ticket.get("ticketNumber"))
        with self.step("import the same ticket again (nothing changed)"):
            again = self.svc.import_ticket(ticket_id)
            self.check("no-op re-import writes nothing", not again.wrote)
        return ticket_id, wo_id

    def provider_works(self, wo_id: int) -> None:
        """What a provider does on site (all in Field Nation)."""
        fn = self.fn_fake
        fn.assign(wo_id)
        fn.check_in(wo_id, T0)
        fn.check_out(wo_id, T0 + timedelta(hours=2, minutes=15))
        fn.post_message(wo_id, "Terminal replaced and tested with a sale.")
        fn.post_message(wo_id, "Gate code 4711 for next visit", internal=True)
        for name, call in self.optional_provider_actions(wo_id):
            self.say(f"      provider: {name}")
            call()
        fn.complete_work(wo_id)

    def optional_provider_actions(self, wo_id: int) -> list[tuple[str, Callable[[], Any]]]:
        """Expense with receipt, file and signature."""
        fn = self.fn_fake
        return [
            ("adds a $42.50 parts expense with a photo of the receipt (kept by Field Nation)",
             lambda: fn.add_expense(wo_id, "42.50", "Spare PSU", receipt=b"\xff\xd8receipt")),
            ("uploads a photo", lambda: fn.upload_file(wo_id, "after.jpg", b"\xff\xd8demo")),
            ("captures the customer's signature",
             lambda: fn.capture_signature(wo_id, "Pat Customer", "Store manager")),
        ]

    def scenario_field_work(self, ticket_id: int, wo_id: int) -> None:
        self.say("\n2. Providers complete work orders: labour, notes, expenses, files flow back")
        with self.step("the provider checks in and out, writes notes, completes the work"):
            self.provider_works(wo_id)
            self.deliver()
        with self.step("periodic sweep (time logs, expenses and signatures have no webhook)"):
            report = self.svc.sweep()
            self.say(f"      {_summary(report)}")
        self.report_ticket(ticket_id, expect_hours=2.25)
        with self.step("the same deliveries arrive again (at-least-once) and a quiet sweep"):
            self.fn_fake.post_message(wo_id, "Thanks!")
            deliveries = self.fn_fake.take_deliveries(duplicate=1.0)
            for d in deliveries:
                self.svc.handle_fieldnation_webhook(d.body, d.headers)
            self.svc.process_pending()
            before = self.at_fake.count_requests()
            self.svc.sweep()
            quiet_calls = self.at_fake.count_requests() - before
            notes = self.ticket_records("TicketNotes", ticket_id)
            self.check("a duplicated delivery writes one note",
                       sum("Thanks!" in (n.get("description") or "") for n in notes) == 1)
            self.check("a quiet sweep costs no Autotask call", quiet_calls == 0)

    def report_ticket(self, ticket_id: int, *, expect_hours: float) -> None:
        entries = self.ticket_records("TimeEntries", ticket_id)
        notes = self.ticket_records("TicketNotes", ticket_id)
        hours = sum(float(e.get("hoursWorked") or 0) for e in entries)
        status = (self.at_fake.record("Tickets", ticket_id) or {}).get("status")
        label = self.at.picklist("Tickets", "status").label_for(status) if status else None
        self.say(f"      Autotask ticket status: {label!r}")
        self.say(f"      Autotask ticket {ticket_id}: {len(entries)} time entr"
                 f"{'y' if len(entries) == 1 else 'ies'} ({hours:g} h), {len(notes)} notes")
        for note in notes:
            self.say(f"        note {note['id']} publish={note.get('publish')}: "
                     f"{(note.get('description') or '')[:60]!r}")
        self.check(f"{expect_hours:g} h of labour on the ticket", abs(hours - expect_hours) < 1e-6)
        self.check("notes written, the internal one kept internal",
                   any(n.get("publish") == 2 for n in notes)
                   and any(n.get("publish") == 1 for n in notes))
        self.check_billing(ticket_id)

    def check_billing(self, ticket_id: int) -> None:
        """Expenses or charges, and attachments."""
        charges = self.ticket_records("TicketCharges", ticket_id)
        items = self.ticket_records("ExpenseItems", ticket_id)
        attachments = [a for a in self.at_fake.records("TicketAttachments")
                       if a.get("parentID") == ticket_id]
        self.say(f"      expense items {len(items)}, charges {len(charges)}, "
                 f"attachments {len(attachments)}")
        self.check("the expense reached Autotask", len(items) + len(charges) == 1)
        # Field Nation's published Expense model shows no receipt on read: the item never
        # claims one on a guess, and only the photo and the signature are attached.
        self.check("the expense item claims no receipt it cannot see",
                   all(item.get("haveReceipt") is False for item in items))
        self.check("photo and signature attached", len(attachments) == 2)
        for attachment in attachments:
            self.say(f"        attachment {attachment['id']}: {attachment.get('title')!r} "
                     f"({attachment.get('attachmentType')}, publish={attachment.get('publish')})")

    def scenario_automation(self) -> None:
        self.say("\n3. End-to-end automation through an Autotask webhook")
        from autotask_fn.autotask.webhooks import create_ticket_webhook

        with self.step("one-time set-up: an Autotask ticket callout and a Field Nation webhook"):
            create_ticket_webhook(
                self.at, name="autotask-fn demo", webhook_url="https://host.example/autotask",
                deactivation_url="https://host.example/autotask/deactivated",
                secret_key=AT_CALLOUT_KEY,
                field_ids=[self.at_fake.webhook_field_id("title"),
                           self.at_fake.webhook_field_id("status")],
                excluded_resource_ids=[self.at_fake.api_resource_id])
        with self.step("a dispatcher creates a ticket in the Autotask UI; the callout imports it"):
            before = set(self.fn_fake.state.work_orders)
            ticket_id = self.dispatcher_ticket(title="Install card reader at Oak Ave store")
            self.deliver()
            new = sorted(set(self.fn_fake.state.work_orders) - before)
            self.check("exactly one work order dispatched by the callout", len(new) == 1)
        wo_id = new[0] if new else 0
        with self.step("the provider works; everything flows back with no manual step"):
            self.provider_works(wo_id)
            self.deliver()
            self.svc.sweep()
        self.report_ticket(ticket_id, expect_hours=2.25)
        with self.step("our own writes cause no import loop"):
            self.deliver()
            self.check("still one work order for the ticket",
                       len(set(self.fn_fake.state.work_orders) - before) == 1)

    def print_links(self) -> None:
        where = (f"{self.store_path.resolve()} (embedded SQLite, kept)" if self.keep_store else
                 "a temporary SQLite file, deleted when the demo ends (--store FILE keeps it)")
        self.say(f"\nLinks kept in {where}:")
        from autotask_fn._cli_output import table

        rows = [(link.kind, link.fn_id, f"{link.at_entity} {link.at_id}", link.state.value)
                for link in self.store.list_links()]
        for line in table(rows, ("kind", "FN id", "Autotask", "state")).splitlines():
            self.say(f"  {line}")

    def run(self) -> bool:
        self.say("autotask-fn demo: Autotask PSA <-> Field Nation, on built-in fakes "
                 "(no account, no network)")
        try:
            self.client_tour()
            ticket_id, wo_id = self.scenario_dispatch()
            self.scenario_field_work(ticket_id, wo_id)
            self.scenario_automation()
            self.print_links()
        except BrokenPipeError:
            raise
        except Exception as exc:  # a demo reports failures as a failed step
            self.check(f"demo step raised {type(exc).__name__}: {exc}", False)
        failed = [c for c in self.checks if not c.ok]
        print(f"\n{len(self.checks) - len(failed)} checks passed, {len(failed)} failed",
              file=self.out)
        for c in failed:
            print(f"  FAILED: {c.label}", file=self.out)
        return not failed


def _demo_settings(at_fake: FakeAutotask, fn_fake: FakeFieldNation) -> ConnectorSettings:
    from autotask_fn.sync.inbound_settings import InboundSettings

    inbound = InboundSettings(
        webhook_secrets=(AT_CALLOUT_KEY,), api_resource_id=at_fake.api_resource_id,
        publish=True, type_of_work_id=11, template_id=701,
        pay={"type": "fixed", "base": {"amount": 150, "units": 1}})
    # Field Nation providers come without an e-mail: the technician is mapped by user id.
    resources = {str(fn_fake.seed.provider_id): at_fake.seed.tech_resource_id}
    return ConnectorSettings(webhook_secrets=(FN_WEBHOOK_SECRET,), inbound=inbound,
                             resource_map=resources)


def _summary(report: Any) -> str:
    summary = getattr(report, "summary", None)
    if callable(summary):
        return str(summary())
    parts = [f"{name} {getattr(report, name)}" for name in ("checked", "unchanged", "synced")
             if hasattr(report, name)]
    return "sweep: " + ", ".join(parts) if parts else str(report)


def run_demo(*, out: TextIO, quiet: bool = False, store_path: Path | None = None,
             result: dict[str, Any] | None = None) -> int:
    """Run the demo; ``0`` if every step produced the expected records, else ``1``.

    The link store is a temporary SQLite file removed at the end, or ``store_path`` (kept).
    ``result``, when given, is filled with ``checks`` (``label``, ``ok``), ``passed``,
    ``failed`` and ``store`` (the kept file, or ``None``) for ``--json``.
    """
    with tempfile.TemporaryDirectory(prefix="autotask-fn-demo-") as folder:
        path = store_path if store_path is not None else Path(folder) / "autotask_fn.sqlite3"
        demo = Demo(out, path, quiet=quiet, keep_store=store_path is not None)
        demo.fn_fake.register_webhook("https://host.example/fieldnation",
                                      list(Events.all()), FN_WEBHOOK_SECRET)
        ok = demo.run()
        demo.store.close()
    if result is not None:
        failed = sum(not c.ok for c in demo.checks)
        result.update(
            checks=[{"label": c.label, "ok": c.ok} for c in demo.checks],
            passed=len(demo.checks) - failed, failed=failed,
            store=str(store_path.resolve()) if store_path is not None else None)
    return 0 if ok else 1
