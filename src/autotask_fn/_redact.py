"""Helpers that keep secrets out of logs, reprs and exception text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

REDACTED = "[REDACTED]"

#: Header names (lower case) whose values are never rendered.
SECRET_HEADERS = frozenset(
    {"secret", "authorization", "apiintegrationcode", "x-fn-signature", "x-hook-signature",
     "cookie", "set-cookie", "fn-token"}
)
#: Query parameters and form fields whose values are never rendered.
SECRET_PARAMS = frozenset(
    {"access_token", "refresh_token", "client_secret", "password", "secret", "token",
     "client_token"}
)

_PARAM_RE = re.compile(
    r"(?i)\b(" + "|".join(sorted(SECRET_PARAMS)) + r")=([^&#\s\"']+)"
)


def redact_url(url: object) -> str:
    """Return ``url`` as text with secret query parameters replaced by ``[REDACTED]``."""
    return _PARAM_RE.sub(lambda m: f"{m.group(1)}={REDACTED}", str(url))


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace secret query parameters and every given secret value inside ``text``."""
    out = redact_url(text)
    for value in secrets:
        if value and len(value) >= 4:
            out = out.replace(value, REDACTED)
    return out


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Return a copy of ``headers`` with the values of secret headers replaced."""
    return {
        k: (REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()
    }
