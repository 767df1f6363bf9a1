"""Expenses -> Autotask: ExpenseItems on weekly ExpenseReports, or TicketCharges.

One destination is active (``ConnectorSettings.expenses.destination``):

* :class:`ExpenseItemReconciler`: each expense becomes an ExpenseItem on the report of its
  submitter (the provider's Autotask resource) for the week the expense falls in. Reports are
  made unsubmitted, one per (resource, week ending), and found again by the marker at the end
  of their name (:class:`ReportFinder`). Items are edited only while their report is open: a
  submitted report refuses changes and the item's link turns ``diverged`` (reported, never
  retried forever). A disapproved expense zeroes its item while the report is open.
* :class:`ChargeReconciler`: each expense becomes a TicketCharge (marker in ``notes``); a
  disapproved expense deletes its charge unless the charge was billed (then: diverged).

``trigger`` decides when an expense is billed: as soon as it is seen (``submitted``) or once
the buyer approved it (``approved``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import attrs

from autotask_fn.autotask.errors import AutotaskValidationError
from autotask_fn.autotask.query import contains
from autotask_fn.fieldnation.models import Expense
from autotask_fn.mapping.attachments import AttachmentMapper
from autotask_fn.mapping.billing import BillingMapper, week_ending
from autotask_fn.mapping.outbound import MappedRecord
from autotask_fn.store.base import Link, LinkState, scoped_key
from autotask_fn.sync.errors import SyncInputError, WorkOrderBusyError
from autotask_fn.sync.locks import HeldLock, acquire
from autotask_fn.sync.outbound_settings import ExpenseSettings, settings_part
from autotask_fn.sync.quiet import expenses_signal
from autotask_fn.sync.reconcile import LOCKED_TEXT, RecordReconciler, WorkOrderContext
from autotask_fn.sync.reports import Action, Change
from autotask_fn.sync.validate import valid_expenses

__all__ = [
    "REPORT_KIND",
    "ChargeReconciler",
    "ExpenseItemReconciler",
    "ReportFinder",
    "expense_settings",
    "expenses_of",
    "on_ticket",
    "report_locked",
]

#: Link kind of an ExpenseReport (one per submitter resource and week ending).
REPORT_KIND = "report"


def expense_settings(ctx: WorkOrderContext) -> tuple[ExpenseSettings, dict[str, Any]]:
    """The expense settings and their resolved values."""
    part, resolved = settings_part(ctx.settings, "expenses", ExpenseSettings,
                                   ctx.service.autotask)
    assert isinstance(part, ExpenseSettings)
    return part, dict(resolved)


def expenses_of(ctx: WorkOrderContext) -> list[Expense]:
    """The work order's expenses fit to bill (one Field Nation GET per sync, shared by the
    reconcilers); bad ones are rejected on ``ctx`` (:func:`~autotask_fn.sync.validate.
    valid_expenses`)."""
    if "expenses" not in ctx.cache:
        ctx.cache["expenses"] = ctx.service.fieldnation.list_expenses(ctx.work_order_id)
    found: list[Expense] = ctx.cache["expenses"]
    return valid_expenses(ctx, found)


def on_ticket(ctx: WorkOrderContext) -> bool:
    """True when the work order is linked to a ticket (not a project task imported inbound,
    whose expenses and files these reconcilers cannot place)."""
    return ctx.link.at_entity == "Tickets"


#: The day an undated expense is mapped on in the change digest (the clock's day would
#: change the digest every day).
_PLACEHOLDER_DAY = date(2000, 1, 3)


def _today(ctx: WorkOrderContext) -> date:
    return datetime.fromtimestamp(ctx.service.clock(), UTC).date()


def _expense_facts(ctx: WorkOrderContext, mapper: AttachmentMapper) -> list[Any]:
    signal = expenses_signal(ctx)  # a sweep with sweep_trust_updated on
    if signal is not None:
        return signal
    facts = []
    for e in expenses_of(ctx):
        receipt = mapper.receipt(e)
        facts.append([e.id, e.status, str(e.amount), str(e.quantity), e.description,
                      e.category, e.author.id if e.author else None,
                      (e.author.email or "").lower() if e.author else None,
                      e.author.display_name if e.author else None,
                      e.added.isoformat() if e.added else None,
                      [receipt.id, receipt.size_bytes, receipt.name] if receipt else None])
    return facts


def report_locked(row: Mapping[str, Any], resolved: Mapping[str, Any]) -> bool:
    """Whether an ExpenseReport refuses new items: its ``status`` is not one of the open ones
    resolved by label from the tenant's metadata (In Progress, Rejected); a report without a
    status is judged by its ``submit`` flag."""
    status = row.get("status")
    if status is None:
        return bool(row.get("submit"))
    open_statuses = {int(v) for v in resolved.get("open_report_statuses") or () if v is not None}
    return int(status) not in open_statuses


@attrs.define
class ReportFinder:
    """Finds or creates the ExpenseReport of one submitter and week ending.

    The report's link (kind ``report``, id ``<resource>-<YYYYMMDD>``) is shared by every work
    order; without one, one query for the marker in report names runs before any create (and
    again after an ambiguous failure), so a report is never made twice. Work orders of one
    provider and week are synced by different workers at once, so the find-or-create runs
    under a store lock on the report's key (waiting up to ``lock_wait`` seconds for another
    worker's find-or-create; :class:`~autotask_fn.sync.errors.WorkOrderBusyError` after that).
    """

    mapper: BillingMapper = attrs.field(factory=BillingMapper)
    lock_wait: float = 10.0

    def key(self, resource_id: int, ending: date) -> str:
        """The link id of a report."""
        return f"{resource_id}-{ending:%Y%m%d}"

    def find(self, ctx: WorkOrderContext, resource_id: int, ending: date) -> Link:
        """The report's link (adopted or created when missing)."""
        store, scope = ctx.service.store, ctx.scope
        key = self.key(resource_id, ending)
        link = store.get_link(scope, REPORT_KIND, key)
        if link is not None:
            return link
        service = ctx.service
        ttl = service.settings.lock_ttl
        held = acquire(store, scoped_key(scope, REPORT_KIND, key), service.lock_owner, ttl,
                       now=service.store_now, wait=min(self.lock_wait, ttl),
                       work_order_id=ctx.work_order_id)
        if held is None:
            raise WorkOrderBusyError(ctx.work_order_id, f"ExpenseReport {key} is being found "
                                                        "or created by another worker")
        try:
            # Made by the worker that held the lock before us?
            return store.get_link(scope, REPORT_KIND, key) or self._find_or_create(
                ctx, resource_id, ending, held)
        finally:
            held.release()

    def _find_or_create(self, ctx: WorkOrderContext, resource_id: int, ending: date,
                        held: HeldLock) -> Link:
        store, scope = ctx.service.store, ctx.scope
        key = self.key(resource_id, ending)
        marker = ctx.service.markers.make(REPORT_KIND, key)
        settings, _ = expense_settings(ctx)
        autotask = ctx.service.autotask
        rows = [r for r in autotask.query("ExpenseReports", contains("name", marker.text))
                if marker.in_text(str(r.get("name") or ""))]
        if rows:
            row = min(rows, key=lambda r: int(r["id"]))
            at_id = int(row["id"])
            locked = report_locked(row, expense_settings(ctx)[1])
            action = Action.ADOPTED
        else:
            fields = self.mapper.report(marker, resource_id=resource_id, ending=ending,
                                        template=settings.report_name)
            ctx.fence()
            held.fence()
            try:
                at_id = autotask.create("ExpenseReports", fields)
            except AutotaskValidationError as exc:
                raise SyncInputError(f"ExpenseReports for resource {resource_id}",
                                     "; ".join(exc.errors) or exc.message) from exc
            locked = False
            action = Action.CREATED
        link = store.save_link(Link(
            scope=scope, kind=REPORT_KIND, fn_id=key, at_entity="ExpenseReports", at_id=at_id,
            work_order_id=0, data={"locked": locked, "week_ending": ending.isoformat(),
                                   "resource_id": resource_id}))
        ctx.record(Change(REPORT_KIND, key, action, "ExpenseReports", at_id))
        return link

    def mark_locked(self, ctx: WorkOrderContext, link: Link) -> None:
        """Remember that a report was submitted (no more items go to it)."""
        ctx.service.store.save_link(attrs.evolve(link, data={**link.data, "locked": True}))

    def submit_due(self, ctx: WorkOrderContext, links: Sequence[Link]) -> None:
        """Submit the open reports among ``links`` whose week has ended."""
        today = _today(ctx)
        for link in links:
            current = ctx.service.store.get_link(ctx.scope, REPORT_KIND, link.fn_id) or link
            ending = date.fromisoformat(str(current.data.get("week_ending")))
            if current.data.get("locked") or ending >= today:
                continue
            ctx.fence()
            try:
                ctx.service.autotask.update("ExpenseReports", {"id": current.at_id,
                                                               "submit": True})
            except AutotaskValidationError as exc:
                if not LOCKED_TEXT.search("; ".join(exc.errors) or exc.message):
                    raise
            self.mark_locked(ctx, current)
            ctx.record(Change(REPORT_KIND, current.fn_id, Action.UPDATED, "ExpenseReports",
                              current.at_id, fields=("submit",)))


class ExpenseItemReconciler(RecordReconciler):
    """Expenses -> ExpenseItems on the submitter's weekly ExpenseReport (marker in
    ``description``); active when ``expenses.destination`` is ``expense_report``."""

    name = "expenses"
    kind = "expense"
    at_entity = "ExpenseItems"
    can_update = True
    can_delete = False

    def __init__(self, mapper: BillingMapper | None = None,
                 files: AttachmentMapper | None = None) -> None:
        self.mapper = mapper or BillingMapper()
        self.files = files or AttachmentMapper()
        self.reports = ReportFinder(self.mapper)

    def active(self, ctx: WorkOrderContext) -> bool:
        """True when expenses go to expense reports (and the work order has a ticket)."""
        settings, _ = expense_settings(ctx)
        return settings.enabled and settings.destination == "expense_report" and on_ticket(ctx)

    def marker_field(self, ctx: WorkOrderContext) -> str:
        """The item description carries the marker."""
        return "description"

    def fingerprint(self, ctx: WorkOrderContext) -> Any:
        """Every expense's facts (status, money, category, author, receipt)."""
        return _expense_facts(ctx, self.files) if self.active(ctx) else None

    def mapped(self, ctx: WorkOrderContext) -> Any:
        """The items the mapper makes of the expenses, with placeholders for what comes
        from Autotask (report, company) and the clock (the day of an undated expense)."""
        if not self.active(ctx):
            return None
        settings, resolved = expense_settings(ctx)
        out = []
        for expense in expenses_of(ctx):
            marker = ctx.service.markers.make(self.kind, expense.id)
            out.append(self.mapper.expense_item(
                expense, marker, report_id=0, ticket_id=ctx.ticket_id,
                day=self.mapper.expense_date(expense, _PLACEHOLDER_DAY),
                category=self.mapper.category(expense, resolved.get("categories") or {},
                                              int(resolved.get("default_category") or 0)),
                billable=settings.billable, reimbursable=settings.reimbursable,
                have_receipt=self.files.receipt(expense) is not None,
                payment_type=resolved.get("payment_type"), company_id=None,
                zeroed=not self.mapper.wanted(expense, settings.trigger)).fields)
        return out

    def reconcile(self, ctx: WorkOrderContext) -> None:
        """Create, update or zero the items, then submit the open reports whose week has
        ended (when ``submit_reports`` is on)."""
        if not self.active(ctx):
            return
        super().reconcile(ctx)
        settings, _ = expense_settings(ctx)
        if settings.submit_reports:
            open_reports = [lk for lk in ctx.service.store.list_links(ctx.scope, REPORT_KIND)
                            if not lk.data.get("locked")]
            self.reports.submit_due(ctx, open_reports)

    def desired(self, ctx: WorkOrderContext) -> Sequence[MappedRecord]:
        """One item per billable expense; a zeroed one per disapproved, already linked one."""
        if "desired:expense" in ctx.cache:
            cached: list[MappedRecord] = ctx.cache["desired:expense"]
            return cached
        settings, resolved = expense_settings(ctx)
        links = self.links(ctx)
        out: list[MappedRecord] = []
        for expense in expenses_of(ctx):
            zeroed = not self.mapper.wanted(expense, settings.trigger)
            if zeroed and not (self.mapper.is_disapproved(expense) and str(expense.id) in links):
                continue
            out.append(self.item(ctx, expense, settings, resolved, zeroed=zeroed,
                                 link=links.get(str(expense.id))))
        ctx.cache["desired:expense"] = out
        return out

    def item(self, ctx: WorkOrderContext, expense: Expense, settings: ExpenseSettings,
             resolved: dict[str, Any], *, zeroed: bool, link: Link | None) -> MappedRecord:
        """The ExpenseItem of one expense (finding or creating its report)."""
        day = self.mapper.expense_date(expense, _today(ctx))
        if link is not None and link.data.get("report_id"):
            report_id = int(link.data["report_id"])
        else:
            resource_id = ctx.service.resource_for(expense.author, ctx)
            report = self.reports.find(ctx, resource_id, week_ending(day,
                                                                     settings.week_ending_day))
            report_id = report.at_id
        marker = ctx.service.markers.make(self.kind, expense.id)
        return self.mapper.expense_item(
            expense, marker, report_id=report_id, ticket_id=ctx.ticket_id, day=day,
            category=self.mapper.category(expense, resolved.get("categories") or {},
                                          int(resolved.get("default_category") or 0)),
            billable=settings.billable, reimbursable=settings.reimbursable,
            have_receipt=self.files.receipt(expense) is not None,
            payment_type=resolved.get("payment_type"), company_id=self.company_id(ctx),
            zeroed=zeroed)

    def company_id(self, ctx: WorkOrderContext) -> int | None:
        """The ticket's company, which items are billed to (read once, kept in the link)."""
        if "ticket_company_id" not in ctx.data:
            ticket = ctx.ticket()
            if ticket is None:
                ctx.ensure_ticket()
            company = (ticket or {}).get("companyID")
            ctx.data["ticket_company_id"] = None if company is None else int(company)
        cached = ctx.data["ticket_company_id"]
        return None if cached is None else int(cached)  # 0 is the tenant's root company

    def create(self, ctx: WorkOrderContext, rec: MappedRecord, digest: str) -> None:
        """Create the item; a report that was submitted meanwhile turns the link diverged."""
        try:
            super().create(ctx, rec, digest)
        except SyncInputError as exc:
            if not LOCKED_TEXT.search(str(exc)):
                raise
            ctx.service.store.save_link(Link(
                scope=ctx.scope, kind=self.kind, fn_id=rec.fn_id, at_entity=self.at_entity,
                at_id=0, work_order_id=ctx.work_order_id, content_hash=digest,
                state=LinkState.DIVERGED, data={"reason": str(exc)[:500], "locked": True}))
            ctx.record(Change(self.kind, rec.fn_id, Action.DIVERGED, self.at_entity, None,
                              detail=str(exc)[:500]))
        else:
            self._remember_report(ctx, rec)

    def update(self, ctx: WorkOrderContext, link: Link, rec: MappedRecord, digest: str) -> None:
        """PATCH the item while its report is open (a locked report: diverged)."""
        super().update(ctx, link, rec, digest)
        self._remember_report(ctx, rec)

    def _remember_report(self, ctx: WorkOrderContext, rec: MappedRecord) -> None:
        store = ctx.service.store
        link = store.get_link(ctx.scope, self.kind, rec.fn_id)
        report_id = rec.fields.get("expenseReportID")
        if link is not None and link.data.get("report_id") != report_id:
            store.save_link(attrs.evolve(link, data={**link.data, "report_id": report_id}))


class ChargeReconciler(RecordReconciler):
    """Expenses -> TicketCharges (marker in ``notes``); active when ``expenses.destination``
    is ``ticket_charge``. A disapproved expense deletes its charge unless it was billed."""

    name = "charges"
    kind = "charge"
    at_entity = "TicketCharges"
    can_update = True
    can_delete = True
    source = "expenses"

    def __init__(self, mapper: BillingMapper | None = None,
                 files: AttachmentMapper | None = None) -> None:
        self.mapper = mapper or BillingMapper()
        self.files = files or AttachmentMapper()

    def active(self, ctx: WorkOrderContext) -> bool:
        """True when expenses go to ticket charges (and the work order has a ticket)."""
        settings, _ = expense_settings(ctx)
        return settings.enabled and settings.destination == "ticket_charge" and on_ticket(ctx)

    def marker_field(self, ctx: WorkOrderContext) -> str:
        """The charge notes carry the marker."""
        return "notes"

    def fingerprint(self, ctx: WorkOrderContext) -> Any:
        """Every expense's facts."""
        return _expense_facts(ctx, self.files) if self.active(ctx) else None

    def reconcile(self, ctx: WorkOrderContext) -> None:
        """Create, update and delete charges (only when this destination is active)."""
        if self.active(ctx):
            super().reconcile(ctx)

    def _delete_record(self, ctx: WorkOrderContext, at_id: int) -> None:
        # The parent is known: one DELETE, no lookup of the charge first.
        ctx.fence()
        ctx.service.autotask.delete(self.at_entity, at_id, parent_id=ctx.ticket_id)

    def mapped(self, ctx: WorkOrderContext) -> Any:
        """The charges the mapper makes of the expenses (an undated expense on a placeholder
        day, not the clock's)."""
        if not self.active(ctx):
            return None
        return [r.fields for r in self.desired(ctx, today=_PLACEHOLDER_DAY)]

    def desired(self, ctx: WorkOrderContext, *,
                today: date | None = None) -> Sequence[MappedRecord]:
        """One charge per billable expense."""
        settings, resolved = expense_settings(ctx)
        today = today or _today(ctx)
        out = []
        for expense in expenses_of(ctx):
            if not self.mapper.wanted(expense, settings.trigger):
                continue
            marker = ctx.service.markers.make(self.kind, expense.id)
            out.append(self.mapper.charge(
                expense, marker, ticket_id=ctx.ticket_id,
                day=self.mapper.expense_date(expense, today),
                charge_type=int(resolved.get("charge_type") or 1),
                status=resolved.get("charge_status"),
                billing_code_id=self.mapper.billing_code(expense, settings.billing_code_map,
                                                         settings.default_billing_code_id),
                billable=settings.billable))
        return out
