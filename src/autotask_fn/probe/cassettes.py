"""Record a live run of both services into one vcrpy cassette, with credentials, tokens and
personal data (names, e-mail addresses, phone numbers, street addresses) redacted.

Built on the recorder of both clients (:func:`autotask_fn._cassettes.build_recorder` and the
Field Nation token scrubbers). Requests replay by method, host, port, path and query, the
redacted parameters (``access_token``, ``user``) left out, in recorded order::

    from autotask_fn.probe.cassettes import live_recorder

    with live_recorder("tests/contract/cassettes/mine").use_cassette("scenario.yaml"):
        ...  # the live scenarios

vcrpy is a test dependency: it is imported only when :func:`live_recorder` is called.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from autotask_fn._cassettes import build_recorder
from autotask_fn._redact import REDACTED
from autotask_fn.probe.report import redact_value

__all__ = ["PERSONAL_KEYS", "live_recorder", "redact_personal"]

#: Keys whose values are personal data wherever they appear (lower case).
PERSONAL_KEYS = frozenset({
    "first_name", "last_name", "firstname", "lastname", "middlename", "email", "emailaddress",
    "emailaddress2", "emailaddress3", "phone", "mobilephone", "phonenumber", "alternatephone",
    "fax", "address", "address1", "address2", "addressline1", "addressline2", "street",
    "zip", "zipcode", "postalcode", "city", "display_name", "username",
})
#: Objects that stand for a person: their ``name`` is personal too.
_PERSON_KEYS = frozenset({"from", "author", "logged_by", "user", "manager", "assignee",
                          "contact", "contacts", "provider", "created_by", "updated_by",
                          "signatures", "signature"})
_SKIP_PARAMS = frozenset({"access_token", "user"})


def _is_signature(value: Mapping[str, Any]) -> bool:
    image = value.get("signature") or value.get("data")
    return isinstance(image, str) and image.startswith("data:image")


def redact_personal(value: Any, *, person: bool = False, seen: set[str] | None = None) -> Any:
    """``value`` (JSON values) without personal data: values of :data:`PERSONAL_KEYS`, the
    ``name`` of objects that stand for a person (a signature names its signer), and e-mail
    addresses, phone numbers and tokens inside any text. Redacted values are added to
    ``seen`` and replaced wherever they appear in text too (a title naming a signer)."""
    seen = set() if seen is None else seen
    if isinstance(value, Mapping):
        person = person or _is_signature(value)
        out: dict[str, Any] = {}
        for key, item in value.items():
            low = str(key).lower()
            if item not in (None, "") and (low in PERSONAL_KEYS or (person and low == "name")):
                if isinstance(item, str) and len(item) >= 4:
                    seen.add(item)
                out[key] = REDACTED
        for key, item in value.items():
            if key not in out:
                low = str(key).lower()
                out[key] = redact_personal(item, person=low in _PERSON_KEYS or (
                    person and low == "results"), seen=seen)
        return out
    if isinstance(value, list):
        return [redact_personal(v, person=person, seen=seen) for v in value]
    if isinstance(value, str):
        for text in sorted(seen, key=len, reverse=True):
            value = value.replace(text, REDACTED)
    return redact_value(value)


class _Scrubber:
    """The recorder's hooks; remembers every personal value redacted so far in the run."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def body(self, raw: Any) -> Any:
        if not raw:
            return raw
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        try:
            data = json.loads(text)
        except ValueError:
            return raw
        out = json.dumps(redact_personal(data, seen=self.seen))
        return out.encode() if isinstance(raw, bytes) else out

    def request(self, request: Any) -> Any:
        from autotask_fn.fieldnation.cassettes import _scrub_form

        request.body = self.body(_scrub_form(request.body))
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        from autotask_fn.fieldnation.cassettes import _scrub_response as scrub_tokens

        response = scrub_tokens(response)
        body = response.get("body", {})
        if body.get("string"):
            body["string"] = self.body(body["string"])
        return response


def _query_without_secrets(r1: Any, r2: Any) -> None:
    def safe(uri: str) -> list[tuple[str, str]]:
        return sorted((k, v) for k, v in parse_qsl(urlsplit(uri).query, keep_blank_values=True)
                      if k.lower() not in _SKIP_PARAMS)

    if safe(r1.uri) != safe(r2.uri):
        raise AssertionError(f"query differs: {r1.uri} != {r2.uri}")


def live_recorder(path: str | Path, *, record_mode: str = "once", **options: Any) -> Any:
    """A ``vcr.VCR`` for one cassette of both services, nothing secret or personal in it."""
    from autotask_fn.autotask.cassettes import FILTERED_HEADERS as AT_HEADERS
    from autotask_fn.fieldnation.cassettes import FILTERED_HEADERS as FN_HEADERS

    scrub = _Scrubber()
    recorder = build_recorder(
        path, record_mode, owner="autotask_fn.probe.cassettes",
        headers=(*AT_HEADERS, *FN_HEADERS),
        query_parameters=[("access_token", REDACTED), ("user", "[FILTERED]")],
        options=options,
        match_on=("method", "scheme", "host", "port", "path", "query_without_secrets"),
        before_record_request=scrub.request, before_record_response=scrub.response,
    )
    recorder.register_matcher("query_without_secrets", _query_without_secrets)
    return recorder
