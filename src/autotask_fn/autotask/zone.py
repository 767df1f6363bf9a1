"""Zone discovery: which ``webservicesN.autotask.net`` host serves an API user's tenant.

``GET {zone_url}v1.0/zoneInformation?user=<username>`` answers
``{"zoneName", "url", "webUrl", "ci"}``. Results are cached per username for 24 hours in a
module-level, thread-safe cache (:func:`clear_zone_cache` empties it). Failures become
:class:`~autotask_fn.autotask.errors.AutotaskZoneError` with a ``hint`` taken from the
connector's troubleshooting table.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import attrs
import httpx

from autotask_fn._net import is_loopback_host
from autotask_fn.autotask._http import Requester, error_texts
from autotask_fn.autotask.errors import (
    AutotaskTransportError,
    AutotaskUnknownUserError,
    AutotaskZoneError,
)
from autotask_fn.autotask.limits import NoLimiter
from autotask_fn.autotask.metadata import TTLCache, _get
from autotask_fn.autotask.stats import RequestStats

__all__ = ["DEFAULT_ZONE_URL", "ZONE_CACHE_TTL", "ZoneInfo", "clear_zone_cache", "discover_zone"]

#: The global zone-discovery endpoint (any zone host answers too).
DEFAULT_ZONE_URL = "https://webservices.autotask.net/atservicesrest/"
#: How long a discovered zone is trusted (seconds).
ZONE_CACHE_TTL = 24 * 3600.0

HINT_UNKNOWN_USER = (
    "Autotask does not know this API username. Use the exact username of an API-only user "
    "(Admin > Resources (Users), license type API User), in email format."
)
HINT_UNAUTHORIZED = (
    "Autotask refused the zone lookup: API access may be disabled for this user or the "
    "username is wrong. Confirm the API entitlement (Pro/Enterprise edition, API User "
    "security level) with your Autotask administrator."
)
HINT_UNREACHABLE = (
    "The zone host could not be reached (timeout or connection error). Allow outbound HTTPS "
    "(port 443) to webservices.autotask.net and your zone base URL (*.autotask.net)."
)
HINT_INSECURE = (
    "The zone lookup answered a zone URL that is not https: the credentials would travel in "
    "clear text. Check zone_url; pass allow_http=True only for a local test service."
)
HINT_BAD_ANSWER = (
    "The zone lookup answered something unexpected. Check zone_url (it must end with "
    "/atservicesrest/) and try again later."
)


@attrs.frozen
class ZoneInfo:
    """The tenant's zone: ``url`` is the REST base (ends with ``/ATServicesRest/``)."""

    zone_name: str
    url: str
    web_url: str | None
    ci: int | None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> ZoneInfo:
        """Build from the ``zoneInformation`` answer."""
        url = str(_get(data, "url") or "")
        if url and not url.endswith("/"):
            url += "/"
        ci = _get(data, "ci")
        return cls(
            zone_name=str(_get(data, "zoneName") or ""),
            url=url,
            web_url=_get(data, "webUrl"),
            ci=int(ci) if ci is not None else None,
        )


_ZONE_CACHE: TTLCache[tuple[str, str], ZoneInfo] = TTLCache(ZONE_CACHE_TTL)


def clear_zone_cache() -> None:
    """Forget every discovered zone (e.g. after a tenant moved)."""
    _ZONE_CACHE.clear()


def _zone_error(message: str, hint: str, **kwargs: Any) -> AutotaskZoneError:
    return AutotaskZoneError(message, hint=hint, **kwargs)


def discover_zone(
    username: str,
    *,
    zone_url: str = DEFAULT_ZONE_URL,
    http_client: httpx.Client | None = None,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
    requester: Requester | None = None,
    allow_http: bool = False,
) -> ZoneInfo:
    """Look up (or return the cached) zone of the API user ``username``.

    Standalone, only the ``user`` parameter is sent (no credentials are needed for the
    lookup). ``AutotaskClient`` passes its own ``requester`` (internal) so the lookup is
    counted in its stats. Raises :class:`AutotaskZoneError` with a ``hint``.

    A zone URL that is not ``https`` is refused (the credentials would travel in clear
    text) unless ``allow_http`` is set, or both ``zone_url`` and the answer are on this
    machine (a loopback host: a local test service, as the served fakes are).
    """
    if requester is None:
        own = http_client is None
        http = http_client or httpx.Client(transport=transport, timeout=timeout)
        try:
            return discover_zone(
                username, zone_url=zone_url, allow_http=allow_http,
                requester=Requester(
                    http, headers={"Accept": "application/json"}, secrets=(),
                    limiter=NoLimiter(), stats=RequestStats(), max_retries=0, timeout=timeout,
                ),
            )
        finally:
            if own:
                http.close()
    if not zone_url.endswith("/"):
        zone_url += "/"
    key = (zone_url.lower(), username.lower())
    cached = _ZONE_CACHE.get(key)
    if cached is not None:
        return _secure(cached, zone_url, allow_http)
    url = f"{zone_url}v1.0/zoneInformation"
    common: dict[str, Any] = {
        "entity": "zoneInformation", "method": "GET", "url": url, "secrets": requester.secrets,
    }
    try:
        # Exempt from thread limits: no limiter slot, and no retries (a failure is reported).
        # The lookup needs no credentials: they are not sent (the stricter choice).
        response = requester.send_once("GET", url, entity="zoneInformation",
                                       params={"user": username}, credentials=False)
    except AutotaskTransportError as exc:
        raise _zone_error(
            f"Autotask zone lookup failed: {exc.message}", HINT_UNREACHABLE, **common
        ) from None
    status = response.status_code
    texts = error_texts(response) or []
    if status == 401 or status == 403:
        raise _zone_error("Autotask refused the zone lookup", HINT_UNAUTHORIZED,
                          status=status, errors=texts, **common)
    if status == 404 or (status >= 500 and texts) or (status == 200 and not response.content):
        raise AutotaskUnknownUserError("Autotask could not determine the zone of this username",
                                       hint=HINT_UNKNOWN_USER, status=status, errors=texts,
                                       **common)
    if not response.is_success:
        raise _zone_error(f"Autotask zone lookup answered HTTP {status}", HINT_BAD_ANSWER,
                          status=status, errors=texts, **common)
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or not _get(data, "url"):
        raise _zone_error("Autotask zone lookup answered without a zone URL",
                          HINT_UNKNOWN_USER, status=status, **common)
    try:
        zone = ZoneInfo.from_api(data)
    except (TypeError, ValueError, OverflowError):  # e.g. "ci": "n/a"
        raise _zone_error("Autotask zone lookup answered a malformed zone", HINT_BAD_ANSWER,
                          status=status, **common) from None
    _ZONE_CACHE.set(key, zone)
    return _secure(zone, zone_url, allow_http)


def _secure(zone: ZoneInfo, zone_url: str, allow_http: bool) -> ZoneInfo:
    """``zone`` when its URL is https (or plain http is allowed); otherwise refused."""
    if urlsplit(zone.url).scheme.lower() == "https" or allow_http or (
            is_loopback_host(zone_url) and is_loopback_host(zone.url)):
        return zone
    raise _zone_error("Autotask zone lookup answered a zone URL that is not https",
                      HINT_INSECURE, entity="zoneInformation", method="GET",
                      url=f"{urlsplit(zone.url).scheme}://{urlsplit(zone.url).netloc}/")
