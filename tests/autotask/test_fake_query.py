"""Queries against the fake: every operator, paging edges, chunked in-lists, count, metadata."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from autotask_fn.autotask import AutotaskPicklistError, AutotaskQueryError
from autotask_fn.autotask.query import (
    begins_with,
    contains,
    ends_with,
    eq,
    exist,
    gt,
    gte,
    in_,
    lt,
    lte,
    not_exist,
    not_in,
    noteq,
)

TITLES = ["Alpha printer", "Beta router", "Gamma printer", "Delta switch", "Alpha scanner"]


@pytest.fixture
def tickets(fake, new_ticket) -> list[int]:
    ids = []
    for i, title in enumerate(TITLES):
        due = {"dueDateTime": dt.datetime(2024, 5, 1 + i, tzinfo=dt.UTC)} if i % 2 == 0 else {}
        ids.append(new_ticket(title=title, priority=1 + i % 3, **due))
    return ids


def ours(fake, ids, keep) -> set[int]:
    return {r["id"] for r in fake.records("Tickets") if r["id"] in ids and keep(r)}


CASES = [
    (lambda ids: eq("priority", 2), lambda r: r["priority"] == 2),
    (lambda ids: noteq("priority", 2), lambda r: r["priority"] != 2),
    (lambda ids: gt("id", ids[2]), lambda r: r["id"] > r["_ids"][2]),
    (lambda ids: gte("id", ids[2]), lambda r: r["id"] >= r["_ids"][2]),
    (lambda ids: lt("id", ids[2]), lambda r: r["id"] < r["_ids"][2]),
    (lambda ids: lte("id", ids[2]), lambda r: r["id"] <= r["_ids"][2]),
    (lambda ids: begins_with("title", "alpha"), lambda r: r["title"].startswith("Alpha")),
    (lambda ids: ends_with("title", "PRINTER"), lambda r: r["title"].endswith("printer")),
    (lambda ids: contains("title", "ta"), lambda r: "ta" in r["title"].lower()),
    (lambda ids: exist("dueDateTime"), lambda r: r["dueDateTime"] is not None),
    (lambda ids: not_exist("dueDateTime"), lambda r: r["dueDateTime"] is None),
    (lambda ids: in_("id", ids[1:3]), lambda r: r["id"] in r["_ids"][1:3]),
    (lambda ids: not_in("id", ids[1:3]), lambda r: r["id"] not in r["_ids"][1:3]),
    (lambda ids: eq("priority", 1) | contains("title", "router"),
     lambda r: r["priority"] == 1 or "router" in r["title"]),
    (lambda ids: begins_with("title", "Alpha") & eq("priority", 1),
     lambda r: r["title"].startswith("Alpha") and r["priority"] == 1),
    (lambda ids: gte("dueDateTime", dt.datetime(2024, 5, 3, tzinfo=dt.UTC)),
     lambda r: r["dueDateTime"] is not None and r["dueDateTime"] >= "2024-05-03"),
]


@pytest.mark.parametrize(("build", "keep"), CASES)
def test_each_operator_selects_what_autotask_would(at, fake, tickets, build, keep) -> None:
    mine = in_("id", tickets)
    got = [r["id"] for r in at.query("Tickets", [mine, build(tickets)])]
    expected = ours(fake, tickets, lambda r: keep({**r, "_ids": tickets}))
    assert expected  # each case selects something, so it could fail
    assert set(got) == expected
    assert len(got) == len(set(got))
    assert at.count("Tickets", [mine, build(tickets)]) == len(expected)


def test_include_fields_returns_only_those_fields_plus_id(at, tickets) -> None:
    rows = list(at.query("Tickets", in_("id", tickets), include_fields=["title"]))
    assert {tuple(sorted(r)) for r in rows} == {("id", "title")}


def test_max_records_caps_the_result(at, tickets) -> None:
    assert len(list(at.query("Tickets", in_("id", tickets), max_records=2))) == 2


def test_one_udf_condition_is_allowed_two_are_refused(at, fake, new_ticket) -> None:
    wanted = new_ticket(userDefinedFields=[{"name": "FN Work Order ID", "value": "WO-5"}])
    new_ticket(userDefinedFields=[{"name": "FN Work Order ID", "value": "WO-6"}])
    rows = list(at.query("Tickets", eq("FN Work Order ID", "wo-5", udf=True)))
    assert [r["id"] for r in rows] == [wanted]
    before = len(fake.requests)
    with pytest.raises(AutotaskQueryError):
        at.query("Tickets", [eq("FN Work Order ID", "x", udf=True),
                             eq("Site Notes", "y", udf=True)])
    assert len(fake.requests) == before


@pytest.mark.contract("AT-PAGING-SIZE", "AT-PAGING-POST")
@pytest.mark.parametrize("n", [0, 1, 500, 501, 1200])
def test_paging_returns_every_row_once(at, fake, n) -> None:
    for i in range(n):
        fake.insert("ServiceCalls", {"companyID": fake.seed.company_id,
                                     "description": f"bulk {i}", "status": 1})
    expected = {r["id"] for r in fake.records("ServiceCalls")
                if (r.get("description") or "").startswith("bulk ")}
    assert len(expected) == n
    fake.reset_requests()
    rows = at.query("ServiceCalls", begins_with("description", "bulk "), include_fields=["id"])
    ids = [r["id"] for r in rows]
    assert len(ids) == n
    assert set(ids) == expected
    pages = max(1, math.ceil(n / 500))
    assert fake.count_requests("POST", path="ServiceCalls/query$") == 1
    assert fake.count_requests("POST", path="ServiceCalls/query/next$") == pages - 1
    assert fake.count_requests("GET", path="query") == 0
    assert at.count("ServiceCalls", begins_with("description", "bulk ")) == n


def test_pages_are_fetched_only_as_needed(at, fake) -> None:
    for i in range(501):
        fake.insert("ServiceCalls", {"companyID": fake.seed.company_id, "description": f"x{i}"})
    fake.reset_requests()
    rows = at.query("ServiceCalls", begins_with("description", "x"))
    for _ in range(500):
        next(rows)
    assert fake.count_requests(path="ServiceCalls/query") == 1
    next(rows)
    assert fake.count_requests(path="ServiceCalls/query") == 2


def test_long_in_lists_are_chunked_transparently(at, fake) -> None:
    ids = [fake.insert("ServiceCalls", {"companyID": fake.seed.company_id,
                                        "description": f"c{i}"}) for i in range(1200)]
    fake.reset_requests()
    wanted = [*ids, ids[0], ids[1]]  # duplicates in the input are harmless
    got = [r["id"] for r in at.query("ServiceCalls", in_("id", wanted))]
    assert sorted(got) == sorted(ids)
    assert fake.count_requests("POST", path="ServiceCalls/query$") == 3
    assert at.count("ServiceCalls", in_("id", ids)) == 1200


def test_field_metadata_and_picklists_match_the_tenant(at, fake) -> None:
    fields = {f.name: f for f in at.fields("Tickets")}
    assert fields["title"].is_required
    assert fields["ticketNumber"].is_read_only
    assert fields["companyID"].is_reference
    assert fields["companyID"].reference_entity_type == "Companies" or \
        fields["companyID"].reference_entity_type == "Company"
    priority = at.picklist("Tickets", "priority")
    for value in priority.values:
        assert priority.label_for(value.value) == value.label
        if value.is_active:
            assert str(priority.value_for(value.label.upper())) == value.value
    with pytest.raises(AutotaskPicklistError, match=r"priority.*'Whenever'"):
        priority.value_for("Whenever")


def test_metadata_is_cached_per_base_url(at, fake) -> None:
    at.fields("Tickets")
    at.udfs("Tickets")
    at.entity_information("Tickets")
    fake.reset_requests()
    at.fields("Tickets")
    at.udfs("Tickets")
    at.entity_information("Tickets")
    at.picklist("Tickets", "status")
    assert fake.requests == []
