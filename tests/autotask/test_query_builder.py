"""The filter builder produces Autotask's FilterItem JSON and guards the query rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autotask_fn.autotask import AutotaskQueryError
from autotask_fn.autotask.query import (
    and_,
    begins_with,
    check_udf_limit,
    contains,
    ends_with,
    eq,
    exist,
    gt,
    gte,
    in_,
    lt,
    lte,
    normalize_filters,
    not_exist,
    not_in,
    noteq,
    or_,
    split_for_sending,
    to_wire,
)


@pytest.mark.parametrize(
    ("build", "op"),
    [(eq, "eq"), (noteq, "noteq"), (gt, "gt"), (gte, "gte"), (lt, "lt"), (lte, "lte"),
     (begins_with, "beginsWith"), (ends_with, "endsWith"), (contains, "contains")],
)
def test_comparisons_render_their_wire_operator(build, op) -> None:
    assert build("title", "x").to_api() == {"op": op, "field": "title", "value": "x"}
    assert build("Rank", "x", udf=True).to_api() == {
        "op": op, "field": "Rank", "value": "x", "udf": True}


def test_exist_operators_carry_no_value() -> None:
    assert exist("dueDateTime").to_api() == {"op": "exist", "field": "dueDateTime"}
    assert not_exist("dueDateTime").to_api() == {"op": "notExist", "field": "dueDateTime"}


def test_in_lists_are_deduplicated_and_rendered_as_arrays() -> None:
    assert in_("id", [3, 1, 3]).to_api() == {"op": "in", "field": "id", "value": [3, 1]}
    assert not_in("id", (1, 2)).to_api() == {"op": "notIn", "field": "id", "value": [1, 2]}


def test_and_or_operators_build_flat_groups() -> None:
    a, b, c = eq("status", 1), eq("priority", 2), eq("queueID", 5)
    assert (a & b & c) == and_(a, b, c)
    assert (a | b | c).to_api() == {"op": "or", "items": [a.to_api(), b.to_api(), c.to_api()]}
    nested = a & (b | c)
    assert nested.to_api()["items"][1]["op"] == "or"


def test_values_are_serialised_in_autotask_format() -> None:
    when = dt.datetime(2024, 3, 1, 12, 30, 5, 250000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert to_wire(when) == "2024-03-01T10:30:05.250Z"
    assert to_wire(dt.date(2024, 3, 1)) == "2024-03-01T00:00:00.000Z"
    assert to_wire(Decimal("1.50")) == 1.5
    assert to_wire(Decimal("3")) == 3
    assert gte("lastActivityDate", when).to_api()["value"] == "2024-03-01T10:30:05.250Z"


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"),
                                   float("nan"), float("inf")])
def test_numbers_json_cannot_carry_are_refused_before_sending(value: object) -> None:
    with pytest.raises(ValueError, match="finite"):
        to_wire({"unitPrice": value})


def test_create_with_a_nan_amount_sends_nothing(make_client) -> None:
    client, mock = make_client(lambda request: httpx.Response(200, json={"itemId": 1}))
    with pytest.raises(ValueError, match="finite"):
        client.create("TicketCharges", {"ticketID": 5, "unitPrice": Decimal("NaN")})
    assert mock.requests == []


def test_none_filter_means_every_record() -> None:
    assert [f.to_api() for f in normalize_filters(None)] == [
        {"op": "gte", "field": "id", "value": 0}]


def test_more_than_one_udf_condition_is_refused() -> None:
    check_udf_limit([eq("A", 1, udf=True), eq("status", 1)])
    with pytest.raises(AutotaskQueryError, match="one user-defined-field"):
        check_udf_limit([eq("A", 1, udf=True) | eq("B", 2, udf=True)])


def test_long_in_lists_split_into_chunked_queries() -> None:
    batches = split_for_sending([in_("id", range(1200)), eq("status", 1)], size=500)
    assert [len(b[0].value) for b in batches] == [500, 500, 200]
    assert all(b[1] == eq("status", 1) for b in batches)
    assert sorted(v for b in batches for v in b[0].value) == list(range(1200))


def test_long_not_in_and_nested_in_are_rewritten_in_one_query() -> None:
    (only,) = split_for_sending([not_in("id", range(700)), or_(in_("x", range(600)), eq("y", 1))],
                                size=500)
    assert only[0].op == "and"
    assert [len(i.value) for i in only[0].items] == [500, 200]
    assert [len(i.value) for i in only[1].items[0].items] == [500, 100]


def test_an_empty_and_group_means_every_record() -> None:
    assert normalize_filters(and_()) == normalize_filters(None)
    assert normalize_filters([]) == normalize_filters(None)


@given(values=st.lists(st.integers(min_value=0, max_value=5000), max_size=1600),
       size=st.integers(min_value=1, max_value=600))
@settings(max_examples=60, deadline=None)
def test_chunking_keeps_every_value_once_and_respects_the_size(values, size) -> None:
    if not values:
        return
    batches = split_for_sending([in_("id", values)], size=size)
    chunks = [b[0].value for b in batches]
    assert all(0 < len(c) <= size for c in chunks)
    flat = [v for c in chunks for v in c]
    assert sorted(flat) == sorted(set(values))
