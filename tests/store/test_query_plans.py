"""The hot store queries use an index, on every backend, with enough rows that it matters.

Each query is captured as the store really sends it (its SQL and parameters), then explained
on the same database: SQLite's ``EXPLAIN QUERY PLAN``, PostgreSQL's ``EXPLAIN`` after
``ANALYZE`` (PostgreSQL scans a tiny table whatever the index, so the tables are loaded
first). A plan that walks every link of a kind, or every inbox entry, fails the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from autotask_fn.store import Scope
from autotask_fn.store._sql import SqlStore

from .conftest import Backend

PROD = Scope("production", 29683)
LINKS = 3000  # per kind; 2 kinds
DONE_ENTRIES = 3000
POSTGRES = "postgres"


def _load(store: SqlStore) -> None:
    """Links of two kinds over 300 work orders, and a long history of done deliveries (one
    INSERT ... SELECT each, over a counting CTE both dialects accept)."""
    count = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
    with store._tx() as cur:
        for kind, entity in (("wo", "Tickets"), ("note", "TicketNotes")):
            cur.execute(store._q(
                count + "INSERT INTO links (fn_env, at_tenant, kind, fn_id, at_entity, at_id,"
                " work_order_id, content_hash, state, data, updated_at)"
                " SELECT ?, ?, ?, CAST(i AS TEXT), ?, 10000 + i, i - 300 * (i / 300),"
                " '', 'ok', '{}', 0 FROM n"),
                (LINKS - 1, PROD.fn_env, PROD.at_tenant, kind, entity))
        cur.execute(store._q(
            count + "INSERT INTO inbox (source, delivery_id, body, headers, status, attempts,"
            " received_at, next_attempt_at) SELECT 'fn', 'd' || CAST(i AS TEXT), ?, '{}',"
            " 'done', 1, i, i FROM n"), (DONE_ENTRIES - 1, b"{}"))
        if store._dialect == POSTGRES:
            cur.execute("ANALYZE links")
            cur.execute("ANALYZE inbox")


@contextmanager
def _captured(store: SqlStore) -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """Record the (SQL, parameters) of every read and write the store makes in the block."""
    seen: list[tuple[str, tuple[Any, ...]]] = []

    class Spy:
        def __init__(self, cur: Any) -> None:
            self._cur = cur

        def execute(self, sql: str, params: Any = ()) -> object:
            seen.append((sql, tuple(params)))
            return self._cur.execute(sql, params)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._cur, name)

    tx = store._transaction

    @contextmanager
    def spying(write: bool) -> Iterator[Any]:
        with tx(write) as cur:
            yield Spy(cur)

    store._transaction = spying  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del store._transaction


def plan(store: SqlStore, call: Callable[[SqlStore], object]) -> str:
    """The plan of the one statement ``call`` makes the store run, as one text."""
    with _captured(store) as seen:
        call(store)
    assert len(seen) == 1, seen
    sql, params = seen[0]
    explain = "EXPLAIN " if store._dialect == POSTGRES else "EXPLAIN QUERY PLAN "
    with store._tx(False) as cur:
        cur.execute(explain + sql, params)
        rows = cur.fetchall()
    detail = 0 if store._dialect == POSTGRES else 3
    return "\n".join(str(row[detail]) for row in rows)


@pytest.fixture
def loaded(backend: Backend) -> SqlStore:
    store = backend.open()
    _load(store)
    return store


HOT: dict[str, tuple[Callable[[SqlStore], object], str]] = {
    "get_link": (lambda s: s.get_link(PROD, "wo", "17"), "links_pkey|sqlite_autoindex_links_1"),
    "find_link_by_autotask": (
        lambda s: s.find_link_by_autotask(PROD, "wo", "Tickets", 10_017), "links_by_autotask"),
    "links_for_work_order": (lambda s: s.links_for_work_order(PROD, 17), "links_by_work_order"),
    "links_for_work_order, one kind": (
        lambda s: s.links_for_work_order(PROD, 17, "note"), "links_by_work_order"),
    "get_entry": (lambda s: s.get_entry(17), "inbox_pkey|INTEGER PRIMARY KEY"),
}


def test_every_hot_query_reads_its_index_and_nothing_else(loaded: SqlStore) -> None:
    wrong = {}
    for query, (call, index) in HOT.items():
        text = plan(loaded, call)
        uses_index = any(name in text for name in index.split("|"))
        walks = [w for w in ("Seq Scan", "SCAN links", "SCAN inbox", "Sort", "TEMP B-TREE")
                 if w in text]
        if not uses_index or walks:
            wrong[query] = text
    assert not wrong, wrong


def test_leasing_reads_only_due_entries_not_the_done_history(loaded: SqlStore) -> None:
    loaded.enqueue("fn", "new", b"{}")
    text = plan(loaded, lambda s: s.lease("worker", 60, limit=5))
    assert "inbox_due" in text, text
    for whole_table in ("Seq Scan on inbox", "SCAN inbox"):
        assert whole_table not in text, text


def test_the_lookup_by_autotask_record_no_longer_walks_the_primary_key(
        loaded: SqlStore) -> None:
    # The old index (without fn_id) made SQLite walk the primary key of every 'wo' link to
    # satisfy ORDER BY fn_id: the plan named the primary key, not the Autotask index.
    text = plan(loaded, lambda s: s.find_link_by_autotask(PROD, "wo", "Tickets", 10_017))
    assert "sqlite_autoindex_links_1" not in text, text
    assert "links_pkey" not in text, text
