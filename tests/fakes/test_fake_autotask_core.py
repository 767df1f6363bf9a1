"""FakeAutotask: zone discovery, authentication, routing and the basic entity operations."""

from __future__ import annotations

import re

import httpx
import pytest

from autotask_fn.testing import FakeAutotask
from autotask_fn.testing.autotask import ROUTES

from .test_fake_autotask_support import (  # fixtures: client, fake
    ALL,
    assigned_ticket,
    auth_headers,
    client_fixture,  # noqa: F401
    create,
    errors,
    fake_fixture,  # noqa: F401
    ticket_fields,
)


# -- zone discovery ---------------------------------------------------------------------
def test_zone_information_points_at_the_fake_itself(fake: FakeAutotask) -> None:
    http = httpx.Client(transport=httpx.WSGITransport(app=fake))
    response = http.get(fake.zone_url + "v1.0/zoneInformation", params={"user": fake.USERNAME})
    assert response.status_code == 200
    zone = response.json()
    assert zone["url"] == fake.base_url
    assert zone["ci"] == fake.ci
    assert set(zone) == {"zoneName", "url", "webUrl", "ci"}


def test_zone_information_for_an_unknown_user_is_a_500(fake: FakeAutotask) -> None:
    http = httpx.Client(transport=httpx.WSGITransport(app=fake))
    response = http.get(fake.zone_url + "v1.0/zoneInformation", params={"user": "x@example.com"})
    assert response.status_code == 500
    assert errors(response) == ["Zone information could not be determined"]


# -- authentication ---------------------------------------------------------------------
@pytest.mark.contract("AT-AUTH-UNKNOWN-USER", "AT-AUTH-BAD-CODE", "AT-AUTH-BAD-SECRET")
@pytest.mark.parametrize(("missing", "status", "text"), [
    ("UserName", 500, r"(?i)user ?name"),
    ("ApiIntegrationCode", 500, r"IntegrationCode is invalid"),
    ("Secret", 401, r".+"),
])
def test_a_call_without_one_of_the_three_headers_is_refused(
    fake: FakeAutotask, missing: str, status: int, text: str
) -> None:
    headers = auth_headers(fake)
    del headers[missing]
    http = httpx.Client(transport=httpx.WSGITransport(app=fake), base_url=fake.base_url)
    response = http.get("V1.0/Companies/entityInformation", headers=headers)
    assert response.status_code == status
    assert re.search(text, " ".join(errors(response)))


@pytest.mark.contract("AT-AUTH-UNKNOWN-USER", "AT-AUTH-BAD-CODE", "AT-AUTH-BAD-SECRET")
@pytest.mark.parametrize(("header", "value", "status"), [
    ("UserName", "someone-else@example.com", 500),
    ("ApiIntegrationCode", "NOT-THE-CODE", 500),
    ("Secret", "not-the-secret", 401),
])
def test_only_a_wrong_secret_of_a_known_user_answers_401(
    fake: FakeAutotask, header: str, value: str, status: int
) -> None:
    http = httpx.Client(transport=httpx.WSGITransport(app=fake), base_url=fake.base_url)
    response = http.get("V1.0/ThresholdInformation",
                        headers={**auth_headers(fake), header: value})
    assert response.status_code == status
    assert value not in response.text


def test_a_wrong_secret_is_refused_without_echoing_it(fake: FakeAutotask) -> None:
    headers = {**auth_headers(fake), "Secret": "not-the-secret-9876"}
    http = httpx.Client(transport=httpx.WSGITransport(app=fake), base_url=fake.base_url)
    response = http.get(f"V1.0/Companies/{fake.seed.company_id}", headers=headers)
    assert response.status_code == 401
    assert "not-the-secret-9876" not in response.text
    assert "not-the-secret-9876" not in repr(fake.requests)


def test_header_names_are_case_insensitive(fake: FakeAutotask) -> None:
    headers = {"apiintegrationcode": fake.INTEGRATION_CODE, "USERNAME": fake.USERNAME,
               "secret": fake.SECRET}
    http = httpx.Client(transport=httpx.WSGITransport(app=fake), base_url=fake.base_url)
    response = http.get(f"V1.0/Companies/{fake.seed.company_id}", headers=headers)
    assert response.status_code == 200
    assert response.json()["item"]["id"] == fake.seed.company_id


def test_paths_match_case_insensitively(fake: FakeAutotask, client: httpx.Client) -> None:
    url = f"https://fake-autotask.test/atservicesrest/v1.0/companies/{fake.seed.company_id}"
    assert client.get(url).json()["item"]["companyName"] == "Contoso Retail"


# -- routing ----------------------------------------------------------------------------
def test_get_by_unknown_id_answers_item_null(client: httpx.Client) -> None:
    response = client.get("Tickets/123")
    assert response.status_code == 200
    assert response.json() == {"item": None}


def test_unknown_paths_are_404(client: httpx.Client) -> None:
    assert client.get("NoSuchEntity/query").status_code == 404
    assert client.get("https://fake-autotask.test/elsewhere/V1.0/Tickets/1").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "Tickets/{ticket}"),
        ("POST", "TicketNotes"),  # root URL of a child entity is query/get only
        ("PATCH", "TicketNotes"),
        ("DELETE", "Tickets/{ticket}/Notes/1"),
        ("PATCH", "Tickets/{ticket}/Attachments"),  # attachments cannot be updated
        ("POST", "Resources"),  # resources cannot be created
        ("POST", "BillingCodes"),
        ("DELETE", "Companies/{company}"),
        ("PUT", "ServiceCalls/1/Tickets"),
    ],
)
def test_unsupported_verbs_are_405(
    fake: FakeAutotask, client: httpx.Client, method: str, path: str
) -> None:
    ticket = create(client, "Tickets", ticket_fields(fake))
    url = path.format(ticket=ticket, company=fake.seed.company_id)
    response = client.request(method, url, json={"id": 1})
    assert response.status_code == 405
    assert response.json() == {
        "Message": f"The requested resource does not support http method '{method}'."}


def test_every_route_in_the_table_is_served(fake: FakeAutotask, client: httpx.Client) -> None:
    """No route of the table falls through to the router's 404/405 (bodies may still fail)."""
    for route in ROUTES:
        if route.action == "zone":
            continue
        path = route.template.replace("/V1.0/", "", 1)
        path = re.sub(r"\{\w+\}", "1", path)
        url = path if route.template.startswith("/V1.0") else fake.base_url + path.lstrip("/")
        kwargs = {"params": {"search": '{"filter":[{"op":"exist","field":"id"}]}'}} \
            if route.action in ("query", "count") and route.method == "GET" else {}
        if route.method in ("POST", "PUT", "PATCH"):
            kwargs = {"json": ALL if route.action in ("query", "count") else {"id": 1}}
        response = client.request(route.method, url, **kwargs)  # type: ignore[arg-type]
        assert response.status_code != 405, route
        assert "requested resource was not found" not in response.text, route


# -- entity operations ------------------------------------------------------------------
def test_ticket_create_returns_item_id_and_numbers_the_ticket(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    ticket_id = create(client, "Tickets", ticket_fields(fake))
    item = client.get(f"Tickets/{ticket_id}").json()["item"]
    day = fake.clock.now().strftime("%Y%m%d")
    assert re.fullmatch(rf"T{day}\.\d{{4}}", item["ticketNumber"])
    assert item["createDate"]
    assert item["lastActivityDate"]
    assert item["creatorResourceID"] == fake.api_resource_id
    second = create(client, "Tickets", ticket_fields(fake))
    numbers = [client.get(f"Tickets/{i}").json()["item"]["ticketNumber"]
               for i in (ticket_id, second)]
    assert int(numbers[1][-4:]) == int(numbers[0][-4:]) + 1


@pytest.mark.contract("AT-PUT-PATCH")
def test_patch_changes_only_the_given_fields(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket_id = create(client, "Tickets", ticket_fields(fake, description="keep me"))
    response = client.patch("Tickets", json={"id": ticket_id, "status": 8})
    assert response.json() == {"itemId": ticket_id}
    item = fake.record("Tickets", ticket_id)
    assert item is not None
    assert (item["status"], item["description"]) == (8, "keep me")


@pytest.mark.contract("AT-PUT-PATCH")
def test_put_sets_omitted_writable_fields_to_null(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket_id = create(client, "Tickets", ticket_fields(fake, description="dropped"))
    number = client.get(f"Tickets/{ticket_id}").json()["item"]["ticketNumber"]
    response = client.put("Tickets", json={"id": ticket_id, **ticket_fields(fake, title="New")})
    assert response.status_code == 200
    item = fake.record("Tickets", ticket_id)
    assert item is not None
    assert (item["title"], item["description"]) == ("New", None)
    assert item["ticketNumber"] == number  # read-only fields are kept


def test_put_that_omits_a_required_field_fails(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket_id = create(client, "Tickets", ticket_fields(fake))
    body = ticket_fields(fake)
    del body["title"]
    response = client.put("Tickets", json={"id": ticket_id, **body})
    assert response.status_code == 500
    assert any("title" in e for e in errors(response))


def test_update_of_an_unknown_id_is_404(client: httpx.Client) -> None:
    response = client.patch("Tickets", json={"id": 424242, "title": "x"})
    assert response.status_code == 404


def test_update_needs_an_id(client: httpx.Client) -> None:
    response = client.patch("Tickets", json={"title": "x"})
    assert response.status_code == 500
    assert "id" in errors(response)[0]


def test_ticket_notes_are_written_through_the_ticket(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    ticket_id = create(client, "Tickets", ticket_fields(fake))
    note = {"title": "Tech on site", "description": "Arrived 10:02", "noteType": 13, "publish": 1}
    note_id = create(client, f"Tickets/{ticket_id}/Notes", note)
    listing = client.get(f"Tickets/{ticket_id}/Notes").json()
    assert [n["id"] for n in listing["items"]] == [note_id]
    assert listing["pageDetails"]["count"] == 1
    assert client.get(f"TicketNotes/{note_id}").json()["item"]["ticketID"] == ticket_id
    assert client.get(f"Tickets/{ticket_id}/Notes/{note_id}").json()["item"]["id"] == note_id
    response = client.patch(f"Tickets/{ticket_id}/Notes", json={"id": note_id, "title": "Left"})
    assert response.status_code == 200
    assert fake.record("TicketNotes", note_id)["title"] == "Left"  # type: ignore[index]


def test_a_child_written_through_another_parent_is_refused(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    first = create(client, "Tickets", ticket_fields(fake))
    other = create(client, "Tickets", ticket_fields(fake))
    note = {"title": "a", "description": "b", "noteType": 13, "publish": 1}
    note_id = create(client, f"Tickets/{first}/Notes", note)
    assert client.patch(f"Tickets/{other}/Notes",
                        json={"id": note_id, "title": "x"}).status_code == 404
    assert client.get(f"Tickets/{other}/Notes/{note_id}").json() == {"item": None}
    response = client.post(f"Tickets/{first}/Notes", json={**note, "ticketID": other})
    assert response.status_code == 500
    assert client.post("Tickets/999/Notes", json=note).status_code == 404


def test_time_entries_can_be_deleted(fake: FakeAutotask, client: httpx.Client) -> None:
    ticket_id = assigned_ticket(fake, client)
    entry = create(client, "TimeEntries", {
        "resourceID": fake.seed.tech_resource_id, "roleID": fake.seed.tech_role_id,
        "ticketID": ticket_id, "dateWorked": "2026-01-05", "hoursWorked": 1.5,
    })
    assert client.delete(f"TimeEntries/{entry}").json() == {"itemId": entry}
    assert fake.record("TimeEntries", entry) is None
    assert client.delete(f"TimeEntries/{entry}").status_code == 404


@pytest.mark.parametrize(
    ("parent", "child", "body"),
    [
        ("Companies/{company}", "Locations", {"name": "Warehouse"}),
        ("Companies/{company}", "Contacts", {"firstName": "Ann", "lastName": "Lee", "isActive": 1}),
        ("Tickets/{ticket}", "Charges", {
            "name": "Cable", "chargeType": 1, "unitQuantity": 2, "unitPrice": 5.0,
            "datePurchased": "2026-01-05T00:00:00Z", "isBillableToCompany": True,
        }),
        ("ServiceCalls/{call}", "Tickets", {"ticketID": "{ticket}"}),
    ],
)
def test_deletable_children_are_deleted_through_the_parent(
    fake: FakeAutotask, client: httpx.Client, parent: str, child: str, body: dict[str, object]
) -> None:
    ticket = create(client, "Tickets", ticket_fields(fake))
    call = create(client, "ServiceCalls", {
        "companyID": fake.seed.company_id, "status": 1,
        "startDateTime": "2026-01-05T09:00:00Z", "endDateTime": "2026-01-05T11:00:00Z",
    })
    ids = {"company": fake.seed.company_id, "ticket": ticket, "call": call}
    base = parent.format(**ids) + "/" + child
    body = {k: int(str(v).format(**ids)) if v == "{ticket}" else v for k, v in body.items()}
    child_id = create(client, base, body)
    assert child_id in [i["id"] for i in client.get(base).json()["items"]]
    assert client.delete(f"{base}/{child_id}").json() == {"itemId": child_id}
    assert all(i["id"] != child_id for i in client.get(base).json()["items"])


def test_resources_are_updated_but_not_created(fake: FakeAutotask, client: httpx.Client) -> None:
    tech = fake.seed.tech_resource_id
    assert client.patch("Resources", json={"id": tech, "title": "Senior Tech"}).status_code == 200
    assert fake.record("Resources", tech)["title"] == "Senior Tech"  # type: ignore[index]
    assert client.post("Resources", json={"firstName": "X"}).status_code == 405


def test_seeded_tech_resource_is_found_by_email(fake: FakeAutotask, client: httpx.Client) -> None:
    query = {"filter": [{"op": "eq", "field": "email", "value": "TECH@example.com"}]}
    items = client.post("Resources/query", json=query).json()["items"]
    assert [r["id"] for r in items] == [fake.seed.tech_resource_id]


def test_state_helpers_return_copies(fake: FakeAutotask) -> None:
    company = fake.record("Companies", fake.seed.company_id)
    assert company is not None
    company["companyName"] = "changed"
    assert fake.record("Companies", fake.seed.company_id)["companyName"] == "Contoso Retail"  # type: ignore[index]
    inserted = fake.insert("Tickets", {"title": "seeded", "status": 99})
    assert [t["status"] for t in fake.records("Tickets") if t["id"] == inserted] == [99]


def test_malformed_json_is_a_400(client: httpx.Client) -> None:
    response = client.post("Tickets", content=b"{not json",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_version_information(fake: FakeAutotask, client: httpx.Client) -> None:
    assert client.get(fake.base_url + "VersionInformation").json() == {"apiVersions": ["1.0"]}


def test_a_fetched_ticket_can_be_put_back_unchanged(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    ticket_id = create(client, "Tickets", ticket_fields(fake, description="as fetched"))
    before = client.get(f"Tickets/{ticket_id}").json()["item"]
    assert client.put("Tickets", json=before).status_code == 200
    after = client.get(f"Tickets/{ticket_id}").json()["item"]
    assert {k: v for k, v in after.items() if not k.startswith("last")} == \
        {k: v for k, v in before.items() if not k.startswith("last")}


def test_impersonated_writes_name_both_resources(
    fake: FakeAutotask, client: httpx.Client
) -> None:
    ticket_id = create(client, "Tickets", ticket_fields(fake))
    note = {"title": "as tech", "description": "d", "noteType": 13, "publish": 1}
    response = client.post(f"Tickets/{ticket_id}/Notes", json=note,
                           headers={"ImpersonationResourceId": str(fake.seed.tech_resource_id)})
    stored = fake.record("TicketNotes", response.json()["itemId"])
    assert stored is not None
    assert stored["creatorResourceID"] == fake.seed.tech_resource_id
    assert stored["impersonatorCreatorResourceID"] == fake.api_resource_id
    plain = fake.record("TicketNotes", create(client, f"Tickets/{ticket_id}/Notes", note))
    assert plain is not None
    assert plain["impersonatorCreatorResourceID"] is None


def test_webhook_secret_keys_stay_out_of_the_request_log(client: httpx.Client,
                                                         fake: FakeAutotask) -> None:
    client.post("TicketWebhooks", json={
        "name": "x", "webhookUrl": "https://a.example.com/", "secretKey": "sup3r-s3cret-key",
        "deactivationUrl": "https://a.example.com/off", "isActive": True,
        "isSubscribedToCreateEvents": True, "isSubscribedToUpdateEvents": False,
        "isSubscribedToDeleteEvents": False})
    assert "sup3r-s3cret-key" not in repr(fake.requests)
    assert b"REDACTED" in fake.requests[-1].body


def test_a_wrong_integration_code_is_named_in_the_refusal(fake: FakeAutotask) -> None:
    headers = {**auth_headers(fake), "ApiIntegrationCode": "WRONG-CODE-123"}
    http = httpx.Client(transport=httpx.WSGITransport(app=fake), base_url=fake.base_url)
    response = http.get("V1.0/ThresholdInformation", headers=headers)
    assert response.status_code == 500  # not 401: apigrate/autotask-restapi issue 19
    assert errors(response) == ["IntegrationCode is invalid."]
    assert "WRONG-CODE-123" not in repr(fake.requests)
