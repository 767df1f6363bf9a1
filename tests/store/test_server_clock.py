"""Leases and locks on PostgreSQL follow the database server's clock: a worker whose own clock
is an hour off can neither steal a lease or lock that is still held, nor keep one past its
time. (SQLite serves one machine: its clock is the process's.)"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import pytest

import autotask_fn.store._sql as sql
from autotask_fn.store.postgres import PostgresStore

from .conftest import PG_DSN, require_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg() -> Iterator[PostgresStore]:
    require_postgres()
    schema = f"clock_{secrets.token_hex(4)}"
    store = PostgresStore(PG_DSN, schema=schema)
    yield store
    with store._tx() as cur:
        cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
    store.close()


def skewed(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """This worker's own clock runs ``seconds`` off."""
    monkeypatch.setattr(sql, "_now", lambda now: time.time() + seconds if now is None else now)


def test_a_worker_an_hour_ahead_cannot_steal_a_held_lock(
        pg: PostgresStore, monkeypatch: pytest.MonkeyPatch) -> None:
    assert pg.try_lock("wo:1", "right-clock", 60)
    skewed(monkeypatch, 3600)
    assert not pg.try_lock("wo:1", "fast-clock", 60)
    assert not pg.renew_lock("wo:1", "fast-clock", 60)


def test_a_worker_an_hour_ahead_cannot_keep_a_lock_past_its_time(
        pg: PostgresStore, monkeypatch: pytest.MonkeyPatch) -> None:
    skewed(monkeypatch, 3600)
    assert pg.try_lock("wo:2", "fast-clock", 0.5)
    monkeypatch.undo()
    time.sleep(0.7)
    assert pg.try_lock("wo:2", "right-clock", 60)


def test_a_worker_an_hour_ahead_cannot_steal_a_lease(
        pg: PostgresStore, monkeypatch: pytest.MonkeyPatch) -> None:
    assert pg.enqueue("fieldnation", "d1", b"{}", {})
    assert [e.delivery_id for e in pg.lease("right-clock", 60)] == ["d1"]
    skewed(monkeypatch, 3600)
    assert pg.lease("fast-clock", 60) == []
