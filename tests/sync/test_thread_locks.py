"""Two threads of one SyncService never work on the same work order or ticket at once.

A web host that runs ``process_pending`` in a thread after each acknowledgement (the hosting
guide's pattern) has several threads of one service; the work order and import locks must
keep them apart as they keep two processes apart. Found by the FastAPI example's test over
real sockets: two reconciles of one work order posted the same attachments twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from world import World

from autotask_fn.sync.errors import WorkOrderBusyError
from autotask_fn.sync.inbound import ImportBusyError
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.testing.rig import SyncRig


def _hold_first_call(obj: Any, name: str, monkeypatch: pytest.MonkeyPatch
                     ) -> tuple[threading.Event, threading.Event]:
    """Make the first call of ``obj.name`` wait (inside whatever lock its caller holds)."""
    entered, release = threading.Event(), threading.Event()
    real: Callable[..., Any] = getattr(obj, name)
    calls = {"n": 0}

    def held(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            entered.set()
            assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(obj, name, held)
    return entered, release


def _in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(work())
        except Exception as exc:
            out.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def test_a_second_thread_finds_the_work_order_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World()
    wo, _ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "first")
    entered, release = _hold_first_call(world.svc.fieldnation, "get_work_order", monkeypatch)
    first, result = _in_thread(lambda: world.svc.sync_work_order(wo))
    assert entered.wait(10)  # the first thread holds the work order's lock
    with pytest.raises(WorkOrderBusyError):
        world.svc.sync_work_order(wo)
    release.set()
    first.join(10)
    assert not isinstance(result[0], Exception)
    world.svc.sync_work_order(wo)  # the lock was released by its owner


def test_a_second_thread_finds_the_ticket_import_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    # Already true before the fix (each import has its own importer, so its own lock owner):
    # kept so that sharing an importer between threads cannot break it unnoticed.
    world = SyncRig(inbound=InboundSettings())
    ticket_id = world.dispatch_ticket()
    entered, release = _hold_first_call(world.svc.autotask, "get", monkeypatch)
    first, result = _in_thread(lambda: world.svc.import_ticket(ticket_id))
    assert entered.wait(10)
    with pytest.raises(ImportBusyError):
        world.svc.import_ticket(ticket_id)
    release.set()
    first.join(10)
    assert not isinstance(result[0], Exception), result
    assert len(world.fn_fake.state.work_orders) == 1


def test_two_threads_make_one_expense_report_for_one_provider_and_week(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = World()
    wo1, _t1 = world.linked_work_order()
    wo2, _t2 = world.linked_work_order()
    world.fn_fake.add_expense(wo1, "5.00", "Tolls")
    world.fn_fake.add_expense(wo2, "7.00", "Tolls")
    at = world.svc.autotask
    real_create = at.create
    entered, release = threading.Event(), threading.Event()
    calls = {"n": 0}

    def held_create(entity: str, *args: Any, **kwargs: Any) -> Any:
        if entity == "ExpenseReports":
            calls["n"] += 1
            if calls["n"] == 1:  # the first thread waits inside the report lock
                entered.set()
                assert release.wait(10)
        return real_create(entity, *args, **kwargs)

    monkeypatch.setattr(at, "create", held_create)
    first, first_result = _in_thread(lambda: world.svc.sync_work_order(wo1))
    assert entered.wait(10)
    second, second_result = _in_thread(lambda: world.svc.sync_work_order(wo2))
    second.join(0.5)  # the second thread waits for the report lock (or, before, went on)
    release.set()
    first.join(10)
    second.join(10)
    assert not isinstance(first_result[0], Exception), first_result
    assert not isinstance(second_result[0], Exception), second_result
    assert len(world.at_fake.records("ExpenseReports")) == 1
