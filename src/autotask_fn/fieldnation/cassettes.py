"""Record and replay Field Nation traffic with vcrpy, with credentials and tokens filtered out.

The access token travels in the ``access_token`` query parameter of every REST call and in the
token endpoint's answer; the password grant sends the client secret and the password in its
form body. None of them is ever written to a cassette::

    from autotask_fn.fieldnation.cassettes import recorder

    with recorder("tests/cassettes").use_cassette("work_order.yaml"):
        client.get_work_order(100001)

vcrpy is a test dependency: it is imported only when :func:`recorder` is called.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from autotask_fn._cassettes import build_recorder
from autotask_fn._redact import REDACTED, SECRET_PARAMS

__all__ = ["FILTERED_HEADERS", "recorder"]

#: Request headers removed from every recorded interaction.
FILTERED_HEADERS = ("Authorization", "X-FN-Signature")
#: Token-answer fields replaced in recorded responses.
_TOKEN_FIELDS = ("access_token", "refresh_token")


def _scrub_form(body: Any) -> Any:
    if not body:
        return body
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    try:
        data = json.loads(raw)
    except ValueError:
        pairs = parse_qsl(raw, keep_blank_values=True)
        if not pairs:
            return body
        clean = urlencode([(k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in pairs])
        return clean.encode() if isinstance(body, bytes) else clean
    if isinstance(data, dict):
        for key in list(data):
            if key.lower() in SECRET_PARAMS:
                data[key] = REDACTED
        text = json.dumps(data)
        return text.encode() if isinstance(body, bytes) else text
    return body


def _scrub_request(request: Any) -> Any:
    request.body = _scrub_form(request.body)
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {})
    raw = body.get("string")
    if raw:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        try:
            data = json.loads(text)
        except ValueError:
            return response
        if isinstance(data, dict) and any(k in data for k in _TOKEN_FIELDS):
            for key in _TOKEN_FIELDS:
                if key in data:
                    data[key] = REDACTED
            out = json.dumps(data)
            body["string"] = out.encode() if isinstance(raw, bytes) else out
    return response


def recorder(path: str | Path, *, record_mode: str = "once", **options: Any) -> Any:
    """A ``vcr.VCR`` writing YAML cassettes under ``path`` with no secret in them.

    Filters the ``access_token`` query parameter, the ``Authorization`` and signature headers,
    the secrets of the token request body, and the tokens of the token answer. Requests match
    on method and path (the token request's body is filtered, so it cannot be matched on).
    Extra ``filter_*`` keyword arguments are added to these filters, never replace them.
    """
    return build_recorder(
        path, record_mode, owner="autotask_fn.fieldnation.cassettes", headers=FILTERED_HEADERS,
        query_parameters=[("access_token", REDACTED)], options=options,
        match_on=("method", "scheme", "host", "port", "path"),
        before_record_request=_scrub_request, before_record_response=_scrub_response,
    )
