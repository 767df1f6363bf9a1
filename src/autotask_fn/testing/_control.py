"""The control API of the served fakes: act as a person on the fake over HTTP.

Every fake answers under :data:`CONTROL_PREFIX` (``/_fake``), a path no route of the real
services uses, with small JSON endpoints that call the fake's own test helpers (the same
domain operations as the REST API: same checks, same refusals, same webhooks). A test that
runs its host as a separate process, or a person at the shell (``autotask-fn fake ...``),
uses them to act as the Autotask dispatcher or the Field Nation provider.

Control requests are not API calls: they skip the injected faults, the latency, the limits
and the request log. ``GET /_fake`` lists the routes of a fake.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from autotask_fn.testing._service import FakeRequest, FakeResponse, json_response

#: The path prefix of the control API (no route of either real service starts with it).
CONTROL_PREFIX = "/_fake"


class ControlError(Exception):
    """A control request that cannot be done: an HTTP status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@attrs.frozen
class ControlCall:
    """One control request: the path's groups and the JSON body (an object)."""

    request: FakeRequest
    groups: tuple[str, ...]
    body: Mapping[str, Any]

    def id(self, index: int = 0) -> int:
        """The ``index``-th path group as an id."""
        return int(self.groups[index])

    def text(self, name: str, default: str | None = None, *, required: bool = False
             ) -> str | None:
        """A string field of the body."""
        value = self.body.get(name, default)
        if value is None:
            if required:
                raise ControlError(400, f"'{name}' is required")
            return None
        if not isinstance(value, str):
            raise ControlError(400, f"'{name}' must be a string")
        return value

    def number(self, name: str, default: float | None = None) -> float | None:
        """A number field of the body."""
        value = self.body.get(name, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ControlError(400, f"'{name}' must be a number")
        return float(value)

    def integer(self, name: str) -> int | None:
        """An integer field of the body (or ``None``)."""
        value = self.body.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ControlError(400, f"'{name}' must be an integer")
        return value

    def flag(self, name: str) -> bool:
        """A boolean field of the body (absent: false)."""
        value = self.body.get(name, False)
        if not isinstance(value, bool):
            raise ControlError(400, f"'{name}' must be true or false")
        return value

    def content(self, name: str) -> bytes:
        """A base64 field of the body, decoded (required)."""
        text = self.text(name, required=True)
        assert text is not None
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ControlError(400, f"'{name}' must be base64") from None

    def instant(self, name: str) -> datetime | None:
        """An ISO 8601 date-time field of the body (naive means UTC), or ``None``."""
        text = self.text(name)
        if text is None:
            return None
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ControlError(400, f"'{name}' must be an ISO 8601 date-time") from None
        return when if when.tzinfo else when.replace(tzinfo=UTC)


ControlHandler = Callable[[ControlCall], Any]


@attrs.frozen
class ControlRoute:
    """``method`` and a path regex (after ``/_fake``), the handler and a one-line summary."""

    method: str
    pattern: str
    handler: ControlHandler
    summary: str

    def match(self, path: str) -> re.Match[str] | None:
        """Match the path after the prefix."""
        return re.fullmatch(self.pattern, path)


def dispatch(routes: list[ControlRoute], request: FakeRequest,
             errors: Callable[[Exception], tuple[int, str] | None]) -> FakeResponse:
    """Serve one control request: route it, decode the body, map refusals to statuses.

    ``errors`` turns a fake's own refusal (its API error type) into a status and message.
    """
    path = request.path[len(CONTROL_PREFIX):].rstrip("/")
    if path == "":
        return json_response({"routes": [
            {"method": r.method, "path": CONTROL_PREFIX + r.pattern, "summary": r.summary}
            for r in routes]})
    allowed = False
    for route in routes:
        match = route.match(path)
        if match is None:
            continue
        allowed = True
        if route.method != request.method:
            continue
        try:
            body = _body(request)
            result = route.handler(ControlCall(request, match.groups(), body))
        except ControlError as exc:
            return json_response({"error": exc.message}, exc.status)
        except Exception as exc:
            mapped = errors(exc)
            if mapped is None:
                if isinstance(exc, KeyError | LookupError):
                    mapped = (404, f"not found: {exc}")
                elif isinstance(exc, TypeError | ValueError):
                    mapped = (400, str(exc))
                else:
                    raise
            return json_response({"error": mapped[1]}, mapped[0])
        return json_response({} if result is None else result)
    if allowed:
        return json_response({"error": f"{request.method} is not allowed here"}, 405)
    return json_response({"error": f"no control route {request.path}"}, 404)


def _body(request: FakeRequest) -> Mapping[str, Any]:
    if not request.body:
        return {}
    try:
        data = request.json()
    except ValueError:
        raise ControlError(400, "the body is not JSON") from None
    if not isinstance(data, dict):
        raise ControlError(400, "the body must be a JSON object")
    return data


def iso(timestamp: float) -> str:
    """POSIX seconds as ISO 8601 UTC."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat()
