"""FakeAutotask: the query grammar, projections, counts and paging."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from autotask_fn.testing import FakeAutotask

from .test_fake_autotask_support import ALL, connect, errors

Row = dict[str, Any]

ROWS: list[Row] = [
    {"title": "Printer jam", "priority": 1, "dueDateTime": "2026-01-01T10:00:00.00Z",
     "description": "Paper stuck", "udf": "Field Nation"},
    {"title": "printer toner", "priority": 2, "dueDateTime": "2026-01-02T10:00:00.00Z",
     "description": None, "udf": "In-House"},
    {"title": "Network down", "priority": 3, "dueDateTime": "2026-01-03T10:00:00.00Z",
     "description": "Switch dead", "udf": None},
    {"title": "Wi-Fi slow [FN:prod:wo:7]", "priority": 4, "dueDateTime": None,
     "description": "", "udf": "Field Nation"},
]


@pytest.fixture
def tenant() -> tuple[FakeAutotask, httpx.Client, dict[int, Row]]:
    fake, client = connect()
    by_id = {}
    for row in ROWS:
        record_id = fake.insert("Tickets", {
            "title": row["title"], "priority": row["priority"], "status": 1,
            "dueDateTime": row["dueDateTime"], "description": row["description"],
            "companyID": fake.seed.company_id,
            "userDefinedFields": [{"name": "Dispatch Method", "value": row["udf"]}],
        })
        by_id[record_id] = row
    return fake, client, by_id


def _ids(client: httpx.Client, *items: dict[str, Any], entity: str = "Tickets") -> set[int]:
    response = client.post(f"{entity}/query", json={"filter": list(items)})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def _due(row: Row) -> str:
    return row["dueDateTime"] or ""


CASES: list[tuple[dict[str, Any], Callable[[Row], bool]]] = [
    ({"op": "eq", "field": "priority", "value": 2}, lambda r: r["priority"] == 2),
    ({"op": "noteq", "field": "priority", "value": 2}, lambda r: r["priority"] != 2),
    ({"op": "gt", "field": "priority", "value": 2}, lambda r: r["priority"] > 2),
    ({"op": "gte", "field": "priority", "value": 2}, lambda r: r["priority"] >= 2),
    ({"op": "lt", "field": "priority", "value": 2}, lambda r: r["priority"] < 2),
    ({"op": "lte", "field": "priority", "value": "2"}, lambda r: r["priority"] <= 2),
    ({"op": "eq", "field": "title", "value": "PRINTER JAM"},
     lambda r: r["title"].lower() == "printer jam"),
    ({"op": "beginsWith", "field": "title", "value": "printer"},
     lambda r: r["title"].lower().startswith("printer")),
    ({"op": "endsWith", "field": "title", "value": "[FN:prod:wo:7]"},
     lambda r: r["title"].endswith("[FN:prod:wo:7]")),
    ({"op": "contains", "field": "title", "value": "WORK"}, lambda r: "work" in r["title"].lower()),
    ({"op": "exist", "field": "description"}, lambda r: bool(r["description"])),
    ({"op": "notExist", "field": "description"}, lambda r: not r["description"]),
    ({"op": "in", "field": "priority", "value": [1, 4]}, lambda r: r["priority"] in (1, 4)),
    ({"op": "notIn", "field": "priority", "value": [1, 4]},
     lambda r: r["priority"] not in (1, 4)),
    ({"op": "gt", "field": "dueDateTime", "value": "2026-01-01T12:00:00"},
     lambda r: _due(r) > "2026-01-01T12"),
    ({"op": "lte", "field": "dueDateTime", "value": "2026-01-02T10:00:00.00Z"},
     lambda r: bool(r["dueDateTime"]) and _due(r) <= "2026-01-02T10:00:00.00Z"),
    ({"op": "noteq", "field": "description", "value": "Paper stuck"},
     # SQL semantics: a null field matches no comparison, not even noteq
     lambda r: r["description"] is not None and r["description"] != "Paper stuck"),
    ({"op": "eq", "field": "Dispatch Method", "value": "Field Nation", "udf": True},
     lambda r: r["udf"] == "Field Nation"),
    ({"op": "notExist", "field": "dispatch method", "udf": True}, lambda r: r["udf"] is None),
    ({"op": "beginsWith", "field": "Dispatch Method", "value": "in", "udf": True},
     lambda r: (r["udf"] or "").lower().startswith("in")),
]


@pytest.mark.parametrize(("item", "predicate"), CASES, ids=lambda c: str(c)[:60])
def test_every_operator_selects_what_it_says(
    tenant: tuple[FakeAutotask, httpx.Client, dict[int, Row]],
    item: dict[str, Any],
    predicate: Callable[[Row], bool],
) -> None:
    _, client, by_id = tenant
    expected = {i for i, row in by_id.items() if predicate(row)}
    assert _ids(client, item, {"op": "gte", "field": "id", "value": min(by_id)}) == expected


def test_top_level_items_are_anded_and_groups_nest(
    tenant: tuple[FakeAutotask, httpx.Client, dict[int, Row]],
) -> None:
    _, client, by_id = tenant
    got = _ids(
        client,
        {"op": "or", "items": [
            {"op": "eq", "field": "priority", "value": 1},
            {"op": "and", "items": [
                {"op": "gte", "field": "priority", "value": 3},
                {"op": "contains", "field": "title", "value": "wi-fi"},
            ]},
        ]},
        {"op": "exist", "field": "title"},
    )
    expected = {i for i, r in by_id.items()
                if r["priority"] == 1 or (r["priority"] >= 3 and "wi-fi" in r["title"].lower())}
    assert got == expected
    assert len(expected) == 2


def test_key_case_is_not_significant(
    tenant: tuple[FakeAutotask, httpx.Client, dict[int, Row]],
) -> None:
    _, client, by_id = tenant
    body = {"FILTER": [{"OP": "EQ", "Field": "PRIORITY", "Value": 3}], "maxrecords": 10,
            "includefields": ["ID", "title"]}
    items = client.post("Tickets/query", json=body).json()["items"]
    assert items == [{"id": i, "title": r["title"]} for i, r in by_id.items() if r["priority"] == 3]


def test_include_fields_with_a_udf_name(
    tenant: tuple[FakeAutotask, httpx.Client, dict[int, Row]],
) -> None:
    _, client, by_id = tenant
    first = min(by_id)
    body = {"filter": [{"op": "eq", "field": "id", "value": first}],
            "IncludeFields": ["id", "Dispatch Method"]}
    items = client.post("Tickets/query", json=body).json()["items"]
    assert items == [{"id": first, "userDefinedFields": [
        {"name": "Dispatch Method", "value": by_id[first]["udf"]}]}]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "filter"),
        ({"filter": []}, "filter"),
        ({"filter": [{"op": "eq", "field": "creatorType", "value": 1}]}, "not queryable"),
        ({"filter": [{"op": "eq", "field": "nope", "value": 1}]}, "nope"),
        ({"filter": [{"op": "contains", "field": "priority", "value": "1"}]}, "string"),
        ({"filter": [{"op": "in", "field": "priority", "value": 1}]}, "array"),
        ({"filter": [{"op": "eq", "field": "title"}]}, "value"),
        ({"filter": [{"op": "or", "items": []}]}, "items"),
        ({"filter": [
            {"op": "eq", "field": "Dispatch Method", "value": "In-House", "udf": True},
            {"op": "exist", "field": "FN Work Order ID", "udf": True}]}, "one user-defined"),
        ({"filter": ALL["filter"], "MaxRecords": 0}, "MaxRecords"),
        ({"filter": ALL["filter"], "MaxRecords": 501}, "MaxRecords"),
        ({"filter": ALL["filter"], "IncludeFields": ["nope"]}, "nope"),
        ({"filter": [{"op": "or", "items": [
            {"op": "eq", "field": "id", "value": i} for i in range(501)]}]}, "500"),
    ],
)
@pytest.mark.contract("AT-QUERY-OR-LIMIT", "AT-QUERY-UDF-ONE", "AT-PAGING-SIZE",
                      "AT-QUERY-FILTER-REQUIRED")
def test_bad_queries_are_rejected(body: dict[str, Any], fragment: str) -> None:
    _, client = connect()
    response = client.post("Tickets/query", json=body)
    assert response.status_code == 500
    assert fragment.lower() in " ".join(errors(response)).lower()


def test_attachment_data_and_size_are_not_queryable() -> None:
    _, client = connect()
    for field in ("data", "fileSize"):
        response = client.post("TicketAttachments/query",
                               json={"filter": [{"op": "exist", "field": field}]})
        assert response.status_code == 500


def test_get_query_with_search_parameter_equals_post(
    tenant: tuple[FakeAutotask, httpx.Client, dict[int, Row]],
) -> None:
    _, client, _ = tenant
    body = {"filter": [{"op": "beginsWith", "field": "title", "value": "printer"}]}
    via_get = client.get("Tickets/query", params={"search": json.dumps(body)}).json()
    assert via_get == client.post("Tickets/query", json=body).json()
    assert via_get["pageDetails"]["count"] == 2


def test_count(tenant: tuple[FakeAutotask, httpx.Client, dict[int, Row]]) -> None:
    _, client, by_id = tenant
    body = {"filter": [{"op": "lte", "field": "priority", "value": 2}]}
    expected = sum(1 for r in by_id.values() if r["priority"] <= 2)
    assert client.post("Tickets/query/count", json=body).json() == {"queryCount": expected}
    got = client.get("Tickets/query/count", params={"search": json.dumps(body)}).json()
    assert got == {"queryCount": expected}


# -- paging ---------------------------------------------------------------------------
def _seed_contacts(fake: FakeAutotask, n: int) -> set[int]:
    return {fake.insert("Contacts", {"companyID": fake.seed.company_id, "firstName": f"C{i}",
                                     "lastName": "Bulk", "isActive": 1}) for i in range(n)}


@pytest.mark.parametrize("n", [0, 1, 500, 501, 1200])
def test_paging_follows_next_page_urls_to_every_row(n: int) -> None:
    fake, client = connect()
    expected = _seed_contacts(fake, n)
    body = {"filter": [{"op": "eq", "field": "lastName", "value": "Bulk"}]}
    page = client.post("Contacts/query", json=body).json()
    seen: list[int] = []
    pages = 0
    while True:
        pages += 1
        details = page["pageDetails"]
        assert details["count"] == len(page["items"]) <= 500
        assert details["requestCount"] == 500
        seen += [item["id"] for item in page["items"]]
        if details["nextPageUrl"] is None:
            break
        assert details["nextPageUrl"].startswith(fake.base_url + "V1.0/Contacts/query/next?")
        page = client.post(details["nextPageUrl"], json=body).json()
    assert len(seen) == len(set(seen))
    assert set(seen) == expected
    assert pages == max(1, -(-n // 500))


def test_previous_page_url_walks_back() -> None:
    fake, client = connect()
    _seed_contacts(fake, 700)
    body = {"filter": [{"op": "eq", "field": "lastName", "value": "Bulk"}]}
    first = client.post("Contacts/query", json=body).json()
    assert first["pageDetails"]["prevPageUrl"] is None
    second = client.post(first["pageDetails"]["nextPageUrl"], json=body).json()
    assert second["pageDetails"]["count"] == 200
    back = client.post(second["pageDetails"]["prevPageUrl"], json=body).json()
    assert back["items"] == first["items"]


def test_next_page_url_needs_the_same_auth() -> None:
    fake, client = connect()
    _seed_contacts(fake, 501)
    body = {"filter": [{"op": "eq", "field": "lastName", "value": "Bulk"}]}
    next_url = client.post("Contacts/query", json=body).json()["pageDetails"]["nextPageUrl"]
    anonymous = httpx.Client(transport=httpx.WSGITransport(app=fake))
    assert anonymous.post(next_url, json=body).status_code in (401, 500)  # refused login


def test_max_records_caps_the_total() -> None:
    fake, client = connect()
    _seed_contacts(fake, 30)
    body = {"filter": [{"op": "eq", "field": "lastName", "value": "Bulk"}], "MaxRecords": 7}
    page = client.post("Contacts/query", json=body).json()
    assert len(page["items"]) == 7
    assert page["pageDetails"]["requestCount"] == 7
    assert page["pageDetails"]["nextPageUrl"] is None


@pytest.mark.contract("AT-QUERY-INCLUDE-ID")
def test_large_results_with_include_fields_must_include_id() -> None:
    fake, client = connect()
    _seed_contacts(fake, 501)
    body = {"filter": [{"op": "eq", "field": "lastName", "value": "Bulk"}],
            "IncludeFields": ["firstName"]}
    assert client.post("Contacts/query", json=body).status_code == 500
    body["IncludeFields"] = ["id", "firstName"]
    assert client.post("Contacts/query", json=body).status_code == 200


@pytest.mark.contract("AT-QUERY-IGNORED-OPERATOR")
def test_a_condition_with_an_unknown_operator_is_dropped_without_a_word() -> None:
    fake, client = connect()
    _seed_contacts(fake, 3)
    body = {"filter": [{"op": "eq", "field": "lastName", "value": "Bulk"},
                       {"op": "ne", "field": "firstName", "value": "C1"}]}
    page = client.post("Contacts/query", json=body).json()
    assert sorted(i["firstName"] for i in page["items"]) == ["C0", "C1", "C2"]


@pytest.mark.contract("AT-QUERY-UNKNOWN-FIELD")
def test_a_condition_on_an_unknown_field_answers_500_naming_it() -> None:
    _, client = connect()
    response = client.post("Tickets/query", json={
        "filter": [{"op": "eq", "field": "siteCode", "value": 1}]})
    assert response.status_code == 500
    assert errors(response) == ["Unable to find siteCode in the Ticket Entity."]
