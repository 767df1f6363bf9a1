"""The inbox: de-duplication and the lease / complete / retry / dead-letter / replay lifecycle."""

from __future__ import annotations

import pytest

from autotask_fn.store import EntryStatus
from autotask_fn.store._sql import SqlStore

T0 = 1_700_000_000.0


def fill(store: SqlStore, n: int, *, source: str = "fieldnation", start: float = T0) -> None:
    for i in range(n):
        assert store.enqueue(source, f"d{i}", f"body {i}".encode(), now=start + i)


def test_an_enqueued_delivery_keeps_body_and_headers(store: SqlStore) -> None:
    body = b"\x00\xff{\"id\": 1}\n"
    assert store.enqueue("fieldnation", "abc", body, {"X-Fn-Event": "workorder.status"}, now=T0)
    [entry] = store.list_entries()
    assert entry.body == body
    assert entry.headers == {"X-Fn-Event": "workorder.status"}
    assert (entry.status, entry.attempts) == (EntryStatus.PENDING, 0)
    assert entry.received_at == entry.next_attempt_at == T0
    assert entry.lease_owner is None
    assert store.get_entry(entry.id) == entry


def test_a_repeated_delivery_is_refused_and_changes_nothing(store: SqlStore) -> None:
    assert store.enqueue("fieldnation", "abc", b"first", now=T0)
    assert not store.enqueue("fieldnation", "abc", b"second", now=T0 + 1)
    [entry] = store.list_entries()
    assert entry.body == b"first"
    assert store.count_entries() == 1


def test_the_same_delivery_id_from_another_source_is_a_different_delivery(store: SqlStore) -> None:
    assert store.enqueue("fieldnation", "abc", b"fn")
    assert store.enqueue("autotask", "abc", b"at")
    assert store.count_entries() == 2


def test_a_delivery_stays_refused_whatever_happened_to_it(store: SqlStore) -> None:
    fill(store, 3)
    done, dead, discarded = store.lease("w", 30, limit=3, now=T0 + 5)
    assert store.complete(done.id, "w")
    assert store.dead_letter(dead.id, "w", "boom")
    assert store.complete(discarded.id, "w")
    assert store.discard(discarded.id)
    assert store.get_entry(discarded.id) is None
    assert store.count_entries() == 2
    for i in range(3):
        assert not store.enqueue("fieldnation", f"d{i}", b"again")
    assert store.count_entries() == 2


def test_lease_takes_due_entries_oldest_first_and_counts_attempts(store: SqlStore) -> None:
    fill(store, 5)
    first = store.lease("w1", 30, limit=2, now=T0 + 10)
    assert [e.delivery_id for e in first] == ["d0", "d1"]
    for e in first:
        assert (e.status, e.attempts, e.lease_owner) == (EntryStatus.LEASED, 1, "w1")
        assert e.lease_expires_at == T0 + 40
    second = store.lease("w2", 30, limit=10, now=T0 + 10)
    assert [e.delivery_id for e in second] == ["d2", "d3", "d4"]
    assert store.lease("w3", 30, limit=10, now=T0 + 10) == []
    assert store.count_entries(EntryStatus.LEASED) == 5


def test_lease_skips_entries_not_yet_due(store: SqlStore) -> None:
    fill(store, 2, start=T0)
    assert [e.delivery_id for e in store.lease("w", 30, limit=5, now=T0 + 0.5)] == ["d0"]
    assert store.lease("w", 30, limit=0, now=T0 + 5) == []


def test_an_expired_lease_is_taken_over_and_the_old_owner_loses_it(store: SqlStore) -> None:
    fill(store, 1)
    [e] = store.lease("w1", 10, now=T0)
    assert store.lease("w2", 10, now=T0 + 9.9) == []
    [again] = store.lease("w2", 10, now=T0 + 10)
    assert again.id == e.id
    assert (again.lease_owner, again.attempts) == ("w2", 2)
    assert not store.complete(e.id, "w1")
    assert not store.retry_later(e.id, "w1", "late", T0 + 100)
    assert not store.dead_letter(e.id, "w1", "late")
    assert store.complete(e.id, "w2")


def test_complete_only_by_the_lease_owner_and_done_entries_are_not_leased(store: SqlStore) -> None:
    fill(store, 1)
    [e] = store.lease("w1", 30, now=T0)
    assert not store.complete(e.id, "intruder")
    assert store.complete(e.id, "w1")
    assert not store.complete(e.id, "w1")
    done = store.get_entry(e.id)
    assert done is not None
    assert (done.status, done.lease_owner, done.lease_expires_at) == (EntryStatus.DONE, None, None)
    assert store.lease("w1", 30, now=T0 + 10_000) == []


def test_retry_later_records_the_error_and_the_entry_comes_back_when_due(store: SqlStore) -> None:
    fill(store, 1)
    [e] = store.lease("w", 30, now=T0)
    assert store.retry_later(e.id, "w", "Autotask 503", T0 + 60)
    back = store.get_entry(e.id)
    assert back is not None
    assert (back.status, back.last_error, back.next_attempt_at) == (
        EntryStatus.PENDING, "Autotask 503", T0 + 60,
    )
    assert store.lease("w", 30, now=T0 + 59) == []
    [again] = store.lease("w", 30, now=T0 + 60)
    assert again.attempts == 2


def test_dead_letter_by_owner_or_admin(store: SqlStore) -> None:
    fill(store, 3)
    a, b = store.lease("w", 30, limit=2, now=T0 + 5)
    assert not store.dead_letter(a.id, "other", "no")
    assert store.dead_letter(a.id, "w", "validation failed")
    assert store.dead_letter(b.id, None, "admin says stop")  # leased, admin
    c = store.list_entries(EntryStatus.PENDING)[0]
    assert store.dead_letter(c.id, None, "admin says stop")  # pending, admin
    dead = store.list_entries(EntryStatus.DEAD)
    assert [(e.id, e.last_error) for e in dead] == [
        (a.id, "validation failed"), (b.id, "admin says stop"), (c.id, "admin says stop"),
    ]
    assert not store.dead_letter(a.id, None, "again")
    assert store.lease("w", 30, limit=5, now=T0 + 10_000) == []


def test_replay_puts_dead_and_done_entries_back_due_now_attempts_reset(store: SqlStore) -> None:
    fill(store, 3)
    a, b = store.lease("w", 30, limit=2, now=T0 + 5)
    store.dead_letter(a.id, "w", "boom")
    store.complete(b.id, "w")
    pending = store.list_entries(EntryStatus.PENDING)[0]
    assert not store.replay(pending.id, now=T0 + 100)
    assert store.replay(a.id, now=T0 + 100)
    assert store.replay(b.id, now=T0 + 100)
    for entry_id in (a.id, b.id):
        e = store.get_entry(entry_id)
        assert e is not None
        assert (e.status, e.attempts, e.next_attempt_at) == (EntryStatus.PENDING, 0, T0 + 100)
    assert {e.id for e in store.lease("w", 30, limit=5, now=T0 + 100)} == {a.id, b.id, pending.id}


def test_discard_deletes_in_any_status(store: SqlStore) -> None:
    fill(store, 2)
    [leased] = store.lease("w", 30, now=T0 + 5)
    assert store.discard(leased.id)
    assert not store.discard(leased.id)
    assert not store.complete(leased.id, "w")
    assert [e.delivery_id for e in store.list_entries()] == ["d1"]


def test_list_and_count_entries_by_status(store: SqlStore) -> None:
    fill(store, 5)
    a, b = store.lease("w", 30, limit=2, now=T0 + 10)
    store.complete(a.id, "w")
    assert store.count_entries() == 5
    assert store.count_entries(EntryStatus.PENDING) == 3
    assert store.count_entries(EntryStatus.LEASED) == 1
    assert store.count_entries(EntryStatus.DONE) == 1
    assert store.count_entries(EntryStatus.DEAD) == 0
    assert [e.delivery_id for e in store.list_entries(EntryStatus.PENDING, limit=2)] == ["d2", "d3"]
    assert [e.id for e in store.list_entries(EntryStatus.LEASED)] == [b.id]
    assert len(store.list_entries(limit=4)) == 4


def test_purge_deletes_old_done_entries_and_can_forget_old_delivery_ids(store: SqlStore) -> None:
    fill(store, 4)  # received at T0 .. T0 + 3
    entries = store.lease("w", 30, limit=4, now=T0 + 10)
    for e in entries[:3]:
        store.complete(e.id, "w")
    assert store.replay(entries[0].id, now=T0 + 11)  # d0: done, replayed, then dead
    assert store.dead_letter(entries[0].id, None, "dead")
    assert store.purge(done_before=T0 + 2) == 1  # d1; d0 is dead, d2 too new, d3 leased
    assert [e.delivery_id for e in store.list_entries()] == ["d0", "d2", "d3"]
    assert not store.enqueue("fieldnation", "d1", b"again")  # still remembered
    assert store.purge(done_before=T0, forget_deliveries_before=T0 + 2) == 0
    assert store.enqueue("fieldnation", "d1", b"again")  # forgotten: accepted again
    assert not store.enqueue("fieldnation", "d0", b"again")  # its entry still exists


def test_leases_and_locks_need_a_positive_duration(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="lease_seconds"):
        store.lease("w", 0)
    with pytest.raises(ValueError, match="ttl"):
        store.try_lock("k", "w", -1)
