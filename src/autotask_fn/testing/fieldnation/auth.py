"""The OAuth token endpoint and token checks.

``POST /authentication/api/oauth/token`` accepts form-encoded **and** JSON bodies (the docs
disagree, reference §2). Choices where the docs are silent or contradict each other:

* ``grant_type=password`` gives a token of the user (``scope`` "basic") usable everywhere.
* ``grant_type=client_credentials`` (shown only in one webhook guide) gives a token that the
  webhooks API accepts and REST v2 refuses with 401 (unconfirmed for REST v2: stricter).
* ``grant_type=refresh_token`` is refused with 400 (legacy docs: refresh is not supported),
  although a ``refresh_token`` is returned, as the real service does.
* Wrong client or user credentials: 401 with the legacy error body plus OAuth's ``error``.
* An expired token on REST v2: **400** ``{"status":400,"message":"Expired token."}`` (legacy
  docs; the new docs say 401). A missing or unknown token: 401. The webhooks API answers 401
  for both, in its own error shape.
"""

from __future__ import annotations

import hmac
import json
import secrets
from typing import Any
from urllib.parse import parse_qs

import attrs

from autotask_fn.testing._service import FakeRequest
from autotask_fn.testing.contract import contract_rule, contract_value
from autotask_fn.testing.fieldnation.clock import FakeClock
from autotask_fn.testing.fieldnation.problems import FakeApiError
from autotask_fn.testing.fieldnation.records import User
from autotask_fn.testing.fieldnation.state import FieldNationState

TOKEN_LIFETIME = contract_value("FN-TOKEN-PASSWORD-GRANT", 3600)
MISSING_TOKEN = "You must provide a valid OAuth token to make a request"  # noqa: S105


@attrs.define
class Token:
    """An issued access token."""

    value: str = attrs.field(repr=False)
    user_id: int
    expires_at: float
    scope: str


def _form_or_json(request: FakeRequest) -> dict[str, Any]:
    ctype = (request.header("content-type") or "").lower()
    text = request.body.decode("utf-8", "replace")
    if "json" in ctype or text.lstrip().startswith("{"):
        try:
            data = json.loads(text or "{}")
        except ValueError:
            raise FakeApiError(400, "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise FakeApiError(400, "The request body must be an object.")
        return data
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


class Tokens:
    """Issues and checks tokens against the fake clock."""

    def __init__(self, state: FieldNationState, clock: FakeClock, client_id: str,
                 client_secret: str) -> None:
        self.state = state
        self.clock = clock
        self.client_id = client_id
        self._client_secret = client_secret
        self._tokens: dict[str, Token] = {}

    def issued(self) -> list[str]:
        """Every token value issued so far (tests check none of them leaks anywhere)."""
        return list(self._tokens)

    def issue_for(self, user: User, scope: str = "basic") -> Token:
        """Issue a token for ``user`` (what a successful grant does)."""
        token = Token(secrets.token_hex(20), user.id, self.clock.timestamp() + TOKEN_LIFETIME,
                      scope)
        self._tokens[token.value] = token
        return token

    @contract_rule("FN-TOKEN-PASSWORD-GRANT")
    def grant(self, request: FakeRequest) -> dict[str, Any]:
        """Serve the token endpoint; raises :class:`FakeApiError` on refusal."""
        data = _form_or_json(request)
        grant_type = data.get("grant_type")
        if grant_type not in {"password", "client_credentials"}:
            raise FakeApiError(400, f"Unsupported grant_type {grant_type!r}.")
        client_ok = hmac.compare_digest(str(data.get("client_id", "")), self.client_id) and \
            hmac.compare_digest(str(data.get("client_secret", "")), self._client_secret)
        if not client_ok:
            raise FakeApiError(401, "Invalid client credentials.")
        if grant_type == "client_credentials":
            user, scope = self.state.api_user(), "webhooks"
        else:
            found = self.state.authenticate(str(data.get("username", "")),
                                            str(data.get("password", "")))
            if found is None:
                raise FakeApiError(401, "Invalid username or password.")
            user, scope = found, "basic"
        token = self.issue_for(user, scope)
        return {
            "access_token": token.value, "expires_in": TOKEN_LIFETIME, "token_type": "Bearer",
            "scope": scope, "refresh_token": secrets.token_hex(20),
            "user": {"id": user.id, "first_name": user.first_name,
                     "last_name": user.last_name, "email": user.email},
        }

    @contract_rule("FN-TOKEN-EXPIRED")
    def check(self, raw: str | None, *, webhooks_api: bool) -> User:
        """The user a presented token belongs to, or a refusal."""
        token = self._tokens.get(raw or "")
        if token is None:
            raise FakeApiError(401, MISSING_TOKEN)
        if self.clock.timestamp() >= token.expires_at:
            raise FakeApiError(401 if webhooks_api else 400, "Expired token.")
        if token.scope == "webhooks" and not webhooks_api:
            raise FakeApiError(401, "This token is not valid for the REST API.")
        return self.state.user(token.user_id)

    def valid(self, raw: str) -> bool:
        """Whether ``raw`` is a live token (used for download links)."""
        token = self._tokens.get(raw)
        return token is not None and self.clock.timestamp() < token.expires_at


def presented_token(request: FakeRequest, *, query: bool) -> str | None:
    """The token in ``Authorization: Bearer`` or (when ``query``) ``access_token``."""
    if query and request.param("access_token"):
        return request.param("access_token")
    auth = request.header("authorization") or ""
    if auth[:7].lower() == "bearer " and auth[7:].strip():
        return auth[7:].strip()
    return None
