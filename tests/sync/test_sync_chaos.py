"""Chaos: duplicated and shuffled deliveries, Autotask faults before and after acting,
thread limits, 429s, Field Nation token expiry and a worker that dies holding leases.

After ``process_pending`` (until the inbox is empty) and one sweep, Autotask holds exactly the
expected records: one time entry per closed log part, one note per message and reply, the
final ticket status, and nothing twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_chaos_workers import close_store, postgres_store
from world import World

from autotask_fn.store import EntryStatus, scoped_key
from autotask_fn.sync import WorkOrderBusyError

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
THREAD_LIMIT = {"errors": ["Thread Threshold Exceeded - The Autotask API thread threshold of "
                           "3 threads has been exceeded. (Itgenatr005)"]}


def parts(start: datetime, end: datetime) -> list[float]:
    """Hours of each part of a log cut at UTC midnight (independent of the mapper)."""
    out = []
    while start < end:
        stop = min(end, datetime.combine(start.date() + timedelta(days=1),
                                         datetime.min.time(), tzinfo=UTC))
        out.append(round((stop - start).total_seconds() / 3600, 2))
        start = stop
    return out


def drain(world: World, rounds: int = 40) -> None:
    for _ in range(rounds):
        world.svc.process_pending()
        if world.store.count_entries(EntryStatus.PENDING) + world.store.count_entries(
                EntryStatus.LEASED) == 0:
            return
        world.advance(1000)
    raise AssertionError("inbox never drained")


def expected_state(world: World, orders: list[tuple[int, int]],
                   logs: dict[int, dict[int, tuple[datetime, datetime]]]) -> None:
    env = world.svc.scope.fn_env
    total_entries = 0
    for wo, ticket in orders:
        want_entries = {f"[FN:{env}:timelog:{log_id}#{n}]": hours
                        for log_id, (start, end) in logs[wo].items()
                        for n, hours in enumerate(parts(start, end))}
        entries = world.records("TimeEntries", ticket)
        got = Counter(e["internalNotes"] for e in entries)
        assert all(count == 1 for count in got.values()), f"duplicates: {got}"
        assert set(got) == set(want_entries)
        assert {e["internalNotes"]: e["hoursWorked"] for e in entries} == want_entries
        total_entries += len(entries)

        want_notes = set()
        for message in world.fn.list_messages(wo):
            want_notes.add(f"[FN:{env}:note:{message.msg_id}]")
            want_notes.update(f"[FN:{env}:note:{message.msg_id}/{r.msg_id}]"
                              for r in message.replies)
        titles = Counter(n["title"].split(" ", 1)[0] for n in world.records("TicketNotes",
                                                                               ticket))
        assert all(count == 1 for count in titles.values()), f"duplicates: {titles}"
        assert set(titles) == want_notes

        record = world.at_fake.record("Tickets", ticket)
        assert record is not None
        assert record["status"] == world.validated.status_values["work_done"]
    assert len(world.at_fake.records("TimeEntries")) == total_entries
    assert world.svc.dead_letters() == []


@pytest.mark.parametrize(("seed", "backend"), [
    (1, "sqlite"), (2, "sqlite"), (3, "sqlite"),
    pytest.param(4, "postgres", marks=pytest.mark.postgres)])
def test_exact_end_state_after_duplicates_shuffle_faults_and_a_dead_worker(
        seed: int, backend: str) -> None:
    world = World(backoff_base=1.0, backoff_max=30.0, max_attempts=50)
    if backend == "postgres":
        world.store = postgres_store()
        world.svc = world.service()
    orders = [world.linked_work_order(title=f"Chaos {n}") for n in range(4)]
    logs: dict[int, dict[int, tuple[datetime, datetime]]] = {wo: {} for wo, _ in orders}

    # Phase 1: providers work; some logs come without any event.
    for n, (wo, _ticket) in enumerate(orders):
        start = T0 + timedelta(hours=n)
        log_id = world.fn_fake.check_in(wo, start)
        world.fn_fake.check_out(wo, start + timedelta(minutes=50 + n))
        logs[wo][log_id] = (start, start + timedelta(minutes=50 + n))
        late = datetime(2026, 1, 5, 21, 0, tzinfo=UTC)
        split = world.fn_fake.log_time(wo, late, late + timedelta(hours=4 + n))
        logs[wo][split] = (late, late + timedelta(hours=4 + n))
        first = world.fn_fake.post_message(wo, f"On site {n}")
        world.fn_fake.post_message(wo, "Need a part", reply_to=first)
        world.fn_fake.post_message(wo, "<b>Internal</b> note", internal=True)

    world.at_fake.fail_next(r"TimeEntries$", method="POST", status=500)
    world.at_fake.fail_next(r"/Notes$", method="POST", status=500, after_acting=True)
    world.at_fake.fail_next(r"TimeEntries$", method="POST", timeout=True, after_acting=True)
    world.at_fake.fail_next(r"/query", status=429, body=THREAD_LIMIT, count=2)
    world.at_fake.fail_next(r"Tickets/\d+/Notes$", method="POST", status=429, count=1,
                            headers={"Retry-After": "1"})
    world.fn_fake.fail_next(r"/workorders/\d+$", method="GET", status=502)

    assert set(world.deliver_all(duplicate=0.5, shuffle=True, seed=seed)) == {200}
    dying = world.store.lease("worker-that-dies", 120, limit=3, now=world.clock())
    assert dying
    drain(world)

    # Phase 2: edits, deletions, more messages, a token that expired meanwhile.
    world.fn_fake.clock.advance(3700)
    for wo, _ticket in orders:
        log_id, (start, _end) = next(iter(logs[wo].items()))
        world.fn_fake.edit_time_log(wo, log_id, end=start + timedelta(hours=2))
        logs[wo][log_id] = (start, start + timedelta(hours=2))
        removed = list(logs[wo])[1]
        world.fn_fake.delete_time_log(wo, removed)
        del logs[wo][removed]
        world.fn_fake.post_message(wo, "Done, leaving site")
        world.fn_fake.complete_work(wo)
    world.at_fake.fail_next(r"TimeEntries$", method="PATCH", status=500, after_acting=True)
    world.at_fake.fail_next(r"TimeEntries/\d+$", method="DELETE", status=500)
    world.at_fake.fail_next(r"Tickets$", method="PATCH", status=503, after_acting=True)
    world.deliver_all(duplicate=1, shuffle=True, seed=seed)
    drain(world)

    world.svc.sweep()
    expected_state(world, orders, logs)

    # And from here on, replays and sweeps write nothing.
    world.at_fake.reset_requests()
    world.svc.sweep()
    assert world.at_fake.count_requests() == 0
    close_store(world.store)


def test_lost_create_answer_is_adopted_not_created_twice() -> None:
    world = World()
    wo, ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "warm-up")
    world.svc.sync_work_order(wo)  # the ticket's notes were scanned once
    msg = world.fn_fake.post_message(wo, "answer lost on the way back")
    world.at_fake.fail_next(r"/Notes$", method="POST", timeout=True, after_acting=True)
    with pytest.raises(Exception, match=r"(?i)time|transport|ambiguous"):
        world.svc.sync_work_order(wo)
    assert len(world.records("TicketNotes", ticket)) == 2
    world.at_fake.reset_requests()
    report = world.svc.sync_work_order(wo)
    assert [c.action.value for c in report.changes] == ["adopted"]
    assert world.at_fake.count_requests("POST", r"/Notes$") == 0
    assert len(world.records("TicketNotes", ticket)) == 2
    link = world.store.get_link(world.svc.scope, "note", msg)
    assert link is not None


def test_crash_between_create_and_link_is_recovered_by_the_intent(
        monkeypatch: pytest.MonkeyPatch) -> None:
    world = World()
    wo, ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "warm-up")
    world.svc.sync_work_order(wo)
    world.fn_fake.post_message(wo, "made, then the worker died")
    real_save = world.store.save_link
    calls = {"n": 0}

    def dying_save(link: Any) -> Any:
        if link.kind == "note" and calls["n"] == 0:
            calls["n"] += 1
            raise RuntimeError("worker killed")
        return real_save(link)

    monkeypatch.setattr(world.store, "save_link", dying_save)
    with pytest.raises(RuntimeError, match="killed"):
        world.svc.sync_work_order(wo)
    assert len(world.records("TicketNotes", ticket)) == 2
    report = world.svc.sync_work_order(wo)
    assert [c.action.value for c in report.changes] == ["adopted"]
    assert len(world.records("TicketNotes", ticket)) == 2


def test_lock_of_a_dead_worker_expires() -> None:
    world = World(lock_ttl=30)
    wo, ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "after the lock expired")
    key = scoped_key(world.svc.scope, "wo", wo)
    assert world.store.try_lock(key, "dead-worker", 30, now=world.clock())
    with pytest.raises(WorkOrderBusyError):
        world.svc.sync_work_order(wo)
    world.advance(31)
    world.svc.sync_work_order(wo)
    assert len(world.records("TicketNotes", ticket)) == 1


def test_record_whose_log_vanished_after_a_lost_answer_is_removed() -> None:
    world = World()
    wo, ticket = world.linked_work_order()
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    world.svc.sync_work_order(wo)
    doomed = world.fn_fake.log_time(wo, T0 + timedelta(hours=2), T0 + timedelta(hours=3))
    world.at_fake.fail_next(r"TimeEntries$", method="POST", timeout=True, after_acting=True)
    with pytest.raises(Exception, match=r"(?i)time|transport"):
        world.svc.sync_work_order(wo)
    assert len(world.records("TimeEntries", ticket)) == 2
    world.fn_fake.delete_time_log(wo, doomed)
    world.svc.sync_work_order(wo)
    entries = world.records("TimeEntries", ticket)
    assert [e["hoursWorked"] for e in entries] == [1.0]


def test_records_of_another_work_order_on_the_same_ticket_are_left_alone() -> None:
    world = World()
    first, ticket = world.linked_work_order()
    second = world.fn_fake.create_work_order()
    world.fn_fake.assign(second)
    world.svc.link_work_order(second, ticket)
    world.fn_fake.log_time(first, T0, T0 + timedelta(hours=1))
    world.fn_fake.log_time(second, T0 + timedelta(hours=2), T0 + timedelta(hours=4))
    world.svc.sync_work_order(first)
    world.svc.sync_work_order(second)
    world.svc.sync_work_order(first, force=True)
    assert sorted(e["hoursWorked"] for e in world.records("TimeEntries", ticket)) == [1.0, 2.0]


def test_crash_after_a_create_then_the_log_vanishes_leaves_no_orphan(
        monkeypatch: pytest.MonkeyPatch) -> None:
    world = World()
    wo, ticket = world.linked_work_order()
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    world.svc.sync_work_order(wo)
    doomed = world.fn_fake.log_time(wo, T0 + timedelta(hours=2), T0 + timedelta(hours=4))
    real_save = world.store.save_link

    def dying_save(link: Any) -> Any:
        if link.kind == "timelog" and link.fn_id == f"{doomed}#0":
            raise RuntimeError("worker killed")
        return real_save(link)

    monkeypatch.setattr(world.store, "save_link", dying_save)
    with pytest.raises(RuntimeError, match="killed"):
        world.svc.sync_work_order(wo)
    monkeypatch.setattr(world.store, "save_link", real_save)
    assert len(world.records("TimeEntries", ticket)) == 2
    world.fn_fake.delete_time_log(wo, doomed)
    world.svc.sync_work_order(wo)
    assert [e["hoursWorked"] for e in world.records("TimeEntries", ticket)] == [1.0]
