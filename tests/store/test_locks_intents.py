"""Per-work-order locks and intents."""

from __future__ import annotations

from autotask_fn.store import Scope, scoped_key
from autotask_fn.store._sql import SqlStore

T0 = 1_700_000_000.0
KEY = scoped_key(Scope("production", 29683), "wo", 123)


def test_a_lock_is_exclusive_until_it_expires(store: SqlStore) -> None:
    assert store.try_lock(KEY, "a", 30, now=T0)
    assert not store.try_lock(KEY, "b", 30, now=T0 + 29.9)
    assert store.try_lock(KEY, "b", 30, now=T0 + 30)
    assert not store.try_lock(KEY, "a", 30, now=T0 + 31)


def test_the_owner_renews_its_lock(store: SqlStore) -> None:
    assert store.try_lock(KEY, "a", 30, now=T0)
    assert store.try_lock(KEY, "a", 30, now=T0 + 20)  # now held until T0 + 50
    assert not store.try_lock(KEY, "b", 30, now=T0 + 45)
    assert store.try_lock(KEY, "b", 30, now=T0 + 50)


def test_only_the_owner_unlocks(store: SqlStore) -> None:
    assert store.try_lock(KEY, "a", 30, now=T0)
    assert not store.unlock(KEY, "b")
    assert not store.try_lock(KEY, "b", 30, now=T0 + 1)
    assert store.unlock(KEY, "a")
    assert not store.unlock(KEY, "a")
    assert store.try_lock(KEY, "b", 30, now=T0 + 1)


def test_locks_on_different_keys_are_independent(store: SqlStore) -> None:
    assert store.try_lock("wo:production:1:1", "a", 30, now=T0)
    assert store.try_lock("wo:production:1:2", "b", 30, now=T0)
    assert store.try_lock("wo:sandbox:1:1", "c", 30, now=T0)


def test_intents_are_recorded_replaced_and_forgotten(store: SqlStore) -> None:
    key = scoped_key(Scope("production", 29683), "intent", "timelog", 77)
    assert store.get_intent(key) is None
    intent = {"entity": "TimeEntries", "marker": "[FN:production:timelog:77]"}
    store.put_intent(key, intent)
    assert store.get_intent(key) == intent
    store.put_intent(key, {"entity": "TimeEntries", "attempt": 2})
    assert store.get_intent(key) == {"entity": "TimeEntries", "attempt": 2}
    assert store.delete_intent(key)
    assert not store.delete_intent(key)
    assert store.get_intent(key) is None
