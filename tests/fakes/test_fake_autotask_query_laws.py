"""FakeAutotask query engine: algebraic laws checked with generated filters (hypothesis).

These do not re-implement the engine: they check that its answers agree with each other
(``and`` is intersection, ``or`` is union, ``in`` is a union of ``eq``, a comparison and its
opposite split the rows that have a value, ``count`` matches the rows returned).
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from .test_fake_autotask_support import connect

FAKE, CLIENT = connect()
_rng = random.Random(7)
WORDS = ["printer", "network", "Router", "toner", "wifi", "POS", "drawer"]
for _ in range(40):
    FAKE.insert("Tickets", {
        "title": f"{_rng.choice(WORDS)} {_rng.choice(WORDS)}",
        "priority": _rng.randint(1, 4), "status": 1, "companyID": FAKE.seed.company_id,
        "dueDateTime": _rng.choice([None, f"2026-02-{_rng.randint(1, 28):02d}T10:00:00.00Z"]),
        "estimatedHours": _rng.choice([None, 0.5, 1.0, 2.0, 4.0]),
    })

FIELDS: dict[str, Any] = {
    "priority": st.integers(0, 5),
    "dueDateTime": st.integers(1, 28).map(lambda d: f"2026-02-{d:02d}T10:00:00Z"),
    "estimatedHours": st.sampled_from([0.25, 0.5, 1.0, 2.0, 4.0]),
}
COMPARE = ["eq", "noteq", "gt", "gte", "lt", "lte"]
OPPOSITE = {"eq": "noteq", "gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt", "noteq": "eq"}


def leaf() -> st.SearchStrategy[dict[str, Any]]:
    ordered = st.sampled_from(sorted(FIELDS)).flatmap(
        lambda f: st.tuples(st.sampled_from(COMPARE), FIELDS[f]).map(
            lambda t: {"op": t[0], "field": f, "value": t[1]}))
    text = st.tuples(st.sampled_from(["beginsWith", "endsWith", "contains", "eq"]),
                     st.sampled_from([*WORDS, "o", "er", ""])).map(
        lambda t: {"op": t[0], "field": "title", "value": t[1]})
    presence = st.tuples(st.sampled_from(["exist", "notExist"]),
                         st.sampled_from(["dueDateTime", "estimatedHours"])).map(
        lambda t: {"op": t[0], "field": t[1]})
    return st.one_of(ordered, text, presence)


def ids(*items: dict[str, Any]) -> set[int]:
    response = CLIENT.post("Tickets/query", json={"filter": list(items)})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


ALL_IDS = ids({"op": "gte", "field": "id", "value": 0})


@settings(max_examples=40, deadline=None)
@given(leaf(), leaf())
def test_and_is_intersection_and_or_is_union(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert ids(a, b) == ids(a) & ids(b)
    assert ids({"op": "and", "items": [a, b]}) == ids(a) & ids(b)
    assert ids({"op": "or", "items": [a, b]}) == ids(a) | ids(b)
    count = CLIENT.post("Tickets/query/count", json={"filter": [a]}).json()["queryCount"]
    assert count == len(ids(a))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(FIELDS)).flatmap(
    lambda f: st.tuples(st.just(f), st.sampled_from(COMPARE), FIELDS[f])))
def test_a_comparison_and_its_opposite_split_the_rows_with_a_value(
    case: tuple[str, str, Any],
) -> None:
    field, op, value = case
    with_value = ids({"op": "exist", "field": field})
    one = ids({"op": op, "field": field, "value": value})
    other = ids({"op": OPPOSITE[op], "field": field, "value": value})
    assert one | other == with_value
    assert not one & other
    assert with_value | ids({"op": "notExist", "field": field}) == ALL_IDS


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=4))
def test_in_is_a_union_of_eq_and_not_in_its_complement(values: list[int]) -> None:
    union: set[int] = set()
    for value in values:
        union |= ids({"op": "eq", "field": "priority", "value": value})
    assert ids({"op": "in", "field": "priority", "value": values}) == union
    assert ids({"op": "notIn", "field": "priority", "value": values}) == ALL_IDS - union
