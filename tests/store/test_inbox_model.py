"""The inbox against a model: random sequences of enqueue / lease / complete / retry /
dead-letter / replay / discard, with time moving on, must agree with a few lines of Python
that say what the protocol promises."""

from __future__ import annotations

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from autotask_fn.store import EntryStatus, SqliteStore

T0 = 1_700_000_000.0
OWNERS = st.sampled_from(["a", "b"])


@attrs.define
class Model:
    id: int
    delivery_id: str
    received_at: float
    status: EntryStatus = EntryStatus.PENDING
    attempts: int = 0
    next_attempt_at: float = 0.0
    owner: str | None = None
    expires: float | None = None
    error: str | None = None


class InboxMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = SqliteStore()
        self.now = T0
        self.seen: set[str] = set()
        self.entries: dict[int, Model] = {}
        self.next_id = 1

    def teardown(self) -> None:
        self.store.close()

    def pick(self, data: st.DataObject, *statuses: EntryStatus) -> int:
        """An entry id, mostly one in the given statuses (so that rules mostly do something)."""
        wanted = sorted(i for i, e in self.entries.items() if e.status in statuses)
        everything = sorted(self.entries)
        mostly_wanted = bool(wanted) and data.draw(st.integers(0, 4)) > 0
        return data.draw(st.sampled_from(wanted if mostly_wanted else everything))

    def holds(self, entry_id: int, owner: str) -> bool:
        e = self.entries.get(entry_id)
        return e is not None and e.status is EntryStatus.LEASED and e.owner == owner

    def release(self, e: Model, status: EntryStatus) -> None:
        e.status, e.owner, e.expires = status, None, None

    @rule(seconds=st.sampled_from([0.0, 1.0, 5.0, 30.0]))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds

    @rule(delivery=st.sampled_from([f"d{i}" for i in range(8)]))
    def enqueue(self, delivery: str) -> None:
        accepted = self.store.enqueue("fn", delivery, delivery.encode(), now=self.now)
        assert accepted == (delivery not in self.seen)
        if accepted:
            self.seen.add(delivery)
            self.entries[self.next_id] = Model(
                self.next_id, delivery, self.now, next_attempt_at=self.now
            )
            self.next_id += 1

    @rule(owner=OWNERS, limit=st.integers(1, 3), lease=st.sampled_from([5.0, 20.0]))
    def lease(self, owner: str, limit: int, lease: float) -> None:
        def is_due(e: Model) -> bool:
            if e.status is EntryStatus.PENDING:
                return e.next_attempt_at <= self.now
            leased = e.status is EntryStatus.LEASED
            return leased and e.expires is not None and e.expires <= self.now

        due = sorted(filter(is_due, self.entries.values()), key=lambda e: (e.received_at, e.id))
        due = due[:limit]
        got = self.store.lease(owner, lease, limit=limit, now=self.now)
        for e in due:
            e.status, e.owner, e.expires = EntryStatus.LEASED, owner, self.now + lease
            e.attempts += 1
        assert [(g.id, g.attempts, g.lease_owner) for g in got] == [
            (e.id, e.attempts, owner) for e in due
        ]

    @precondition(lambda self: self.entries)
    @rule(data=st.data(), owner=OWNERS)
    def complete(self, data: st.DataObject, owner: str) -> None:
        entry_id = self.pick(data, EntryStatus.LEASED)
        expected = self.holds(entry_id, owner)
        assert self.store.complete(entry_id, owner) == expected
        if expected:
            self.release(self.entries[entry_id], EntryStatus.DONE)

    @precondition(lambda self: self.entries)
    @rule(data=st.data(), owner=OWNERS, delay=st.sampled_from([0.0, 10.0]))
    def retry_later(self, data: st.DataObject, owner: str, delay: float) -> None:
        entry_id = self.pick(data, EntryStatus.LEASED)
        expected = self.holds(entry_id, owner)
        assert self.store.retry_later(entry_id, owner, "oops", self.now + delay) == expected
        if expected:
            e = self.entries[entry_id]
            self.release(e, EntryStatus.PENDING)
            e.next_attempt_at, e.error = self.now + delay, "oops"

    @precondition(lambda self: self.entries)
    @rule(data=st.data(), owner=st.sampled_from(["a", "b", None]))
    def dead_letter(self, data: st.DataObject, owner: str | None) -> None:
        entry_id = self.pick(data, EntryStatus.LEASED, EntryStatus.PENDING)
        e = self.entries[entry_id]
        if owner is None:
            expected = e.status in (EntryStatus.PENDING, EntryStatus.LEASED)
        else:
            expected = self.holds(entry_id, owner)
        assert self.store.dead_letter(entry_id, owner, "fatal") == expected
        if expected:
            self.release(e, EntryStatus.DEAD)
            e.error = "fatal"

    @precondition(lambda self: self.entries)
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        entry_id = self.pick(data, EntryStatus.DEAD, EntryStatus.DONE)
        e = self.entries[entry_id]
        expected = e.status in (EntryStatus.DEAD, EntryStatus.DONE)
        assert self.store.replay(entry_id, now=self.now) == expected
        if expected:
            self.release(e, EntryStatus.PENDING)
            e.attempts, e.next_attempt_at = 0, self.now

    @precondition(lambda self: self.entries)
    @rule(data=st.data())
    def discard(self, data: st.DataObject) -> None:
        entry_id = self.pick(data)
        assert self.store.discard(entry_id)
        del self.entries[entry_id]

    @invariant()
    def store_agrees_with_the_model(self) -> None:
        stored = {e.id: e for e in self.store.list_entries(limit=1000)}
        assert sorted(stored) == sorted(self.entries)
        for entry_id, m in self.entries.items():
            s = stored[entry_id]
            assert (s.status, s.attempts, s.lease_owner, s.lease_expires_at) == (
                m.status, m.attempts, m.owner, m.expires,
            )
            assert s.delivery_id == m.delivery_id
            if m.status is EntryStatus.PENDING:
                assert s.next_attempt_at == m.next_attempt_at
            if m.error is not None:
                assert s.last_error == m.error
        for status in EntryStatus:
            expected = sum(1 for m in self.entries.values() if m.status is status)
            assert self.store.count_entries(status) == expected


InboxMachine.TestCase.settings = settings(
    max_examples=50, stateful_step_count=30, deadline=None
)
test_inbox_agrees_with_its_model = InboxMachine.TestCase
