"""Field Nation records checked before they are mapped: one bad record never blocks the rest.

Each check returns the records fit to map and hands every bad one to
:meth:`~autotask_fn.sync.reconcile.WorkOrderContext.reject` with a
:class:`~autotask_fn.sync.errors.SyncInputError` naming the record and the field. The reconcile
writes nothing for a rejected record (and deletes nothing it linked before), reports it in the
:class:`~autotask_fn.sync.reports.SyncReport` (action ``rejected``) and the service keeps it as
a dead letter that ``autotask-fn dead-letters`` lists and ``replay`` tries again.

Bounds come from the settings: ``max_time_log_hours`` (default 24: one visit; a log from 2026
to 2099 would otherwise become ten thousand time entries), ``max_expense_amount`` and
``max_expense_quantity``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from autotask_fn.fieldnation.models import Expense, Message, TimeLog
from autotask_fn.mapping.markers import Marker
from autotask_fn.sync.errors import SyncInputError

if TYPE_CHECKING:
    from autotask_fn.sync.reconcile import WorkOrderContext

__all__ = ["check_expense", "check_time_log", "valid_expenses", "valid_messages",
           "valid_time_logs"]


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _raw(record: Any, *names: str) -> Any:
    raw = getattr(record, "raw", None) or {}
    for name in names:
        if raw.get(name) is not None:
            return raw[name]
    return None


def check_time_log(log: TimeLog, *, max_hours: float) -> None:
    """Raise :class:`SyncInputError` when a time log cannot become time entries: no id, a
    start or end that is not a time, an end before the start, or longer than ``max_hours``.
    An open log (no end yet) is fine: it is synced once closed."""
    record = f"timelog {log.id if log.id is not None else '(no id)'}"
    if log.id is None:
        raise SyncInputError("id", "the time log has no id", record=record)
    if log.start is None and _raw(log, "in", "start") is not None:
        raise SyncInputError("start", f"not a time: {_shown(_raw(log, 'in', 'start'))}",
                             record=record)
    if log.end is None and _raw(log, "out", "end") is not None:
        raise SyncInputError("end", f"not a time: {_shown(_raw(log, 'out', 'end'))}",
                             record=record)
    if log.start is None or log.end is None:
        return
    if log.end < log.start:
        raise SyncInputError("end", f"{log.end.isoformat()} is before the start "
                                    f"{log.start.isoformat()}", record=record)
    hours = (log.end - log.start).total_seconds() / 3600
    if hours > max_hours:
        raise SyncInputError("end", f"the log lasts {hours:,.1f} h, more than "
                                    f"max_time_log_hours ({max_hours:g} h)", record=record)


def check_expense(expense: Expense, *, max_amount: float, max_quantity: float) -> None:
    """Raise :class:`SyncInputError` when an expense cannot be billed: no id, an amount or a
    quantity that is not a number, or beyond the configured bounds."""
    record = f"expense {expense.id if expense.id is not None else '(no id)'}"
    if expense.id is None:
        raise SyncInputError("id", "the expense has no id", record=record)
    for name, value, bound in (("amount", expense.amount, max_amount),
                               ("quantity", expense.quantity, max_quantity)):
        raw = _raw(expense, name)
        if value is None:
            if raw is None and name == "quantity":
                continue  # no quantity: one
            raise SyncInputError(name, f"not a number: {_shown(raw)}", record=record)
        if not value.is_finite() or abs(value) > Decimal(str(bound)):
            raise SyncInputError(name, f"{_shown(raw if raw is not None else str(value))} is "
                                       f"beyond max_expense_{name} ({bound:g})", record=record)


def _settings(ctx: WorkOrderContext) -> Any:
    return ctx.service.settings


def valid_time_logs(ctx: WorkOrderContext) -> list[TimeLog]:
    """The work order's time logs fit to map; the others are rejected on ``ctx``."""
    limit = float(_settings(ctx).max_time_log_hours)
    out = []
    for log in ctx.work_order.time_logs:
        try:
            check_time_log(log, max_hours=limit)
        except SyncInputError as exc:
            ctx.reject("timelog", str(log.id), exc)
            continue
        out.append(log)
    return out


def valid_expenses(ctx: WorkOrderContext, expenses: list[Expense]) -> list[Expense]:
    """The expenses fit to bill; the others are rejected on ``ctx``."""
    settings = _settings(ctx)
    out = []
    for expense in expenses:
        try:
            check_expense(expense, max_amount=float(settings.max_expense_amount),
                          max_quantity=float(settings.max_expense_quantity))
        except SyncInputError as exc:
            ctx.reject("expense", str(expense.id), exc)
            continue
        out.append(expense)
    return out


def _id_problem(kind: str, fn_id: str) -> str | None:
    try:
        Marker("env", kind, fn_id)
    except ValueError:
        return f"{fn_id!r} cannot be carried in a marker (no '[', ']', ':' or spaces)"
    return None


def valid_messages(ctx: WorkOrderContext, messages: list[Message]) -> list[Message]:
    """Messages (and replies) whose ids can be synced; the others are rejected on ``ctx``."""
    out = []
    for message in messages:
        if message.msg_id is None:
            ctx.reject("note", "(no id)", SyncInputError("msg_id", "the message has no id",
                                                         record="note (no id)"))
            continue
        problem = _id_problem("note", str(message.msg_id))
        if problem:
            ctx.reject("note", str(message.msg_id),
                       SyncInputError("msg_id", problem, record=f"note {message.msg_id}"))
            continue
        replies = []
        for n, reply in enumerate(message.replies):
            fn_id = f"{message.msg_id}/{reply.msg_id or n}"
            problem = _id_problem("note", fn_id)
            if problem:
                ctx.reject("note", fn_id, SyncInputError("msg_id", problem,
                                                         record=f"note {fn_id}"))
                continue
            replies.append(reply)
        if len(replies) != len(message.replies):
            # keep the replies' link ids: a reply without an id is known by its position
            message = attrs.evolve(message, replies=[
                r if r.msg_id is not None else attrs.evolve(r, msg_id=str(n))
                for n, r in enumerate(message.replies) if r in replies])
        out.append(message)
    return out
