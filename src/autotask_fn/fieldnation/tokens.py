"""OAuth token handling: password grant, caching, early renewal, one renewal for all threads.

Field Nation's refresh grant is contradictory in the docs (the legacy docs say refresh tokens
are not supported although the field is returned), so the manager simply re-authenticates with
the password grant shortly before ``expires_in`` runs out (reference §2).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import attrs
import httpx

from autotask_fn._redact import redact_text
from autotask_fn.fieldnation.errors import (
    FieldNationAuthError,
    FieldNationError,
    FieldNationTransportError,
    error_from_response,
)
from autotask_fn.fieldnation.wire import DEFAULT_WIRE, WireFormat

log = logging.getLogger("autotask_fn.fieldnation")

#: Renew this many seconds before the token's ``expires_in`` runs out.
RENEW_EARLY_SECONDS = 60.0
#: Used when the token answer has no readable ``expires_in`` (documented lifetime: 1 h).
DEFAULT_LIFETIME_SECONDS = 3600.0


@attrs.frozen
class Credentials:
    """The four values of the password grant. Never rendered: the repr shows only the user."""

    client_id: str
    client_secret: str = attrs.field(repr=False)
    username: str
    password: str = attrs.field(repr=False)

    def secrets(self) -> tuple[str, ...]:
        """Values to scrub from any text we render."""
        return (self.client_secret, self.password)


@attrs.frozen
class Token:
    """An access token and the clock time at which we stop using it."""

    access_token: str = attrs.field(repr=False)
    expires_at: float
    token_type: str = "Bearer"  # noqa: S105


class TokenManager:
    """Obtains and caches the access token; safe to share between threads.

    ``token()`` returns the cached token while it is fresh; otherwise exactly one caller
    renews it (under a lock) while the others wait and then reuse the new token.
    ``invalidate(token)`` marks a token the server rejected as expired, unless another thread
    already replaced it, so a burst of "expired token" answers causes a single renewal.
    """

    def __init__(self, http: httpx.Client, token_url: str, credentials: Credentials, *,
                 clock: Callable[[], float], wire: WireFormat = DEFAULT_WIRE,
                 renew_early: float = RENEW_EARLY_SECONDS,
                 on_request: Callable[[str, str], None] | None = None) -> None:
        self._http = http
        self._url = token_url
        self._credentials = credentials
        self._clock = clock
        self._wire = wire
        self._renew_early = renew_early
        self._on_request = on_request
        self._lock = threading.Lock()
        self._token: Token | None = None
        #: How many token requests were sent (for tests and diagnostics).
        self.requests_made = 0

    def __repr__(self) -> str:
        state = "cached" if self._token else "empty"
        return f"TokenManager(user={self._credentials.username!r}, {state})"

    def token(self) -> str:
        """Return a fresh access token, renewing it first if needed."""
        current = self._token
        if current is not None and self._clock() < current.expires_at:
            return current.access_token
        with self._lock:
            current = self._token
            if current is None or self._clock() >= current.expires_at:
                current = self._token = self._fetch()
            return current.access_token

    def invalidate(self, rejected: str) -> None:
        """Forget ``rejected`` if it is still the cached token (the server said it expired)."""
        with self._lock:
            if self._token is not None and self._token.access_token == rejected:
                self._token = None

    def _fetch(self) -> Token:
        creds = self._credentials
        fields = {"grant_type": "password", "client_id": creds.client_id,
                  "client_secret": creds.client_secret, "username": creds.username,
                  "password": creds.password}
        as_form = self._wire.token_body == "form"  # noqa: S105
        kwargs: dict[str, Any] = {"data": fields} if as_form else {"json": fields}
        self.requests_made += 1
        if self._on_request is not None:
            self._on_request("POST", self._url)
        started = self._clock()
        try:
            response = self._http.post(self._url, headers={"Accept": "application/json"},
                                       **kwargs)
        except httpx.TransportError as exc:
            raise FieldNationTransportError(
                f"token request failed: {type(exc).__name__}: "
                f"{redact_text(str(exc), creds.secrets())}", method="POST", url=self._url,
                sent=False,  # getting a token is not the caller's write: never ambiguous
            ) from None
        log.debug("POST %s -> %s", self._url, response.status_code)
        if response.status_code >= 400:
            err = error_from_response(response, "POST", self._url, creds.secrets())
            if response.status_code in (400, 401, 403):
                raise FieldNationAuthError(f"could not obtain a token: {err.message}",
                                           response.status_code, err.code, method="POST",
                                           url=self._url)
            raise err
        try:
            body = response.json()
            access_token = str(body["access_token"])
        except (ValueError, KeyError, TypeError):
            raise FieldNationError("token answer has no access_token", response.status_code,
                                   method="POST", url=self._url) from None
        try:
            lifetime = float(body.get("expires_in", DEFAULT_LIFETIME_SECONDS))
        except (TypeError, ValueError):
            lifetime = DEFAULT_LIFETIME_SECONDS
        renew_in = max(lifetime - self._renew_early, lifetime / 2)
        return Token(access_token, started + renew_in, str(body.get("token_type") or "Bearer"))
