"""The reconcilers of ticket fields, time entries and notes, and :func:`default_reconcilers`.

Expenses and charges (:mod:`autotask_fn.sync.expenses`) and files, receipts and signatures
(:mod:`autotask_fn.sync.attachments`) have their own
:class:`~autotask_fn.sync.reconcile.RecordReconciler` subclasses; :func:`default_reconcilers`
lists them all in the order they run, and ``SyncService(reconcilers=...)`` takes another list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from autotask_fn.autotask.errors import AutotaskNotFoundError, AutotaskValidationError
from autotask_fn.mapping.outbound import MappedRecord
from autotask_fn.sync.errors import SyncInputError
from autotask_fn.sync.quiet import messages_signal
from autotask_fn.sync.reconcile import (
    Reconciler,
    RecordReconciler,
    WorkOrderContext,
    content_hash,
)
from autotask_fn.sync.reports import Action, Change
from autotask_fn.sync.validate import check_time_log, valid_messages, valid_time_logs

__all__ = [
    "NoteReconciler",
    "TicketFieldsReconciler",
    "TimeEntryReconciler",
    "default_reconcilers",
]


class TicketFieldsReconciler:
    """Ticket title, description, status, due date and UDFs: one PATCH of the changed fields.

    Diffs are against the last synced Field Nation snapshot in the work order link, and
    against each field as last mapped (so a deployed mapper change applies), so edits made in
    Autotask are never overwritten by unrelated changes.
    """

    name = "ticket"
    kind = "wo"

    def fingerprint(self, ctx: WorkOrderContext) -> Any:
        """The ticket-relevant snapshot of the work order."""
        return ctx.service.mapper.snapshot(ctx.work_order)

    def mapped(self, ctx: WorkOrderContext) -> Any:
        """Every ticket field the mapper makes of the work order, as on a first sync."""
        changes = ctx.service.mapper.ticket_changes(None, ctx.work_order, ctx.settings)
        return [changes.fields, list(changes.skipped)]

    def reconcile(self, ctx: WorkOrderContext) -> None:
        """PATCH what changed since the last snapshot, and any field whose mapped value
        changed since the last sync (a deployed mapper change); then store both."""
        prev = ctx.data.get("snapshot")
        changes = ctx.service.mapper.ticket_changes(prev, ctx.work_order, ctx.settings)
        remapped = _remapped(ctx)
        if remapped:
            changes = attrs.evolve(changes, fields={**remapped, **changes.fields})
        wo_id = str(ctx.work_order_id)
        for reason in changes.skipped:
            ctx.record(Change(self.kind, wo_id, Action.SKIPPED, "Tickets", ctx.ticket_id,
                              detail=reason))
        if changes.fields:
            ctx.fence()
            try:
                ctx.service.autotask.update("Tickets", {"id": ctx.ticket_id, **changes.fields})
            except (AutotaskNotFoundError, AutotaskValidationError) as exc:
                ctx.ensure_ticket()
                # The ticket exists but refuses the values: report, do not retry forever.
                ctx.record(Change(self.kind, wo_id, Action.DIVERGED, "Tickets", ctx.ticket_id,
                                  fields=tuple(changes.fields),
                                  detail=("; ".join(exc.errors) or exc.message)[:500]))
            else:
                ctx.record(Change(self.kind, wo_id, Action.UPDATED, "Tickets", ctx.ticket_id,
                                  fields=tuple(changes.fields)))
        ctx.data["snapshot"] = dict(changes.snapshot)
        ctx.data[MAPPED_KEY] = _mapped_hashes(
            ctx, ctx.service.mapper.ticket_changes(None, ctx.work_order, ctx.settings).fields)


#: Key in the work order link's data: a hash of every ticket field as last mapped.
MAPPED_KEY = "ticket_mapped"


#: The snapshot fact each ticket field is mapped from.
_SOURCES = {"title": "title", "description": "description", "status": "status",
            "dueDateTime": "schedule"}


def _mapped_hashes(ctx: WorkOrderContext, fields: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per ticket field (and UDF): the hash of its Field Nation source and of its mapped
    value."""
    snapshot = ctx.service.mapper.snapshot(ctx.work_order)
    out = {name: [content_hash(snapshot.get(_SOURCES.get(name, name))), content_hash(value)]
           for name, value in fields.items() if name != "userDefinedFields"}
    sources = {udf: fn for fn, udf in ctx.settings.settings.custom_field_map.items()}
    for udf in fields.get("userDefinedFields") or ():
        source = (snapshot.get("custom_fields") or {}).get(sources.get(udf["name"], ""))
        out[f"udf:{udf['name']}"] = [content_hash(source), content_hash(udf.get("value"))]
    return out


def _remapped(ctx: WorkOrderContext) -> dict[str, Any]:
    """The ticket fields whose Field Nation source is what it was at the last sync but whose
    mapped value differs: what a deployed mapper change (or a settings change) makes of them.
    A source that changed meanwhile (an edit, or an inbound import that wrote it) is left to
    the snapshot diff. Nothing for a link synced before these hashes were kept."""
    before = ctx.data.get(MAPPED_KEY)
    if not isinstance(before, dict):
        return {}
    fields = ctx.service.mapper.ticket_changes(None, ctx.work_order, ctx.settings).fields
    now = _mapped_hashes(ctx, fields)

    def moved(key: str) -> bool:
        old = before.get(key)
        return isinstance(old, list) and old[0] == now[key][0] and old[1] != now[key][1]

    out = {name: value for name, value in fields.items()
           if name != "userDefinedFields" and moved(name)}
    udfs = [u for u in fields.get("userDefinedFields") or () if moved(f"udf:{u['name']}")]
    if udfs:
        out["userDefinedFields"] = udfs
    return out


class TimeEntryReconciler(RecordReconciler):
    """Closed time logs -> TimeEntries (split at UTC midnight; deleted when the log is)."""

    name = "time"
    kind = "timelog"
    at_entity = "TimeEntries"
    can_delete = True
    source = "time_logs"

    def marker_field(self, ctx: WorkOrderContext) -> str:
        """``internalNotes`` unless settings put the marker in ``summaryNotes``."""
        return ctx.settings.settings.time_entry_marker_field

    def fingerprint(self, ctx: WorkOrderContext) -> Any:
        """Closed logs with their times and provider (user id, e-mail when given, name)."""
        mapper = ctx.service.mapper
        return [
            [log.id, log.start.isoformat() if log.start else None,
             log.end.isoformat() if log.end else None, log.time_zone,
             log.logged_by.id if log.logged_by else None,
             (log.logged_by.email or "").lower() if log.logged_by else None,
             log.logged_by.display_name if log.logged_by else None]
            for log in ctx.work_order.time_logs if mapper.is_closed(log)
        ]

    def mapped(self, ctx: WorkOrderContext) -> Any:
        """The time entries the mapper makes of the closed logs, with placeholder resource and
        role (those come from Autotask and the settings, not from the mapper)."""
        mapper = ctx.service.mapper
        limit = float(ctx.settings.settings.max_time_log_hours)
        out: list[Any] = []
        for log in ctx.work_order.time_logs:
            if not mapper.is_closed(log):
                continue
            try:
                check_time_log(log, max_hours=limit)
                parts = mapper.time_entry_parts(log, ctx.work_order, env=ctx.env,
                                                ticket_id=ctx.ticket_id, resource_id=0,
                                                role_id=0, settings=ctx.settings)
            except SyncInputError as exc:
                out.append(["rejected", str(exc)])
            else:
                out.extend([p.fn_id, p.fields] for p in parts)
        return out

    def desired(self, ctx: WorkOrderContext) -> Sequence[MappedRecord]:
        """One TimeEntry per part of every closed log."""
        if "desired:timelog" in ctx.cache:
            cached: list[MappedRecord] = ctx.cache["desired:timelog"]
            return cached
        mapper = ctx.service.mapper
        out: list[MappedRecord] = []
        logs = [log for log in valid_time_logs(ctx) if mapper.is_closed(log)]
        if logs:
            role_id = self.role_id(ctx)
            for log in logs:
                resource_id = ctx.service.resource_for(log.logged_by, ctx)
                out.extend(mapper.time_entry_parts(
                    log, ctx.work_order, env=ctx.env, ticket_id=ctx.ticket_id,
                    resource_id=resource_id, role_id=role_id, settings=ctx.settings))
        ctx.cache["desired:timelog"] = out
        return out

    def role_id(self, ctx: WorkOrderContext) -> int:
        """The role of time on this ticket: fixed by settings, or the ticket's assigned role
        (read once, then kept in the work order link)."""
        settings = ctx.settings.settings
        if settings.role_policy == "fixed" and settings.role_id is not None:
            return settings.role_id
        cached = ctx.data.get("ticket_role_id")
        if cached is None:
            ticket = ctx.ticket()
            if ticket is None:
                ctx.ensure_ticket()
            cached = (ticket or {}).get("assignedResourceRoleID") or 0
            ctx.data["ticket_role_id"] = cached
        if cached:
            return int(cached)
        if settings.role_id is not None:
            return settings.role_id
        raise SyncInputError(
            "role_id", f"ticket {ctx.ticket_id} has no assigned role and no role_id is "
                       "configured; set ConnectorSettings.role_id")


class NoteReconciler(RecordReconciler):
    """Messages and their replies -> TicketNotes (internal messages stay internal).

    Notes cannot be deleted in Autotask, and a vanished message deletes nothing.
    """

    name = "notes"
    kind = "note"
    at_entity = "TicketNotes"
    can_delete = False
    source = "messages"

    def marker_field(self, ctx: WorkOrderContext) -> str:
        """The note title carries the marker."""
        return "title"

    def fingerprint(self, ctx: WorkOrderContext) -> Any:
        """Every message and reply: id, author, text, internal flag."""
        signal = messages_signal(ctx)  # a sweep with sweep_trust_message_count on
        if signal is not None:
            return signal
        mapper = ctx.service.mapper
        return [
            [fn_id, m.text, m.internal, m.audience, m.author.display_name if m.author else None]
            for fn_id, m in mapper.iter_messages(ctx.messages)
        ]

    def mapped(self, ctx: WorkOrderContext) -> Any:
        """The notes the mapper makes of the messages (read once per sync, as the
        fingerprint does)."""
        return [[r.fn_id, r.fields] for r in self.desired(ctx)]

    def desired(self, ctx: WorkOrderContext) -> Sequence[MappedRecord]:
        """One TicketNote per message and reply."""
        return ctx.service.mapper.notes(valid_messages(ctx, ctx.messages), env=ctx.env,
                                        ticket_id=ctx.ticket_id, settings=ctx.settings)


def default_reconcilers() -> list[Reconciler]:
    """The reconcilers of the outbound flows, in the order they run: ticket fields, time,
    notes, then expenses (items or charges), files, receipts, signatures and the attachment
    budget gate (last: it raises when uploads were deferred)."""
    from autotask_fn.sync.attachments import attachment_reconcilers
    from autotask_fn.sync.expenses import ChargeReconciler, ExpenseItemReconciler

    return [TicketFieldsReconciler(), TimeEntryReconciler(), NoteReconciler(),
            ExpenseItemReconciler(), ChargeReconciler(), *attachment_reconcilers()]
