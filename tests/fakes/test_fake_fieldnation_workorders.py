"""FakeFieldNation: work order CRUD, lists, sections and the status machine over REST."""

from __future__ import annotations

import httpx
import pytest

from autotask_fn.testing import FakeFieldNation

W = f"{FakeFieldNation.REST_PREFIX}/workorders"
WINDOW = {"mode": "between", "start": {"utc": "2026-02-01 13:00:00"},
          "end": {"utc": "2026-02-01 17:00:00"}}
READY = {"types_of_work": [{"id": 11, "isPrimary": True}],
         "schedule": {"service_window": WINDOW},
         "pay": {"type": "fixed", "base": {"amount": 120, "units": 1}}}


@pytest.fixture
def fake() -> FakeFieldNation:
    return FakeFieldNation()


@pytest.fixture
def api(fake: FakeFieldNation) -> httpx.Client:
    return fake.http_client()


def _create(api: httpx.Client, **fields: object) -> dict:
    response = api.post(W, json={"title": "Replace switch", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def _status(api: httpx.Client, wo_id: int) -> int:
    return api.get(f"{W}/{wo_id}", params={"columns": "status"}).json()["status"]["id"]


def test_create_needs_only_a_title_and_starts_as_draft(api: httpx.Client) -> None:
    wo = _create(api)
    assert isinstance(wo["id"], int)
    assert wo["status"]["id"] == 1
    assert wo["status"]["name"] == "Draft"
    assert [f["name"] for f in wo["attachments"]["results"]] == ["Documents", "Misc"]
    assert [f["type"] for f in wo["attachments"]["results"]] == ["document", "slot"]
    assert api.post(W, json={"description": {"html": "x"}}).status_code == 400


def test_error_bodies_use_the_legacy_shape(api: httpx.Client) -> None:
    response = api.get(f"{W}/999999")
    assert response.status_code == 404
    assert set(response.json()) == {"status", "message"}
    assert response.json()["status"] == 404


def test_columns_limit_the_sections(api: httpx.Client) -> None:
    wo = _create(api, incident_id="T20260101.0001")
    got = api.get(f"{W}/{wo['id']}", params={"columns": "title,incident_id"}).json()
    assert got == {"id": wo["id"], "title": "Replace switch", "incident_id": "T20260101.0001"}
    assert api.get(f"{W}/{wo['id']}", params={"columns": "nope"}).status_code == 400


def test_put_changes_only_the_fields_sent(api: httpx.Client) -> None:
    wo = _create(api, description={"html": "<p>old</p>"}, incident_id="T1", **READY)
    updated = api.put(f"{W}/{wo['id']}", json={"title": "New title"}).json()
    assert updated["title"] == "New title"
    assert updated["description"] == {"html": "<p>old</p>"}
    assert updated["incident_id"] == "T1"
    assert updated["schedule"]["service_window"] == WINDOW
    assert updated["pay"] == wo["pay"]


@pytest.mark.parametrize("start", ["2026-02-01 13:00:00", {"utc": "2026-02-01T13:00:00Z"},
                                   {"utc": "2026-02-01"}])
def test_dates_must_be_utc_objects_in_the_exact_form(api: httpx.Client, start: object) -> None:
    wo = _create(api)
    response = api.put(f"{W}/{wo['id']}",
                       json={"schedule": {"service_window": {"mode": "exact", "start": start}}})
    assert response.status_code == 400
    assert "YYYY-MM-DD HH:mm:ss" in response.json()["message"]


def test_other_fields_are_validated(api: httpx.Client, fake: FakeFieldNation) -> None:
    wo = _create(api)
    bad = [{"types_of_work": [{"id": 999}]}, {"pay": {"type": "barter"}},
           {"manager": {"id": fake.seed.provider_id}}, {"custom_fields": [{"id": 1, "value": "x"}]},
           {"description": "plain text"}]
    for body in bad:
        assert api.put(f"{W}/{wo['id']}", json=body).status_code == 400, body
    ok = api.put(f"{W}/{wo['id']}", json={"manager": {"id": fake.seed.manager_id},
                                          "types_of_work": [{"id": 12, "is_primary": True}]})
    assert ok.json()["manager"]["id"] == fake.seed.manager_id
    assert ok.json()["type_of_work"] == {"id": 12, "name": "Point of Sale", "industry": None}


def test_list_pages_and_filters(api: httpx.Client) -> None:
    ids = [_create(api, title=f"wo {i}", **READY)["id"] for i in range(5)]
    api.post(f"{W}/{ids[1]}/publish")
    page = api.get(W, params={"per_page": 2, "page": 2}).json()
    assert page["metadata"] == {"total": 5, "per_page": 2, "pages": 3, "page": 2}
    assert [w["id"] for w in page["results"]] == ids[2:4]
    published = api.get(W, params={"f_status": "2"}).json()
    assert [w["id"] for w in published["results"]] == [ids[1]]
    desc = api.get(W, params={"sort_by": "id", "sort_direction": "desc"}).json()
    assert [w["id"] for w in desc["results"]] == ids[::-1]
    assert api.get(W).json()["metadata"]["per_page"] == 25
    assert api.get(W, params={"per_page": 500}).json()["metadata"]["per_page"] == 100
    assert api.get(W, params={"f_colour": "red"}).status_code == 400


def test_full_lifecycle_over_rest(api: httpx.Client, fake: FakeFieldNation) -> None:
    wo = _create(api, **READY)["id"]
    assert api.post(f"{W}/{wo}/publish").json()["status"]["id"] == 2
    assert api.delete(f"{W}/{wo}/publish").json()["status"]["id"] == 1
    routed = api.post(f"{W}/{wo}/route", json={"technician": {"id": fake.seed.provider_id}})
    assert routed.json()["status"]["id"] == 9
    assigned = api.post(f"{W}/{wo}/assignee", json={"user": {"id": fake.seed.provider_id}})
    assert assigned.json()["status"]["id"] == 3
    assert assigned.json()["assignee"]["user"]["id"] == fake.seed.provider_id
    assert "email" not in assigned.json()["assignee"]["user"]
    tech = fake.http_client("tech")
    assert tech.put(f"{W}/{wo}/job-status", json={"status": "complete"}).json()["status"]["id"] == 4
    assert api.delete(f"{W}/{wo}/complete", params={"reason": "missing photos"}).status_code == 200
    assert _status(api, wo) == 3
    fake.complete_work(wo)
    assert api.post(f"{W}/{wo}/approve").json()["status"]["id"] == 5
    fake.mark_paid(wo)
    assert _status(api, wo) == 6


@pytest.mark.parametrize(("setup", "action"), [
    ("draft", "approve"), ("assigned", "publish"), ("draft", "assignee"),
    ("published", "approve"), ("approved", "cancel"),
])
def test_illegal_transitions_are_refused(api: httpx.Client, fake: FakeFieldNation, setup: str,
                                         action: str) -> None:
    wo = fake.create_work_order()
    if setup != "draft":
        fake.publish(wo)
    if setup in {"assigned", "approved"}:
        fake.assign(wo)
    if setup == "approved":
        fake.complete_work(wo)
        fake.approve(wo)
    before = _status(api, wo)
    if action == "cancel":
        response = api.delete(f"{W}/{wo}", params={"cancel_reason": "x"})
    else:
        response = api.post(f"{W}/{wo}/{action}", json={"user": {"id": fake.seed.provider_id}})
    assert response.status_code == 400
    assert response.json()["status"] == 400
    assert _status(api, wo) == before


def test_publishing_needs_type_of_work_schedule_and_pay(api: httpx.Client) -> None:
    wo = _create(api)["id"]
    response = api.post(f"{W}/{wo}/publish")
    assert response.status_code == 400
    assert "types_of_work" in response.json()["message"]


def test_cancel_requires_a_reason(api: httpx.Client) -> None:
    wo = _create(api)["id"]
    assert api.delete(f"{W}/{wo}").status_code == 400
    cancelled = api.delete(f"{W}/{wo}", params={"cancel_reason": "customer cancelled"})
    assert cancelled.json()["status"]["id"] == 7
    assert api.put(f"{W}/{wo}", json={"title": "again"}).status_code == 400


def test_schedule_and_location_endpoints(api: httpx.Client) -> None:
    wo = _create(api)["id"]
    put = api.put(f"{W}/{wo}/schedule", json={"service_window": WINDOW})
    assert put.status_code == 200
    assert api.get(f"{W}/{wo}/schedule").json()["service_window"] == WINDOW
    api.put(f"{W}/{wo}/location", json={"mode": "custom", "city": "Springfield"})
    assert api.get(f"{W}/{wo}/location").json()["city"] == "Springfield"


def test_custom_fields_on_a_work_order(api: httpx.Client, fake: FakeFieldNation) -> None:
    wo = _create(api)["id"]
    cf = fake.seed.custom_fields["Autotask Ticket Number"]
    assert api.put(f"{W}/{wo}/custom_fields/{cf}", json={"value": "T42"}).json()["value"] == "T42"
    assert api.get(f"{W}/{wo}/custom_fields/{cf}").json()["value"] == "T42"
    sections = api.get(f"{W}/{wo}/custom_fields").json()["results"]
    assert {c["id"]: c["value"] for s in sections for c in s["results"]}[cf] == "T42"
    assert api.put(f"{W}/{wo}/custom_fields/{cf}", json={"value": 42}).status_code == 400
    assert api.get(f"{W}/{wo}/custom_fields/1").status_code == 404


def test_contacts(api: httpx.Client) -> None:
    wo = _create(api)["id"]
    made = api.post(f"{W}/{wo}/contacts", json={"name": "Site Lead", "phone": "555-0100"})
    assert made.status_code == 201
    listed = api.get(f"{W}/{wo}/contacts").json()
    assert [c["name"] for c in listed["results"]] == ["Site Lead"]
    assert api.post(f"{W}/{wo}/contacts", json={"phone": "1"}).status_code == 400


def test_company_lookups(api: httpx.Client, fake: FakeFieldNation) -> None:
    rest = FakeFieldNation.REST_PREFIX
    types = api.get(f"{rest}/types-of-work").json()["results"]
    assert {t["name"]: t["id"] for t in types} == fake.seed.types_of_work
    cats = api.get(f"{rest}/company/{fake.seed.company_id}/expenses").json()["results"]
    assert {c["label"]: c["id"] for c in cats} == fake.seed.expense_categories
    fields = api.get(f"{rest}/custom-fields").json()["results"]
    assert {f["name"]: f["id"] for f in fields} == fake.seed.custom_fields
    assert api.get(f"{rest}/templates").json()["results"][0]["id"] == fake.seed.template_id
    assert api.get(f"{rest}/projects").json()["results"][0]["id"] == fake.seed.project_id
    assert api.get(f"{rest}/company/1/expenses").status_code == 404


def test_unknown_route_and_wrong_method(api: httpx.Client) -> None:
    assert api.get(f"{FakeFieldNation.REST_PREFIX}/nothing").status_code == 404
    assert api.patch(W).status_code == 405
