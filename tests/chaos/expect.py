"""The exact end state every chaos test ends in (or checks after a dead letter's replay)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from autotask_fn.store import EntryStatus
from autotask_fn.sync import SyncService

#: Time logs per work order: ``{work_order_id: {log_id: (start, end)}}``.
Logs = dict[int, dict[int, tuple[datetime, datetime]]]


def split_hours(start: datetime, end: datetime) -> list[float]:
    """Hours of each part of a log cut at UTC midnight (computed apart from the mapper)."""
    out = []
    while start < end:
        midnight = datetime.combine(start.date() + timedelta(days=1), datetime.min.time(),
                                    tzinfo=UTC)
        stop = min(end, midnight)
        out.append(round((stop - start).total_seconds() / 3600, 2))
        start = stop
    return out


def open_entries(svc: SyncService) -> int:
    """Inbox entries still to do (pending, also those waiting for a retry, or leased)."""
    return svc.store.count_entries(EntryStatus.PENDING) + svc.store.count_entries(
        EntryStatus.LEASED)


def assert_exact(rig: Any, svc: SyncService, orders: list[tuple[int, int]],
                 logs: Logs) -> dict[str, int]:
    """Autotask holds exactly one time entry per closed log part (with the right hours), one
    note per message and reply, the final ticket status, nothing twice, nothing else; the
    inbox is empty and no dead letter is left. ``rig`` has ``at_fake``, ``fn`` (a client)
    and ``validated``. Returns the counts checked."""
    env = svc.scope.fn_env
    entries_total = notes_total = 0
    for wo, ticket in orders:
        want_entries = {f"[FN:{env}:timelog:{log_id}#{n}]": hours
                        for log_id, (start, end) in logs[wo].items()
                        for n, hours in enumerate(split_hours(start, end))}
        entries = [e for e in rig.at_fake.records("TimeEntries") if e.get("ticketID") == ticket]
        got = Counter(e["internalNotes"] for e in entries)
        assert [m for m, c in got.items() if c > 1] == [], f"doubled time entries: {got}"
        assert {e["internalNotes"]: e["hoursWorked"] for e in entries} == want_entries
        entries_total += len(entries)

        want_notes = {f"[FN:{env}:note:{m.msg_id}]" for m in rig.fn.list_messages(wo)} | {
            f"[FN:{env}:note:{m.msg_id}/{r.msg_id}]"
            for m in rig.fn.list_messages(wo) for r in m.replies}
        notes = [n for n in rig.at_fake.records("TicketNotes") if n.get("ticketID") == ticket]
        titles = Counter(n["title"].split(" ", 1)[0] for n in notes)
        assert [m for m, c in titles.items() if c > 1] == [], f"doubled notes: {titles}"
        assert set(titles) == want_notes
        notes_total += len(notes)

        record = rig.at_fake.record("Tickets", ticket)
        assert record is not None
        assert record["status"] == rig.validated.status_values["work_done"]
    assert len(rig.at_fake.records("TimeEntries")) == entries_total
    assert svc.dead_letters() == []
    assert open_entries(svc) == 0
    return {"time_entries": entries_total, "notes": notes_total}


def assert_extras_exact(rig: Any, svc: SyncService, orders: list[tuple[int, int]],
                        extras: dict[int, dict[str, Any]]) -> dict[str, int]:
    """The second-half records: one expense item per expense (its amount), one attachment
    per receipt, file and signature; nothing twice. ``extras[wo]`` holds ``expense``
    (``{id: amount}``) and ``attachments`` (marker templates with ``{env}``)."""
    env = svc.scope.fn_env
    items_total = attachments_total = 0
    for wo, ticket in orders:
        items = [r for r in rig.at_fake.records("ExpenseItems") if r.get("ticketID") == ticket]
        got = Counter(r["description"].split(" ", 1)[0] for r in items)
        assert [m for m, c in got.items() if c > 1] == [], f"doubled expense items: {got}"
        assert {r["description"].split(" ", 1)[0]: Decimal(str(
            r["expenseCurrencyExpenseAmount"])) for r in items} == {
            f"[FN:{env}:expense:{e}]": amount for e, amount in extras[wo]["expense"].items()}
        items_total += len(items)
        files = [r for r in rig.at_fake.records("TicketAttachments")
                 if r.get("parentID") == ticket]
        titles = Counter(str(r["title"]).split(" ", 1)[0] for r in files)
        assert titles == Counter(m.format(env=env) for m in extras[wo]["attachments"])
        attachments_total += len(files)
    assert len(rig.at_fake.records("ExpenseItems")) == items_total
    return {"expense_items": items_total, "attachments": attachments_total}
