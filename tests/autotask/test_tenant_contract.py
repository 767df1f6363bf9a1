"""Logins, the root company, unknown ids and per-tenant metadata, over FakeAutotask."""

from __future__ import annotations

import httpx
import pytest

from autotask_fn.autotask import (
    AutotaskAuthError,
    AutotaskClient,
    AutotaskUnknownUserError,
    AutotaskZoneError,
)
from autotask_fn.testing import FakeAutotask

WRONG = "Wr0ng-Value-For-This-Test"


def client_with(fake: FakeAutotask, *, zone: bool = False, **creds: str) -> AutotaskClient:
    values = {"username": fake.USERNAME, "secret": fake.SECRET,
              "integration_code": fake.INTEGRATION_CODE, **creds}
    where = {"zone_url": fake.zone_url} if zone else {"base_url": fake.base_url}
    return AutotaskClient(values["username"], values["secret"], values["integration_code"],
                          transport=httpx.WSGITransport(app=fake), **where)


# -- 1. authentication answers ------------------------------------------------------------
@pytest.mark.contract("AT-AUTH-UNKNOWN-USER", "AT-AUTH-BAD-CODE", "AT-AUTH-BAD-SECRET")
@pytest.mark.parametrize(("credential", "given", "status", "says"), [
    ("username", {"username": "nobody@example.com"}, 500, "API username"),
    ("integration_code", {"integration_code": WRONG}, 500, "integration code"),
    ("secret", {"secret": WRONG}, 401, "secret"),
])
def test_each_refused_credential_is_an_auth_error_naming_it(
    credential: str, given: dict[str, str], status: int, says: str,
) -> None:
    fake = FakeAutotask()
    client = client_with(fake, **given)
    with pytest.raises(AutotaskAuthError) as info:
        client.threshold()
    error = info.value
    assert (error.status, error.credential) == (status, credential)
    assert says in error.hint
    assert error.hint in str(error)
    assert len(fake.requests) == 1  # a refused login is never retried
    assert WRONG not in str(error)
    assert WRONG not in repr(error)


@pytest.mark.contract("AT-ZONE-ANSWER")
def test_an_unknown_username_fails_zone_discovery_as_a_refused_login() -> None:
    fake = FakeAutotask()
    client = client_with(fake, zone=True, username="nobody@example.com")
    with pytest.raises(AutotaskUnknownUserError) as info:
        client.get("Tickets", 1)
    assert isinstance(info.value, AutotaskAuthError)
    assert isinstance(info.value, AutotaskZoneError)
    assert info.value.credential == "username"
    assert "username" in info.value.hint


@pytest.mark.contract("AT-ZONE-ANSWER")
def test_zone_discovery_answers_the_tenants_ci() -> None:
    fake = FakeAutotask(ci=4242)
    zone = client_with(fake, zone=True).zone
    assert (zone.ci, zone.url) == (4242, fake.base_url)


# -- 2. company 0 ---------------------------------------------------------------------------
@pytest.mark.contract("AT-COMPANY-ZERO")
def test_every_tenant_has_its_own_company_at_id_0() -> None:
    fake = FakeAutotask()
    client = client_with(fake)
    root = client.get("Companies", 0)
    assert root is not None
    assert root["id"] == 0
    from autotask_fn.autotask.query import eq

    assert [r["id"] for r in client.query("Companies", eq("id", 0))] == [0]


@pytest.mark.contract("AT-COMPANY-ZERO")
def test_children_of_company_0_are_written_through_its_url() -> None:
    fake = FakeAutotask()
    client = client_with(fake)
    location = client.create("CompanyLocations", {"companyID": 0, "name": "HQ", "isActive": True,
                                                  "isPrimary": False, "isTaxExempt": False})
    assert fake.requests[-1].path.endswith("/Companies/0/Locations")
    client.update("CompanyLocations", {"id": location, "name": "Head office"})
    assert fake.requests[-1].path.endswith("/Companies/0/Locations")  # parent read back as 0
    assert fake.record("CompanyLocations", location)["name"] == "Head office"


# -- 3. unknown ids ---------------------------------------------------------------------------
@pytest.mark.contract("AT-GET-UNKNOWN-ID")
def test_an_unknown_id_answers_200_with_a_null_item() -> None:
    fake = FakeAutotask()
    http = httpx.Client(transport=httpx.WSGITransport(app=fake), base_url=fake.base_url)
    response = http.get("V1.0/Tickets/987654321", headers={
        "ApiIntegrationCode": fake.INTEGRATION_CODE, "UserName": fake.USERNAME,
        "Secret": fake.SECRET})
    assert (response.status_code, response.json()) == (200, {"item": None})
    assert client_with(fake).get("Tickets", 987654321) is None


@pytest.mark.contract("AT-GET-UNKNOWN-ID")
def test_a_404_for_an_unknown_id_is_not_found_too() -> None:
    """Some clients report 404 for an unknown id: the client answers None either way."""
    fake = FakeAutotask()
    fake.fail_next(r"/Tickets/987654321$", method="GET", status=404,
                   body={"errors": ["The requested resource was not found."]})
    assert client_with(fake).get("Tickets", 987654321) is None
    assert fake.count_requests("GET", r"/Tickets/987654321$") == 1  # not retried


def test_a_404_for_an_entity_the_client_does_not_know_still_raises() -> None:
    from autotask_fn.autotask import AutotaskNotFoundError

    fake = FakeAutotask()
    with pytest.raises(AutotaskNotFoundError):
        client_with(fake).get("NoSuchEntities", 1)


# -- 14. metadata per tenant --------------------------------------------------------------
@pytest.mark.contract("AT-UDF-METADATA", "AT-ENTITY-ACCESS")
def test_two_tenants_on_one_zone_never_share_metadata() -> None:
    first = FakeAutotask()
    second = FakeAutotask(username="api-user@second.example", ci=4242)
    second.add_udf("Tickets", "FN Region")
    second.deny("TicketNotes", "create")
    one, two = client_with(first), client_with(second)
    assert one.base_url == two.base_url  # the same zone host

    assert "FN Region" not in {u.name for u in one.udfs("Tickets")}
    assert "FN Region" in {u.name for u in two.udfs("Tickets")}
    assert two.entity_information("TicketNotes").user_access_for_create is False
    assert one.entity_information("TicketNotes").user_access_for_create is True


@pytest.mark.contract("AT-ENTITY-ACCESS")
def test_the_check_reads_fresh_metadata_so_a_new_grant_is_seen() -> None:
    fake = FakeAutotask()
    fake.deny("TicketNotes", "create")
    client = client_with(fake)
    assert not client.check_connection({"TicketNotes": ("create",)}).ok
    assert client.entity_information("TicketNotes").user_access_for_create is False  # cached
    fake.grant("TicketNotes", "create")
    assert client.check_connection({"TicketNotes": ("create",)}).ok


def test_a_wrong_secret_is_not_served_another_clients_cached_metadata() -> None:
    fake = FakeAutotask()
    client_with(fake).fields("Tickets")  # cached for the right credentials
    with pytest.raises(AutotaskAuthError):
        client_with(fake, secret=WRONG).fields("Tickets")


@pytest.mark.contract("AT-FIELD-METADATA")
def test_a_label_resolves_to_each_tenants_own_picklist_value() -> None:
    from autotask_fn.sync import ConnectorSettings

    first = FakeAutotask()
    second = FakeAutotask(username="api-user@second.example", ci=4242)
    second.set_picklist("Tickets", "status", {1: "New", 5: "Complete", 18: "In Progress"})
    def settings_for(fake: FakeAutotask) -> ConnectorSettings:
        return ConnectorSettings(webhook_secrets=("s",),
                                 default_resource_id=fake.seed.tech_resource_id)

    assert settings_for(first).validate(client_with(first)).status_values["assigned"] == 8
    assert settings_for(second).validate(client_with(second)).status_values["assigned"] == 18
    ticket = second.ui_create_ticket(title="t", companyID=second.seed.company_id, status=18,
                                     priority=2, queueID=second.seed.queue_id)
    assert second.record("Tickets", ticket)["status"] == 18  # the tenant's rules agree


@pytest.mark.parametrize(("status", "text", "expected"), [
    (500, "The UserName is not valid.", "username"),
    (500, "Unknown user.", "username"),
    (500, "Authentication failed.", None),
    (400, "IntegrationCode is invalid.", "integration_code"),
    (401, "User name or password is incorrect.", "secret"),
])
def test_refused_login_wordings_name_the_credential(
    status: int, text: str, expected: str | None,
) -> None:
    from autotask_fn.autotask.errors import classify_response

    error = classify_response(status, [text], method="GET", url="https://x.test/", entity="E")
    assert isinstance(error, AutotaskAuthError)
    assert error.credential == expected


@pytest.mark.parametrize("text", [
    "The API user's security level does not allow create on TimeEntries.",
    "You do not have permission: the user name api@x.test may not delete TicketCharges.",
])
def test_a_403_is_a_permission_error_whatever_its_wording(text: str) -> None:
    from autotask_fn.autotask import AutotaskPermissionError
    from autotask_fn.autotask.errors import classify_response

    error = classify_response(403, [text], method="DELETE",
                              url="https://x.test/V1.0/Tickets/1/Charges/2", entity="TicketCharges")
    assert isinstance(error, AutotaskPermissionError)
    assert error.permission == "delete TicketCharges"
    assert "Security Levels" in str(error)
