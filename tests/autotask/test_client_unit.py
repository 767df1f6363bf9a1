"""URL rules, request bodies, paging guards and bookkeeping, pinned over a MockTransport."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from autotask_fn.autotask import (
    AutotaskPagingError,
    AutotaskQueryError,
    AutotaskUnsupportedOperation,
    LocalLimiter,
)
from autotask_fn.autotask.query import eq, in_

from .conftest import BASE, reply

API = BASE + "V1.0/"


def ok_item(request: httpx.Request) -> httpx.Response:
    return reply({"itemId": 77})


def sent(mock) -> list[tuple[str, str, object]]:
    return [(r.method, str(r.url).removeprefix(API), json.loads(r.content) if r.content else None)
            for r in mock.requests]


@pytest.mark.parametrize(
    ("entity", "fields", "path"),
    [
        ("Tickets", {"title": "t"}, "Tickets"),
        ("TicketNotes", {"ticketID": 5, "title": "n"}, "Tickets/5/Notes"),
        ("TicketCharges", {"ticketID": 5}, "Tickets/5/Charges"),
        ("TicketAttachments", {"parentID": 5, "title": "a"}, "Tickets/5/Attachments"),
        ("ExpenseItems", {"expenseReportID": 8}, "Expenses/8/Items"),
        ("CompanyLocations", {"companyID": 3}, "Companies/3/Locations"),
        ("Contacts", {"companyID": 3}, "Companies/3/Contacts"),
        ("Tasks", {"projectID": 4}, "Projects/4/Tasks"),
        ("ServiceCallTickets", {"serviceCallID": 6, "ticketID": 1}, "ServiceCalls/6/Tickets"),
        ("TimeEntries", {"ticketID": 5}, "TimeEntries"),
    ],
)
def test_create_posts_to_the_entity_or_its_parent(make_client, entity, fields, path) -> None:
    client, mock = make_client(ok_item)
    assert client.create(entity, fields) == 77
    assert sent(mock) == [("POST", path, fields)]


def test_explicit_parent_id_wins(make_client) -> None:
    client, mock = make_client(ok_item)
    client.create("TicketNotes", {"title": "n"}, parent_id=9)
    assert sent(mock)[0][1] == "Tickets/9/Notes"


def test_child_without_parent_is_refused_before_any_request(make_client) -> None:
    client, mock = make_client(ok_item)
    with pytest.raises(AutotaskUnsupportedOperation, match="ticketID"):
        client.create("TicketNotes", {"title": "n"})
    assert mock.requests == []


def test_update_patches_only_the_given_fields_and_replace_puts(make_client) -> None:
    client, mock = make_client(ok_item)
    client.update("Tickets", {"id": 1, "status": 5})
    client.update("TicketCharges", {"id": 2, "ticketID": 5, "unitPrice": 9.5})
    client.replace("TimeEntries", {"id": 3, "hoursWorked": 1})
    assert sent(mock) == [
        ("PATCH", "Tickets", {"id": 1, "status": 5}),
        ("PATCH", "Tickets/5/Charges", {"id": 2, "ticketID": 5, "unitPrice": 9.5}),
        ("PUT", "TimeEntries", {"id": 3, "hoursWorked": 1}),
    ]


def test_update_needs_the_id(make_client) -> None:
    client, mock = make_client(ok_item)
    with pytest.raises(ValueError, match="id"):
        client.update("Tickets", {"status": 5})
    assert mock.requests == []


@pytest.mark.parametrize(("entity", "verb"), [
    ("Tickets", "delete"), ("TicketNotes", "delete"), ("ExpenseItems", "delete"),
    ("Resources", "create"), ("TicketAttachments", "update")])
def test_operations_autotask_lacks_are_refused_before_any_request(make_client, entity, verb):
    client, mock = make_client(ok_item)
    call = {"delete": lambda: client.delete(entity, 1, parent_id=1),
            "create": lambda: client.create(entity, {"x": 1}, parent_id=1),
            "update": lambda: client.update(entity, {"id": 1}, parent_id=1)}[verb]
    with pytest.raises(AutotaskUnsupportedOperation):
        call()
    assert mock.requests == []


def test_delete_uses_the_entity_or_parent_url(make_client) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return reply({"item": {"id": 4, "ticketID": 12}})
        return reply({"itemId": 4})

    client, mock = make_client(handler)
    client.delete("TimeEntries", 9)
    client.delete("TicketCharges", 4, parent_id=12)
    client.delete("TicketCharges", 4)  # parent looked up first
    assert [(m, p) for m, p, _ in sent(mock)] == [
        ("DELETE", "TimeEntries/9"), ("DELETE", "Tickets/12/Charges/4"),
        ("GET", "TicketCharges/4"), ("DELETE", "Tickets/12/Charges/4")]


def page(items, next_url=None):
    return reply({"items": items, "pageDetails": {"count": len(items), "requestCount": 500,
                                                  "prevPageUrl": None, "nextPageUrl": next_url}})


def test_query_body_adds_id_to_include_fields_and_caps_records(make_client) -> None:
    client, mock = make_client(lambda r: page([{"id": 1, "title": "a"}]))
    rows = list(client.query("Tickets", eq("status", 1), include_fields=["title"], max_records=10))
    assert rows == [{"id": 1, "title": "a"}]
    assert sent(mock) == [("POST", "Tickets/query", {
        "filter": [{"op": "eq", "field": "status", "value": 1}],
        "IncludeFields": ["id", "title"], "MaxRecords": 10})]


def test_query_is_lazy_and_posts_the_same_body_to_next_page_urls(make_client) -> None:
    pages = {"p2": page([{"id": 2}], API + "Tickets/query/next?p=3"),
             "p3": page([{"id": 3}])}

    def handler(request: httpx.Request) -> httpx.Response:
        if "p" not in request.url.params:
            return page([{"id": 1}], API + "Tickets/query/next?p=2")
        return pages["p" + request.url.params["p"]]

    client, mock = make_client(handler)
    rows = client.query("Tickets")
    assert mock.requests == []
    assert next(rows) == {"id": 1}
    assert len(mock.requests) == 1
    assert [r["id"] for r in rows] == [2, 3]
    assert [r.method for r in mock.requests] == ["POST", "POST", "POST"]
    assert mock.bodies()[1] == mock.bodies()[2] == mock.bodies()[0]


def test_a_repeated_next_page_url_is_a_paging_error(make_client) -> None:
    loop = API + "Tickets/query/next?p=2"
    client, mock = make_client(lambda r: page([{"id": 1}], loop))
    with pytest.raises(AutotaskPagingError, match="twice"):
        list(client.query("Tickets"))
    # page 1, page 2 (the same again), then "id gt 1", which makes no progress either
    assert len(mock.requests) == 3


def test_next_page_on_another_host_is_refused_without_sending_credentials(make_client):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/count"):
            return reply({"queryCount": 1})
        return page([{"id": 1}], "https://evil.test/next")

    client, mock = make_client(handler)
    with pytest.raises(AutotaskPagingError, match="another host"):
        list(client.query("Tickets"))
    assert all(r.url.host != "evil.test" for r in mock.requests)


def test_two_udf_conditions_are_refused_before_sending(make_client) -> None:
    client, mock = make_client(lambda r: page([]))
    with pytest.raises(AutotaskQueryError):
        client.query("Tickets", [eq("A", "1", udf=True), eq("B", "2", udf=True)])
    with pytest.raises(AutotaskQueryError):
        client.count("Tickets", eq("A", "1", udf=True) | eq("B", "2", udf=True))
    assert mock.requests == []


def test_long_in_lists_become_several_queries_with_unique_results(make_client) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        values = json.loads(request.content)["filter"][0]["value"]
        # Answer each chunk with its ids plus a duplicate of id 0.
        return page([{"id": 0}, *({"id": v} for v in values if v != 0)])

    client, mock = make_client(handler)
    ids = [r["id"] for r in client.query("Tickets", in_("id", range(1100)))]
    assert sorted(ids) == list(range(1100))
    assert len(ids) == len(set(ids))
    assert [len(json.loads(r.content)["filter"][0]["value"]) for r in mock.requests] == [
        500, 500, 100]


def test_count_sums_the_chunks(make_client) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return reply({"queryCount": len(json.loads(request.content)["filter"][0]["value"])})

    client, mock = make_client(handler)
    assert client.count("Tickets", in_("id", range(1001))) == 1001
    assert len(mock.requests) == 3
    assert str(mock.requests[0].url) == API + "Tickets/query/count"


def test_headers_carry_credentials_and_impersonation(make_client) -> None:
    client, mock = make_client(lambda r: reply({"item": None}), impersonation_resource_id=29)
    client.get("Tickets", 1)
    headers = mock.requests[0].headers
    assert headers["ImpersonationResourceId"] == "29"
    assert headers["UserName"]
    assert headers["Secret"]
    assert headers["ApiIntegrationCode"]
    assert headers["Content-Type"] == "application/json"


def test_stats_count_requests_by_method_and_entity(make_client) -> None:
    client, _ = make_client(lambda r: reply({"itemId": 1, "item": None}))
    client.get("Tickets", 1)
    client.create("TicketNotes", {"ticketID": 1})
    client.create("TicketNotes", {"ticketID": 1})
    assert client.stats.total == 3
    assert client.stats.by_method == {"GET": 1, "POST": 2}
    assert client.stats.by_entity == {"Tickets": 1, "TicketNotes": 2}
    client.stats.reset()
    assert client.stats.total == 0
    assert client.stats.by_entity == {}


def test_threshold_is_read_every_n_requests_and_slows_the_client(make_client, sleeps) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("ThresholdInformation"):
            return reply({"externalRequestThreshold": 10000, "requestThresholdTimeframe": 60,
                          "currentTimeframeRequestCount": 9500})
        return reply({"item": None})

    limiter = LocalLimiter(threshold_every=3, max_pause=2.0)
    client, _mock = make_client(handler, limiter=limiter)
    for _ in range(3):
        client.get("Tickets", 1)
    assert client.stats.by_entity.get("ThresholdInformation") == 1
    assert sleeps == []
    client.get("Tickets", 1)
    assert sleeps == [pytest.approx(1.5)]


def test_attachment_uploads_wait_for_the_byte_budget(make_client, sleeps) -> None:
    class Budget(LocalLimiter):
        answers = [42.0, 0.0]
        asked: list[int] = []

        def attachment_budget(self, nbytes: int) -> float:
            self.asked.append(nbytes)
            return self.answers.pop(0)

    client, _ = make_client(ok_item, limiter=Budget())
    data = base64.b64encode(b"x" * 1000).decode()
    client.create("TicketAttachments", {"parentID": 1, "data": data})
    assert Budget.asked == [1000, 1000]
    assert sleeps == [42.0]


@pytest.mark.parametrize(
    ("call", "body"),
    [
        (lambda c: c.create("Tickets", {"title": "t"}), {"itemId": "abc"}),
        (lambda c: c.create("Tickets", {"title": "t"}), {"itemId": {}}),
        (lambda c: c.update("Tickets", {"id": 1, "title": "t"}), {"itemId": [1]}),
        (lambda c: c.count("Tickets"), {"queryCount": "many"}),
        (lambda c: c.count("Tickets"), [1]),
        (lambda c: c.count("Tickets"), None),
        (lambda c: list(c.query("Tickets")), {"items": [1], "pageDetails": {}}),
        (lambda c: list(c.query("Tickets")), {"items": {"a": 1}, "pageDetails": {}}),
        (lambda c: list(c.query("Tickets")), {"items": [], "pageDetails": "x"}),
        (lambda c: list(c.query("Tickets")), [{"id": 1}]),
        (lambda c: c.threshold(), {"externalRequestThreshold": "lots"}),
        (lambda c: c.threshold(), [1]),
        (lambda c: c.fields("Tickets"), {"fields": [1]}),
        (lambda c: c.fields("Tickets"), {"fields": "x"}),
        (lambda c: c.udfs("Tickets"), [1]),
        (lambda c: c.entity_information("Tickets"), {"info": "x"}),
        (lambda c: c.entity_information("Tickets"), [1]),
    ],
)
def test_a_malformed_answer_is_a_typed_error(make_client, call, body) -> None:
    """A body of the wrong shape raises AutotaskError, never TypeError/ValueError/KeyError."""
    from autotask_fn.autotask import AutotaskError
    from autotask_fn.autotask.client import clear_metadata_cache

    clear_metadata_cache()
    client, _ = make_client(lambda request: reply(body))
    with pytest.raises(AutotaskError) as info:
        call(client)
    assert type(info.value) is AutotaskError
    assert "unexpected shape" in str(info.value) or "itemId" in str(info.value)
    clear_metadata_cache()
