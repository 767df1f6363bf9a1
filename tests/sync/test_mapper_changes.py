"""Mapper changes that apply: a deployed mapper whose output differs re-syncs the work orders
already synced on the next sweep; a renamed mapper with the same output re-syncs nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from world import World

from autotask_fn.fieldnation.models import Expense, Message, TimeLog, WorkOrder
from autotask_fn.mapping.billing import BillingMapper
from autotask_fn.mapping.outbound import OutboundMapper, at_datetime
from autotask_fn.sync import SyncService
from autotask_fn.sync.attachments import attachment_reconcilers
from autotask_fn.sync.expenses import ChargeReconciler, ExpenseItemReconciler
from autotask_fn.sync.reconcilers import NoteReconciler, TicketFieldsReconciler, TimeEntryReconciler
from autotask_fn.sync.settings import ValidatedSettings

T0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
SIGNALS = {"sweep_trust_message_count": True, "sweep_trust_updated": True}


class SummaryMapper(OutboundMapper):
    """The time-entry summary says who logged the time."""

    def time_entry_summary(self, log: TimeLog, wo: WorkOrder, part: int,
                           settings: ValidatedSettings) -> str:
        return f"FN {wo.id}: visit by {log.logged_by.display_name if log.logged_by else '?'}"


class TitleMapper(OutboundMapper):
    """The note title starts with the words "Field Nation"."""

    def note_title(self, message: Message) -> str:
        return "Field Nation: " + super().note_title(message)


class LaterDueMapper(OutboundMapper):
    """The ticket is due two hours after the service window starts."""

    def due_date(self, wo: WorkOrder, settings: ValidatedSettings) -> str | None:
        start = wo.schedule.start if wo.schedule else None
        return at_datetime(start + timedelta(hours=2)) if start else None


class ShoutingBillingMapper(BillingMapper):
    """Expense labels in capitals."""

    def label(self, expense: Expense) -> str:
        return super().label(expense).upper()


def billing_service(world: World, billing: BillingMapper) -> SyncService:
    """A deployment whose expense reconcilers use ``billing``."""
    return SyncService(
        autotask=world.at, fieldnation=world.fn, store=world.store, settings=world.validated,
        clock=world.clock, reconcilers=[
            TicketFieldsReconciler(), TimeEntryReconciler(), NoteReconciler(),
            ExpenseItemReconciler(billing), ChargeReconciler(billing),
            *attachment_reconcilers()])


class RenamedOutboundMapper(OutboundMapper):
    """Another name, the same output."""


def synced(**settings: Any) -> tuple[World, list[int]]:
    """Two linked work orders, each with a closed time log and a message, swept (twice: the
    change signals are then old enough to be trusted)."""
    world = World(**settings)
    wos = []
    for n in range(2):
        wo, _ticket = world.linked_work_order(title=f"Mapper {n}")
        world.fn_fake.log_time(wo, T0, T0 + timedelta(minutes=90))
        world.fn_fake.post_message(wo, "On site at 9")
        wos.append(wo)
    world.fn_fake.take_deliveries()
    world.svc.sweep()
    world.fn_fake.clock.advance(3600)
    world.svc.sweep()
    return world, wos


def deploy(world: World, mapper: OutboundMapper) -> SyncService:
    """The service a new deployment starts, over the same store."""
    return SyncService(autotask=world.at, fieldnation=world.fn, store=world.store,
                       settings=world.validated, clock=world.clock, mapper=mapper)


def writes(world: World) -> int:
    """Autotask writes served since the last reset (queries are POSTs too: left out)."""
    fake = world.at_fake
    return (fake.count_requests("POST") - fake.count_requests("POST", r"/query")
            + fake.count_requests("PATCH") + fake.count_requests("PUT")
            + fake.count_requests("DELETE"))


@pytest.mark.parametrize("settings", [{}, SIGNALS], ids=["default", "change-signals"])
def test_a_changed_time_entry_summary_reaches_synced_work_orders_in_one_sweep(
        settings: dict[str, Any]) -> None:
    world, wos = synced(**settings)
    assert all(e["summaryNotes"].startswith("Field Nation work order")
               for e in world.at_fake.records("TimeEntries"))
    world.at_fake.reset_requests()

    report = deploy(world, SummaryMapper()).sweep()

    assert report.synced == 2
    summaries = sorted(e["summaryNotes"] for e in world.at_fake.records("TimeEntries"))
    assert [s.split(": visit by ")[0] for s in summaries] == sorted(f"FN {wo}" for wo in wos)
    assert world.at_fake.count_requests("PATCH", r"TimeEntries") == 2
    assert world.at_fake.count_requests("PATCH", r"Notes") == 0  # the notes did not change


def test_a_changed_note_title_reaches_synced_work_orders_in_one_sweep() -> None:
    world, _wos = synced()
    report = deploy(world, TitleMapper()).sweep()
    assert report.synced == 2
    titles = [n["title"] for n in world.at_fake.records("TicketNotes")]
    assert len(titles) == 2
    assert all("Field Nation: " in t for t in titles)
    # a second sweep finds nothing left to do
    world.at_fake.reset_requests()
    again = deploy(world, TitleMapper()).sweep()
    assert (again.unchanged, writes(world)) == (2, 0)


@pytest.mark.parametrize("settings", [{}, SIGNALS], ids=["default", "change-signals"])
def test_a_changed_expense_label_reaches_synced_expense_items(settings: dict[str, Any]) -> None:
    world, wos = synced(**settings)
    for wo in wos:
        world.fn_fake.add_expense(wo, "12.50", "Parking")
    world.fn_fake.take_deliveries()
    world.svc.sweep()
    world.fn_fake.clock.advance(3600)
    assert billing_service(world, BillingMapper()).sweep().synced == 0  # same output
    world.at_fake.reset_requests()

    report = billing_service(world, ShoutingBillingMapper()).sweep()

    assert report.synced == 2
    items = world.at_fake.records("ExpenseItems")
    assert len(items) == 2
    assert all("PARKING" in item["description"] for item in items)
    assert world.at_fake.count_requests("PATCH", r"Items") == 2


def test_a_changed_ticket_field_mapping_patches_only_that_field() -> None:
    world, wos = synced()
    for wo in wos:
        world.fn_fake.update_work_order(wo, schedule={"service_window": {
            "mode": "exact", "start": {"utc": "2026-02-10 15:30:00"}}})
    world.fn_fake.take_deliveries()
    world.svc.sweep()
    tickets = [world.svc.store.get_link(world.svc.scope, "wo", str(wo)).at_id for wo in wos]
    for ticket in tickets:
        world.at_fake.ui_update_ticket(ticket, title="Renamed by the dispatcher")
    world.at_fake.reset_requests()

    report = deploy(world, LaterDueMapper()).sweep()

    assert report.synced == 2
    for ticket in tickets:
        record = world.at_fake.record("Tickets", ticket)
        assert record is not None
        assert record["dueDateTime"].startswith("2026-02-10T17:30:00")
        assert record["title"] == "Renamed by the dispatcher"  # not a field the change touched
    assert {c.fields for r in report.reports for c in r.changes if c.kind == "wo"} == {
        ("dueDateTime",)}


@pytest.mark.parametrize("settings", [{}, SIGNALS], ids=["default", "change-signals"])
def test_a_renamed_mapper_with_the_same_output_resyncs_nothing(
        settings: dict[str, Any]) -> None:
    world, _wos = synced(**settings)
    world.at_fake.reset_requests()
    report = deploy(world, RenamedOutboundMapper()).sweep()
    assert (report.checked, report.unchanged, report.synced) == (2, 2, 0)
    assert writes(world) == 0


def test_sweep_force_reconciles_unchanged_work_orders_and_writes_only_differences() -> None:
    world, _wos = synced()
    world.at_fake.reset_requests()
    assert world.svc.sweep().unchanged == 2
    forced = world.svc.sweep(force=True)
    assert (forced.checked, forced.unchanged) == (2, 0)
    assert all(r.skipped is None for r in forced.reports)
    assert writes(world) == 0
