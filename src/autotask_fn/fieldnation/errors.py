"""Errors raised by the Field Nation client, rooted in :class:`autotask_fn.errors.AutotaskFnError`.

Field Nation answers errors in three body shapes (reference §6); :func:`error_message` reads
whichever came back:

1. legacy REST v2 / playground: ``{"status": 400, "message": "..."}`` (or ``status_code``);
2. webhooks v3: ``{"metadata": {...}, "errors": [{"code": 400, "message": "..."}], "result": {}}``;
3. RFC 9457 problem details: ``{"type", "title", "status", "detail", "code", "errors": [...]}``.

No error text ever contains a secret: URLs are rendered through
:func:`autotask_fn._redact.redact_url` and messages through the same filter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx

from autotask_fn._redact import redact_text, redact_url
from autotask_fn.errors import AutotaskFnError


class FieldNationError(AutotaskFnError):
    """A Field Nation request failed.

    Attributes:
        message: the human message from the error body (or the HTTP reason phrase).
        status: the HTTP status, or ``None`` when no response came back.
        code: a machine code when the body has one (``VALIDATION_ERROR``, ``400`` ...).
        method: HTTP method of the failed request.
        url: the request URL with every secret query parameter redacted.
        details: further per-field messages from the body (``errors[]``).
        ambiguous: True when a write may have been applied although it failed: a 5xx answer
            or a transport failure after the request went out, on POST/PUT/DELETE/PATCH.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        code: str | None = None,
        *,
        method: str | None = None,
        url: str | None = None,
        details: tuple[str, ...] = (),
        sent: bool = True,
    ) -> None:
        self.message = redact_url(message)
        self.sent = sent
        self.status = status
        self.code = code
        self.method = method
        self.url = redact_url(url) if url is not None else None
        self.details = tuple(redact_url(d) for d in details)
        super().__init__(self._render())

    @property
    def ambiguous(self) -> bool:
        """Whether a write may have happened although this error was raised."""
        if (self.method or "GET").upper() in {"GET", "HEAD"} or not self.sent:
            return False
        return self.status is None or self.status >= 500

    def _render(self) -> str:
        head = f"{self.status} " if self.status is not None else ""
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        return f"{head}{self.message}{where}"

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.message!r}, status={self.status!r}, "
                f"code={self.code!r})")


class FieldNationAuthError(FieldNationError):
    """401, or a token that could not be obtained/renewed (bad credentials)."""

    @property
    def ambiguous(self) -> bool:
        """Never: the server refused the request before acting on it."""
        return False


class FieldNationPermissionError(FieldNationError):
    """403: the API user lacks the permission bit for this action."""


class FieldNationNotFoundError(FieldNationError):
    """404: the work order or sub-resource does not exist (or is not visible to this user)."""


class FieldNationValidationError(FieldNationError):
    """400/422: the request was understood but rejected (missing field, bad value)."""


class FieldNationRateLimitError(FieldNationError):
    """429: too many requests. ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(self, message: str, status: int | None = 429, code: str | None = None, *,
                 retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, status, code, **kwargs)


class FieldNationServerError(FieldNationError):
    """5xx: Field Nation failed. For a POST the write may or may not have happened."""


class FieldNationTransportError(FieldNationError):
    """No usable HTTP answer: connection refused/reset, timeout, TLS failure."""


def parse_retry_after(value: str | None) -> float | None:
    """Read a ``Retry-After`` header given in seconds; ``None`` when absent or unreadable.

    The HTTP-date form is not documented by Field Nation; it is treated as absent.
    """
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds)


def error_message(body: Any) -> tuple[str | None, str | None, tuple[str, ...]]:
    """Extract ``(message, code, details)`` from any of the three documented error shapes."""
    if isinstance(body, str):
        text = body.strip()
        return (text[:500] or None), None, ()
    if not isinstance(body, dict):
        return None, None, ()
    message: str | None = None
    code: str | None = None
    details: list[str] = []
    errors = body.get("errors")
    if isinstance(errors, list):
        for item in errors:
            if isinstance(item, dict):
                said = item.get("message") or item.get("detail")
                where = item.get("pointer") or item.get("parameter")
                if said is not None:
                    details.append(f"{where}: {said}" if where else str(said))
                if code is None and item.get("code") is not None:
                    code = str(item["code"])
            elif isinstance(item, str):
                details.append(item)
    # Shape 3 (problem details) first: detail is the most specific text, then title.
    for key in ("detail", "message", "title", "error_description", "error"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            message = value.strip()
            break
    if message is None and details:
        message = details[0]
    if body.get("code") is not None:
        code = str(body["code"])
    return message, code, tuple(details)


def _decode(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return response.text


def error_from_response(response: httpx.Response, method: str, url: str,
                        secrets: Iterable[str] = ()) -> FieldNationError:
    """Build the typed error for a non-2xx ``response`` (``secrets`` are scrubbed from it)."""
    status = response.status_code
    message, code, details = error_message(_decode(response))
    message = redact_text(message or response.reason_phrase or f"HTTP {status}", secrets)
    details = tuple(redact_text(d, secrets) for d in details)
    kwargs: dict[str, Any] = {"method": method, "url": url, "details": details}
    if status == 429:
        return FieldNationRateLimitError(
            message, status, code,
            retry_after=parse_retry_after(response.headers.get("Retry-After")), **kwargs,
        )
    cls: type[FieldNationError]
    if status == 401:
        cls = FieldNationAuthError
    elif status == 403:
        cls = FieldNationPermissionError
    elif status in (404, 410):
        cls = FieldNationNotFoundError
    elif status in (400, 409, 413, 415, 422):
        cls = FieldNationValidationError
    elif status >= 500:
        cls = FieldNationServerError
    else:
        cls = FieldNationError
    return cls(message, status, code, **kwargs)
