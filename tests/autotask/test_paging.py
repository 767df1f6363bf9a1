"""Query paging: POSTed next pages, relative links, and the ``id gt`` fallback, over the fake."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from autotask_fn.autotask import AutotaskClient
from autotask_fn.autotask.errors import AutotaskPagingError
from autotask_fn.autotask.paging import resolve_page_url
from autotask_fn.autotask.query import eq
from autotask_fn.testing import FakeAutotask

Rewrite = Callable[[str], str]


class LinkRewriter(httpx.BaseTransport):
    """The fake behind a transport that rewrites every ``nextPageUrl`` it answers with."""

    def __init__(self, fake: FakeAutotask, rewrite: Rewrite) -> None:
        self.inner = httpx.WSGITransport(app=fake)
        self.rewrite = rewrite
        self.hosts: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(request.url.host)
        if request.url.host != "fake-autotask.test":
            return httpx.Response(200, json={"items": [], "pageDetails": {}})
        response = self.inner.handle_request(request)
        response.read()
        try:
            body = json.loads(response.content)
        except ValueError:
            return response
        details = body.get("pageDetails") if isinstance(body, dict) else None
        if not isinstance(details, dict) or not details.get("nextPageUrl"):
            return response
        details["nextPageUrl"] = self.rewrite(details["nextPageUrl"])
        return httpx.Response(response.status_code, json=body)


def contacts(fake: FakeAutotask, n: int) -> set[int]:
    return {fake.insert("Contacts", {"companyID": fake.seed.company_id, "firstName": f"C{i}",
                                     "lastName": "Bulk", "isActive": 1}) for i in range(n)}


def client_over(fake: FakeAutotask, rewrite: Rewrite) -> tuple[AutotaskClient, LinkRewriter]:
    transport = LinkRewriter(fake, rewrite)
    return fake.client(transport=transport, base_url=fake.base_url), transport


BULK = eq("lastName", "Bulk")


@pytest.mark.contract("AT-PAGING-POST")
def test_the_fake_refuses_a_get_on_a_post_querys_next_page() -> None:
    fake = FakeAutotask()
    contacts(fake, 501)
    http = httpx.Client(transport=httpx.WSGITransport(app=fake), headers={
        "ApiIntegrationCode": fake.INTEGRATION_CODE, "UserName": fake.USERNAME,
        "Secret": fake.SECRET})
    body = {"filter": [{"op": "eq", "field": "lastName", "value": "Bulk"}]}
    first = http.post(fake.base_url + "V1.0/Contacts/query", json=body).json()
    next_url = first["pageDetails"]["nextPageUrl"]
    assert next_url.startswith(fake.base_url + "V1.0/Contacts/query/next?paging=")
    refused = http.get(next_url)
    assert refused.status_code == 405
    assert refused.json() == {
        "Message": "The requested resource does not support http method 'GET'."}
    assert http.post(next_url).status_code >= 400  # the body is required
    other = {"filter": [{"op": "eq", "field": "firstName", "value": "C1"}]}
    assert http.post(next_url, json=other).status_code >= 400
    second = http.post(next_url, json=body).json()
    assert len(first["items"]) + len(second["items"]) == 501


@pytest.mark.contract("AT-PAGING-GET")
def test_a_get_query_is_paged_with_get() -> None:
    fake = FakeAutotask()
    expected = contacts(fake, 1200)
    at = fake.client()
    got = [r["id"] for r in at.query("Contacts", BULK, method="GET")]
    assert sorted(got) == sorted(expected)
    assert fake.count_requests("GET", path="Contacts/query$") == 3
    assert fake.count_requests("POST", path="Contacts/query") == 0


@pytest.mark.parametrize("form", ["/ATServicesRest/V1.0/", "V1.0/", ""])
def test_a_relative_next_page_url_is_resolved_against_the_zone_base(form: str) -> None:
    fake = FakeAutotask()
    expected = contacts(fake, 1200)
    at, _ = client_over(fake, lambda url: form + url.split("/V1.0/", 1)[1])
    assert sorted(r["id"] for r in at.query("Contacts", BULK)) == sorted(expected)
    assert fake.count_requests("POST", path="Contacts/query/next$") == 2


def test_resolving_page_urls() -> None:
    base = "https://ws.example/ATServicesRest/"
    assert resolve_page_url(base, "https://ws.example/x") == "https://ws.example/x"
    assert resolve_page_url(base, "/ATServicesRest/V1.0/T/query/next?p=1") == \
        "https://ws.example/ATServicesRest/V1.0/T/query/next?p=1"
    assert resolve_page_url(base, "v1.0/T/query/next") == base + "v1.0/T/query/next"
    assert resolve_page_url(base, "T/query/next") == base + "V1.0/T/query/next"


@pytest.mark.contract("AT-PAGING-ID-GT")
def test_a_link_to_another_host_is_not_followed_and_the_query_continues_by_id() -> None:
    fake = FakeAutotask()
    expected = contacts(fake, 1200)
    at, transport = client_over(fake, lambda url: "https://elsewhere.test/next?p=1")
    assert sorted(r["id"] for r in at.query("Contacts", BULK)) == sorted(expected)
    assert "elsewhere.test" not in transport.hosts  # the credentials never went there
    bodies = [json.loads(r.body) for r in fake.requests if r.path.endswith("/query")]
    assert [b["filter"][-1] for b in bodies[1:]] == [
        {"op": "gt", "field": "id", "value": max(sorted(expected)[:500])},
        {"op": "gt", "field": "id", "value": max(sorted(expected)[:1000])},
    ]
    assert fake.count_requests("POST", path="Contacts/query/count$") == 1  # total checked


def test_a_refused_next_page_falls_back_to_id_gt_and_is_remembered() -> None:
    fake = FakeAutotask()
    expected = contacts(fake, 700)
    at = fake.client()
    fake.fail_next("query/next", status=405, body={
        "Message": "The requested resource does not support http method 'POST'."})
    assert sorted(r["id"] for r in at.query("Contacts", BULK)) == sorted(expected)
    fake.reset_requests()
    assert sorted(r["id"] for r in at.query("Contacts", BULK)) == sorted(expected)
    assert fake.count_requests(path="query/next") == 0  # this tenant pages by id now


def test_when_neither_paging_nor_id_gt_works_the_query_raises() -> None:
    fake = FakeAutotask()
    contacts(fake, 700)
    at = fake.client(max_retries=0)
    fake.fail_next("query/next", status=404, body={"errors": ["not found"]})
    rows = at.query("Contacts", BULK)
    first = [next(rows) for _ in range(500)]
    fake.fail_next("Contacts/query$", status=400, body={"errors": ["refused"]})
    with pytest.raises(AutotaskPagingError, match="id gt"):
        next(rows)
    assert len(first) == 500


def test_a_gap_left_by_id_gt_is_detected_with_the_count(make_client: Any) -> None:
    # Page 1 is not in id order: ids 7 and 3; continuing with "id gt 7" finds nothing more,
    # but query/count says there are 3 records: the query raises instead of ending short.
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/count"):
            return httpx.Response(200, json={"queryCount": 3})
        body = json.loads(request.content)
        if body["filter"][-1].get("op") == "gt":
            return httpx.Response(200, json={"items": [], "pageDetails": {"count": 0}})
        return httpx.Response(200, json={"items": [{"id": 7}, {"id": 3}], "pageDetails": {
            "count": 2, "nextPageUrl": "https://elsewhere.test/next"}})

    client, _ = make_client(handler)
    with pytest.raises(AutotaskPagingError, match="2 of 3"):
        list(client.query("Tickets"))


def test_an_outage_on_a_next_page_keeps_its_own_type() -> None:
    from autotask_fn.autotask.errors import AutotaskServerError

    fake = FakeAutotask()
    contacts(fake, 700)
    at = fake.client(max_retries=0)
    fake.fail_next("query/next", status=503, body={"errors": ["Service Unavailable"]})
    with pytest.raises(AutotaskServerError):
        list(at.query("Contacts", BULK))
    assert fake.count_requests("POST", path="Contacts/query$") == 1  # no id gt retry
