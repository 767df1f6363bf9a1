"""Zone discovery refuses a zone URL that is not https: the credentials would travel in clear
text. A client built with ``allow_http`` accepts it; so do a lookup and zone on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from autotask_fn.autotask import AutotaskClient
from autotask_fn.autotask.errors import AutotaskZoneError
from autotask_fn.autotask.zone import clear_zone_cache, discover_zone


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    clear_zone_cache()
    yield
    clear_zone_cache()


def answering(zone: str) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        assert "Secret" not in request.headers  # the lookup never carries credentials
        return httpx.Response(200, json={"zoneName": "Z", "url": zone, "webUrl": None,
                                         "ci": 7})
    return httpx.MockTransport(handler)


def client(zone: str, **kw: object) -> AutotaskClient:
    return AutotaskClient("api@example.com", "s3cret", "CODE", transport=answering(zone),
                          **kw)  # type: ignore[arg-type]


def test_a_plain_http_zone_is_refused() -> None:
    at = client("http://webservices5.autotask.net/ATServicesRest/")
    with pytest.raises(AutotaskZoneError) as caught:
        at.zone  # noqa: B018
    assert "not https" in str(caught.value)
    assert "clear text" in (caught.value.hint or "")


def test_a_cached_http_zone_is_refused_too() -> None:
    zone = "http://webservices5.autotask.net/ATServicesRest/"
    assert discover_zone("api@example.com", transport=answering(zone), allow_http=True)
    with pytest.raises(AutotaskZoneError):
        discover_zone("api@example.com", transport=answering(zone))


def test_a_client_built_to_allow_http_accepts_it() -> None:
    at = client("http://webservices5.autotask.net/ATServicesRest/", allow_http=True)
    assert at.zone.url == "http://webservices5.autotask.net/ATServicesRest/"


def test_https_and_loopback_zones_are_accepted() -> None:
    assert client("https://webservices5.autotask.net/ATServicesRest/").zone.ci == 7
    local = client("http://127.0.0.1:8080/ATServicesRest/",
                   zone_url="http://127.0.0.1:8080/atservicesrest/")
    assert local.zone.url.startswith("http://127.0.0.1")
    # A lookup on loopback may not send the client elsewhere in clear text.
    clear_zone_cache()
    away = client("http://webservices5.autotask.net/ATServicesRest/",
                  zone_url="http://127.0.0.1:8080/atservicesrest/")
    with pytest.raises(AutotaskZoneError):
        away.zone  # noqa: B018
