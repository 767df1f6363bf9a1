"""Schema versions: new databases, reopening, migrating old ones, refusing newer ones."""

from __future__ import annotations

import pytest

from autotask_fn.store import SCHEMA_VERSION, Scope, StoreError, StoreSchemaError, _migrations
from autotask_fn.store._migrations import Migration
from autotask_fn.store._sql import SqlStore

from .conftest import Backend, run_threads
from .test_links import wo_link

#: The step after the last real one (the test steps are named for when it was 2).
NEXT = _migrations.known_version(_migrations.MIGRATIONS) + 1
STEP_2 = Migration(
    version=NEXT,
    description="test step: a notes table",
    sqlite=("CREATE TABLE test_notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",),
    postgres=("CREATE TABLE test_notes (id BIGINT PRIMARY KEY, text TEXT NOT NULL)",),
)
BROKEN_STEP_2 = Migration(
    version=NEXT,
    description="test step that fails half way",
    sqlite=("CREATE TABLE half_done (id INTEGER)", "THIS IS NOT SQL"),
    postgres=("CREATE TABLE half_done (id INTEGER)", "THIS IS NOT SQL"),
)


def test_the_last_migration_is_the_protocol_schema_version() -> None:
    assert _migrations.known_version(_migrations.MIGRATIONS) == SCHEMA_VERSION
    versions = [m.version for m in _migrations.MIGRATIONS]
    assert versions == list(range(1, len(versions) + 1))


def test_a_new_database_is_at_the_current_version(store: SqlStore) -> None:
    assert store.schema_version() == SCHEMA_VERSION


def test_reopening_keeps_data_and_version(shared_backend: Backend) -> None:
    shared_backend.open().save_link(wo_link())
    again = shared_backend.open()
    assert again.schema_version() == SCHEMA_VERSION
    assert again.get_link(Scope("production", 29683), "wo", "100") is not None


def test_an_old_database_is_migrated_on_open(
    shared_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared_backend.open().save_link(wo_link())
    monkeypatch.setattr(_migrations, "MIGRATIONS", [*_migrations.MIGRATIONS, STEP_2])
    upgraded = shared_backend.open()
    assert upgraded.schema_version() == NEXT
    shared_backend.raw("INSERT INTO test_notes (id, text) VALUES (1, 'new table')")
    assert shared_backend.raw("SELECT text FROM test_notes") == [("new table",)]
    assert upgraded.get_link(Scope("production", 29683), "wo", "100") is not None


def test_a_failing_step_leaves_the_database_at_its_old_version(
    shared_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared_backend.open()
    monkeypatch.setattr(_migrations, "MIGRATIONS", [*_migrations.MIGRATIONS, BROKEN_STEP_2])
    with pytest.raises(StoreSchemaError, match=f"migration {NEXT}"):
        shared_backend.open()
    assert shared_backend.raw("SELECT version FROM schema_meta") == [(NEXT - 1,)]
    with pytest.raises(Exception, match="half_done"):
        shared_backend.raw("SELECT * FROM half_done")


def test_a_database_from_a_newer_version_is_refused(shared_backend: Backend) -> None:
    shared_backend.open()
    shared_backend.raw("UPDATE schema_meta SET version = 99")
    with pytest.raises(StoreSchemaError, match="newer") as info:
        shared_backend.open()
    assert (info.value.found, info.value.known) == (99, SCHEMA_VERSION)
    assert isinstance(info.value, StoreError)


def test_several_stores_opening_a_new_database_at_once_all_succeed(
    shared_backend: Backend,
) -> None:
    opened: list[int] = []
    run_threads(4, lambda _: opened.append(shared_backend.open().schema_version()))
    assert opened == [SCHEMA_VERSION] * 4
