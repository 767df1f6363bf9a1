"""One bad Field Nation record never blocks or corrupts the rest of its work order.

Every record is checked before it is mapped: a bad one gets a ``SyncInputError`` naming the
record and the field, is listed in the ``SyncReport`` (``rejected``) and kept as a dead letter
that can be replayed, while the other records of the work order sync normally.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from world import World

from autotask_fn.fieldnation.models import Expense, Message, TimeLog, structure
from autotask_fn.store import EntryStatus
from autotask_fn.sync import Action
from autotask_fn.sync.errors import SyncInputError
from autotask_fn.sync.validate import check_expense, check_time_log

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
AUTHOR = {"id": 2, "email": "tech@example.com"}


def utc(dt: datetime) -> dict[str, str]:
    return {"utc": dt.strftime("%Y-%m-%d %H:%M:%S")}


BAD_EXPENSES = {
    "9001": {"id": 9001, "amount": "1e309", "description": "huge"},
    "9002": {"id": 9002, "amount": "abc", "description": "letters"},
    "9003": {"id": 9003, "amount": ["12.00"], "description": "a list"},
    "9004": {"id": 9004, "amount": "3.00", "quantity": 10**20, "description": "many"},
}
BAD_LOGS = {
    "8001": {"id": 8001, "in": {"created": {"utc": "tomorrow-ish"}},
             "out": {"created": utc(T0 + timedelta(hours=1))}},
    "8002": {"id": 8002, "in": {"created": utc(T0 + timedelta(hours=3))},
             "out": {"created": utc(T0 + timedelta(hours=2))}},
    "8003": {"id": 8003, "in": {"created": utc(datetime(2026, 9, 30, 8, tzinfo=UTC))},
             "out": {"created": utc(datetime(2099, 1, 1, tzinfo=UTC))}},
}
BAD_MESSAGES = {"a]b": {"msg_id": "a]b", "message": "bracket"},
                "a:b": {"msg_id": "a:b", "message": "colon"}}


class Garbage:
    """Serves the work order's real records plus garbage ones (as read from Field Nation)."""

    def __init__(self, world: World) -> None:
        self.on = True
        fn = world.fn
        real_wo, real_expenses, real_messages = (fn.get_work_order, fn.list_expenses,
                                                 fn.list_messages)

        def get_work_order(wo_id: Any, columns: Any = None) -> Any:
            wo = real_wo(wo_id, columns)
            if not self.on:
                return wo
            bad = [structure({**raw, "logged_by": AUTHOR}, TimeLog)
                   for raw in [*BAD_LOGS.values(), {"id": None, "in": utc(T0), "out": utc(T0)}]]
            return attrs.evolve(wo, time_logs=[*wo.time_logs, *bad])

        def list_expenses(wo_id: Any) -> list[Expense]:
            bad = [structure({**raw, "author": AUTHOR, "added": utc(T0)}, Expense)
                   for raw in BAD_EXPENSES.values()]
            return [*real_expenses(wo_id), *(bad if self.on else [])]

        def list_messages(wo_id: Any) -> list[Message]:
            bad = [structure(raw, Message) for raw in [*BAD_MESSAGES.values(), {"msg_id": None}]]
            return [*real_messages(wo_id), *(bad if self.on else [])]

        fn.get_work_order = get_work_order  # type: ignore[method-assign]
        fn.list_expenses = list_expenses  # type: ignore[method-assign]
        fn.list_messages = list_messages  # type: ignore[method-assign]


def scenario() -> tuple[World, int, int, Garbage]:
    world = World()
    wo, ticket = world.linked_work_order()
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=2))
    world.fn_fake.add_expense(wo, "12.50", "Parking")
    world.fn_fake.post_message(wo, "On site")
    return world, wo, ticket, Garbage(world)


def test_bad_records_are_rejected_alone_and_the_rest_syncs() -> None:
    world, wo, ticket, _garbage = scenario()
    report = world.svc.sync_work_order(wo)

    rejected = {(c.kind, c.fn_id): c.detail for c in report.rejected}
    assert set(rejected) == {
        *(("expense", i) for i in BAD_EXPENSES), *(("timelog", i) for i in BAD_LOGS),
        ("timelog", "None"), *(("note", i) for i in BAD_MESSAGES), ("note", "(no id)")}
    assert "expense 9001: amount:" in str(rejected[("expense", "9001")])
    assert "expense 9002: amount: not a number" in str(rejected[("expense", "9002")])
    assert "expense 9004: quantity:" in str(rejected[("expense", "9004")])
    assert "timelog 8001: start: not a time" in str(rejected[("timelog", "8001")])
    assert "timelog 8002: end:" in str(rejected[("timelog", "8002")])
    assert "max_time_log_hours" in str(rejected[("timelog", "8003")])
    assert "note a:b: msg_id:" in str(rejected[("note", "a:b")])
    # The good records synced, the bad ones wrote nothing.
    assert len(world.records("TimeEntries", ticket)) == 1
    items = world.at_fake.records("ExpenseItems")
    assert [float(i["expenseCurrencyExpenseAmount"]) for i in items] == [12.5]
    assert len(world.records("TicketNotes", ticket)) == 1
    # Each bad record is a dead letter naming it.
    dead = world.svc.dead_letters()
    assert sorted(json.loads(e.body)["fn_id"] for e in dead) == sorted(
        fn_id for _kind, fn_id in rejected)
    assert {e.source for e in dead} == {"record"}
    assert all((e.last_error or "").startswith("SyncInputError: ") for e in dead)


def test_the_same_bad_records_are_kept_once() -> None:
    world, wo, _ticket, _garbage = scenario()
    world.svc.sync_work_order(wo)
    first = world.store.count_entries(EntryStatus.DEAD)
    world.svc.sync_work_order(wo, force=True)
    assert world.store.count_entries(EntryStatus.DEAD) == first


def test_a_replayed_bad_record_goes_back_while_bad_and_syncs_once_fixed() -> None:
    world, wo, ticket, garbage = scenario()
    world.svc.sync_work_order(wo)
    entry = next(e for e in world.svc.dead_letters() if json.loads(e.body)["fn_id"] == "8003")
    assert world.svc.replay(entry.id)
    result = world.svc.process_pending()
    assert (result.succeeded, result.dead) == (0, 1)  # still bad: back to the dead letters
    assert world.store.get_entry(entry.id).status == EntryStatus.DEAD  # type: ignore[union-attr]

    garbage.on = False  # fixed in Field Nation
    assert world.svc.replay(entry.id)
    result = world.svc.process_pending()
    assert (result.succeeded, result.dead) == (1, 0)
    assert len(world.records("TimeEntries", ticket)) == 1


def test_a_synced_log_that_turns_bad_keeps_its_entries_and_writes_no_more() -> None:
    world = World()
    wo, ticket = world.linked_work_order()
    log = world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=2))
    world.svc.sync_work_order(wo)
    assert len(world.records("TimeEntries", ticket)) == 1
    world.fn_fake.edit_time_log(wo, log, end=datetime(2099, 1, 1, tzinfo=UTC))
    world.at_fake.reset_requests()
    report = world.svc.sync_work_order(wo)
    assert [(c.kind, c.fn_id) for c in report.rejected] == [("timelog", str(log))]
    assert world.at_fake.count_requests("POST", r"TimeEntries$") == 0
    assert world.at_fake.count_requests("DELETE") == 0
    assert len(world.records("TimeEntries", ticket)) == 1


def test_the_time_log_limit_is_a_setting() -> None:
    world = World(max_time_log_hours=48)
    wo, ticket = world.linked_work_order()
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=30))
    report = world.svc.sync_work_order(wo)
    assert report.rejected == []
    assert len(world.records("TimeEntries", ticket)) == 2  # split at midnight

    strict = World()
    wo, ticket = strict.linked_work_order()
    strict.fn_fake.log_time(strict_wo := wo, T0, T0 + timedelta(hours=30))
    report = strict.svc.sync_work_order(strict_wo)
    assert [c.action for c in report.rejected] == [Action.REJECTED]
    assert strict.records("TimeEntries", ticket) == []


@pytest.mark.parametrize(("raw", "field"), [
    ({"amount": "1e309"}, "amount"), ({"amount": "abc"}, "amount"),
    ({"amount": [1]}, "amount"), ({"amount": "-200000"}, "amount"),
    ({"amount": "5", "quantity": 10**20}, "quantity"), ({"amount": "5", "quantity": "x"},
                                                          "quantity"),
])
def test_expense_checks_name_the_field(raw: dict[str, Any], field: str) -> None:
    expense = structure({"id": 7, **raw}, Expense)
    with pytest.raises(SyncInputError) as caught:
        check_expense(expense, max_amount=100_000, max_quantity=10_000)
    assert (caught.value.record, caught.value.field) == ("expense 7", field)


def test_time_log_checks_accept_an_open_log_and_name_the_field() -> None:
    check_time_log(structure({"id": 1, "in": utc(T0)}, TimeLog), max_hours=24)
    with pytest.raises(SyncInputError) as caught:
        check_time_log(structure({"id": 1, "in": utc(T0), "out": {"utc": "soon"}}, TimeLog),
                       max_hours=24)
    assert caught.value.field == "end"
