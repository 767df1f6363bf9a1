"""Links: saving, reading, querying and scope isolation, on every backend."""

from __future__ import annotations

import time

from autotask_fn.store import Link, LinkState, Scope, Store
from autotask_fn.store._sql import SqlStore

PROD = Scope("production", 29683)
SANDBOX = Scope("sandbox", 29683)
OTHER_TENANT = Scope("production", 11111)


def wo_link(scope: Scope = PROD, fn_id: str = "100", **kw: object) -> Link:
    fields: dict[str, object] = {
        "scope": scope,
        "kind": "wo",
        "fn_id": fn_id,
        "at_entity": "Tickets",
        "at_id": 5000 + int(fn_id.split("#")[0]),
        "work_order_id": int(fn_id.split("#")[0]),
    }
    fields.update(kw)
    return Link(**fields)  # type: ignore[arg-type]


def test_every_backend_satisfies_the_store_protocol(store: SqlStore) -> None:
    assert isinstance(store, Store)


def test_a_saved_link_reads_back_with_its_data_and_update_time(store: SqlStore) -> None:
    before = time.time()
    link = wo_link(content_hash="abc", data={"snapshot": {"title": "Fix printer", "n": [1, 2]}})
    saved = store.save_link(link)
    assert saved.updated_at >= before
    got = store.get_link(PROD, "wo", "100")
    assert got == saved
    assert got is not None
    assert got.data == {"snapshot": {"title": "Fix printer", "n": [1, 2]}}
    assert got.state is LinkState.OK


def test_saving_the_same_key_replaces_the_link(store: SqlStore) -> None:
    store.save_link(wo_link(content_hash="one"))
    store.save_link(wo_link(content_hash="two", at_id=9999, state=LinkState.DIVERGED))
    assert len(store.list_links()) == 1
    got = store.get_link(PROD, "wo", "100")
    assert got is not None
    assert (got.content_hash, got.at_id, got.state) == ("two", 9999, LinkState.DIVERGED)


def test_missing_links_are_none(store: SqlStore) -> None:
    assert store.get_link(PROD, "wo", "404") is None
    assert store.find_link_by_autotask(PROD, "wo", "Tickets", 404) is None


def test_a_link_is_found_from_its_autotask_record(store: SqlStore) -> None:
    store.save_link(wo_link(fn_id="100"))
    store.save_link(Link(PROD, "note", "m1", "TicketNotes", 5100, 100))
    found = store.find_link_by_autotask(PROD, "note", "TicketNotes", 5100)
    assert found is not None
    assert found.fn_id == "m1"
    assert store.find_link_by_autotask(PROD, "wo", "TicketNotes", 5100) is None


def test_links_of_a_work_order_come_in_a_stable_order_and_filter_by_kind(store: SqlStore) -> None:
    for kind, fn_id in [("timelog", "77#1"), ("note", "m2"), ("timelog", "77#0"), ("note", "m1")]:
        store.save_link(Link(PROD, kind, fn_id, "X", 1, 100))
    store.save_link(Link(PROD, "note", "m9", "X", 1, 200))
    all_links = store.links_for_work_order(PROD, 100)
    assert [(lk.kind, lk.fn_id) for lk in all_links] == [
        ("note", "m1"), ("note", "m2"), ("timelog", "77#0"), ("timelog", "77#1"),
    ]
    assert [lk.fn_id for lk in store.links_for_work_order(PROD, 100, "timelog")] == ["77#0", "77#1"]


def test_list_links_filters_by_scope_kind_and_state(store: SqlStore) -> None:
    store.save_link(wo_link(PROD, "1"))
    store.save_link(wo_link(PROD, "2", state=LinkState.UNLINKED))
    store.save_link(Link(PROD, "note", "n", "TicketNotes", 1, 1))
    store.save_link(wo_link(SANDBOX, "1"))
    assert len(store.list_links()) == 4
    assert {lk.fn_id for lk in store.list_links(PROD, "wo")} == {"1", "2"}
    assert [lk.fn_id for lk in store.list_links(state=LinkState.UNLINKED)] == ["2"]
    assert [lk.scope for lk in store.list_links(SANDBOX)] == [SANDBOX]
    assert [lk.kind for lk in store.list_links(kind="note")] == ["note"]


def test_scopes_are_isolated(store: SqlStore) -> None:
    for scope in (PROD, SANDBOX, OTHER_TENANT):
        store.save_link(wo_link(scope, content_hash=scope.fn_env + str(scope.at_tenant)))
    for scope in (PROD, SANDBOX, OTHER_TENANT):
        got = store.get_link(scope, "wo", "100")
        assert got is not None
        assert got.content_hash == scope.fn_env + str(scope.at_tenant)
        assert [lk.scope for lk in store.links_for_work_order(scope, 100)] == [scope]
    assert store.delete_link(SANDBOX, "wo", "100")
    assert store.get_link(SANDBOX, "wo", "100") is None
    assert store.get_link(PROD, "wo", "100") is not None
    assert store.get_link(OTHER_TENANT, "wo", "100") is not None


def test_delete_link_says_whether_it_existed(store: SqlStore) -> None:
    store.save_link(wo_link())
    assert store.delete_link(PROD, "wo", "100") is True
    assert store.delete_link(PROD, "wo", "100") is False
    assert store.list_links() == []
