"""Zone discovery: success, caching, and a typed error with a hint for each failure."""

from __future__ import annotations

import httpx
import pytest

from autotask_fn import ConfigurationError
from autotask_fn.autotask import AutotaskClient, AutotaskZoneError

from .conftest import CODE, SECRET, USER, Mock, reply

ZONE_URL = "https://zones.example.test/atservicesrest/"
ZONE = {"zoneName": "America East 2", "url": "https://webservices14.example.test/ATServicesRest/",
        "webUrl": "https://ww14.example.test/", "ci": 4242}


def client_for(handler, username: str = USER) -> tuple[AutotaskClient, Mock]:
    mock = Mock(handler)
    return AutotaskClient(username, SECRET, CODE, zone_url=ZONE_URL, transport=mock.transport), mock


def test_zone_is_discovered_from_the_username_and_cached_per_username() -> None:
    client, mock = client_for(lambda r: reply(ZONE))
    zone = client.zone
    assert zone.zone_name == "America East 2"
    assert zone.ci == 4242
    assert client.base_url == ZONE["url"]
    (request,) = mock.requests
    assert request.url.path == "/atservicesrest/v1.0/zoneInformation"
    assert request.url.params["user"] == USER
    again, second = client_for(lambda r: reply(ZONE))
    assert again.zone == zone
    assert second.requests == []  # answered from the module-level cache
    other, third = client_for(lambda r: reply(ZONE), username="other@example.com")
    other.zone  # noqa: B018
    assert len(third.requests) == 1


def test_explicit_base_url_skips_discovery() -> None:
    mock = Mock(lambda r: reply({"item": None}))
    client = AutotaskClient(USER, SECRET, CODE, base_url="https://h.test/ATServicesRest",
                            transport=mock.transport)
    assert client.get("Tickets", 1) is None
    assert [str(r.url) for r in mock.requests] == ["https://h.test/ATServicesRest/V1.0/Tickets/1"]


def test_base_url_keeps_the_tenant_id_from_zone_discovery_at_zone_url() -> None:
    mock = Mock(lambda r: reply(ZONE))
    client = AutotaskClient(USER, SECRET, CODE, base_url="https://h.test/ATServicesRest/",
                            zone_url=ZONE_URL, transport=mock.transport)
    assert client.tenant_id == 4242
    assert [r.url.path for r in mock.requests] == ["/atservicesrest/v1.0/zoneInformation"]
    assert client.base_url == "https://h.test/ATServicesRest/"  # requests still go there


def test_base_url_with_a_tenant_id_never_asks_zone_discovery() -> None:
    mock = Mock(lambda r: reply({"item": None}))
    client = AutotaskClient(USER, SECRET, CODE, base_url="https://h.test/ATServicesRest/",
                            tenant_id=4242, transport=mock.transport)
    assert client.tenant_id == 4242
    client.get("Tickets", 1)
    assert [r.url.path for r in mock.requests] == ["/ATServicesRest/V1.0/Tickets/1"]


@pytest.mark.parametrize(
    ("response", "hint"),
    [
        (reply({"errors": ["Zone information could not be determined"]}, 500), "does not know"),
        (reply(None, 404), "does not know"),
        (httpx.Response(200), "does not know"),
        (reply({"errors": ["Unauthorized"]}, 401), "API access"),
    ],
)
def test_zone_failures_carry_a_hint(response: httpx.Response, hint: str) -> None:
    client, _ = client_for(lambda r: response)
    with pytest.raises(AutotaskZoneError) as info:
        client.zone  # noqa: B018
    assert hint in info.value.hint
    assert info.value.status == response.status_code
    assert hint in str(info.value)


def test_unreachable_zone_host_says_to_allow_egress() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client, _ = client_for(refuse)
    with pytest.raises(AutotaskZoneError) as info:
        client.zone  # noqa: B018
    assert "webservices.autotask.net" in info.value.hint
    assert info.value.status is None


def test_failed_lookups_are_not_cached() -> None:
    answers = [reply(None, 404), reply(ZONE)]
    client, _ = client_for(lambda r: answers.pop(0))
    with pytest.raises(AutotaskZoneError):
        client.zone  # noqa: B018
    assert client.zone.ci == 4242


def test_missing_integration_code_says_where_to_get_one(monkeypatch) -> None:
    monkeypatch.delenv("AUTOTASK_FN_INTEGRATION_CODE", raising=False)
    with pytest.raises(ConfigurationError) as info:
        AutotaskClient(USER, SECRET)
    text = str(info.value)
    assert "Integration Center" in text
    assert "AUTOTASK_FN_INTEGRATION_CODE" in text


def test_distributor_default_code_is_used_when_none_is_given(monkeypatch) -> None:
    monkeypatch.setenv("AUTOTASK_FN_INTEGRATION_CODE", "DISTRIBUTOR-DEFAULT-CODE")
    mock = Mock(lambda r: reply({"item": None}))
    client = AutotaskClient(USER, SECRET, base_url="https://h.test/ATServicesRest/",
                            transport=mock.transport)
    client.get("Tickets", 1)
    assert mock.requests[0].headers["ApiIntegrationCode"] == "DISTRIBUTOR-DEFAULT-CODE"
    assert "DISTRIBUTOR-DEFAULT-CODE" not in repr(client)


def test_standalone_discovery_sends_only_the_username() -> None:
    from autotask_fn.autotask import discover_zone

    mock = Mock(lambda r: reply(ZONE))
    zone = discover_zone(USER, zone_url=ZONE_URL, transport=mock.transport)
    assert zone.url == ZONE["url"]
    (request,) = mock.requests
    assert "Secret" not in request.headers
    assert "ApiIntegrationCode" not in request.headers
    assert request.url.params["user"] == USER


def test_the_client_sends_no_credentials_to_the_zone_host() -> None:
    client, mock = client_for(lambda r: reply(ZONE))
    client.zone  # noqa: B018
    (request,) = mock.requests
    assert not {"secret", "apiintegrationcode", "username"} & {k.lower() for k in request.headers}
    assert client.stats.by_entity == {"zoneInformation": 1}


def test_a_malformed_zone_answer_is_a_zone_error_and_not_cached() -> None:
    from autotask_fn.autotask.zone import clear_zone_cache

    clear_zone_cache()
    client, _ = client_for(lambda r: reply({**ZONE, "ci": "n/a"}), username="ci@example.com")
    with pytest.raises(AutotaskZoneError) as info:
        client.zone  # noqa: B018
    assert "zone_url" in info.value.hint
    again, mock = client_for(lambda r: reply(ZONE), username="ci@example.com")
    assert again.zone.ci == 4242
    assert len(mock.requests) == 1
