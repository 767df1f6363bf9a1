"""Ticket webhook callouts: which events fire, the payload, and its signature.

Payload keys follow reference §8 (``Action``, ``Guid``, ``EntityType``, ``Id``, ``Fields``,
``EventTime``, ``SequenceNumber``, ``PersonID``). ``Fields`` is keyed by field name (the
reference leaves id-or-name unconfirmed).

Which text the ``X-Hook-Signature`` HMAC covers is unconfirmed (``AT-CALLOUT-SIGNED-TEXT``),
so the tenant option ``callout_signature`` offers both readings:

* ``"sent_bytes"`` (default): the body is serialized the .NET way (``&``, ``<``, ``>``, ``'``,
  ``"``, `` ` ``, ``+`` and non-ASCII as ``\\uXXXX``) and the signature covers exactly the
  bytes sent;
* ``"dotnet_rendering"``: the body is sent as plain UTF-8 JSON while the signature covers its
  .NET-escaped rendering, as n8n-nodes-autotask's signature helper assumes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import attrs

from autotask_fn.testing.autotask.schema import ticket_field_name
from autotask_fn.testing.autotask.tenant import Tenant
from autotask_fn.testing.contract import contract_rule, contract_value

_ESCAPED = set("\"&<>'`+")
#: System.Text.Json writes the backslash and these control characters with short escapes.
_SHORT = {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: The header and its ``sha1=<base64>`` format (vendor: Webhooks secret key verification page).
SIGNATURE_HEADER = contract_value("AT-CALLOUT-SIGNATURE", "X-Hook-Signature")
#: The two readings of which text is signed (see the module docstring).
SIGNATURE_MODES = contract_value("AT-CALLOUT-SIGNED-TEXT", ("sent_bytes", "dotnet_rendering"))


@attrs.frozen
class Callout:
    """One webhook delivery the fake would POST: target URL, exact body bytes, headers."""

    url: str
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> dict[str, Any]:
        """The decoded payload."""
        data: dict[str, Any] = json.loads(self.body)
        return data


@contract_rule("AT-CALLOUT-SIGNATURE")
def sign(secret: str, body: bytes) -> str:
    """``sha1=<base64(HMAC-SHA1(secret, body))>`` as in the ``X-Hook-Signature`` header."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha1).digest()
    return "sha1=" + base64.b64encode(digest).decode("ascii")


def _escape(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _SHORT:
            out.append(_SHORT[ch])
        elif ch in _ESCAPED or code < 0x20 or code > 0x7E:
            if code > 0xFFFF:
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
            else:
                out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def dotnet_json(value: Any) -> str:
    """Serialize like System.Text.Json's default encoder (compact, HTML-safe escapes)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{_escape(str(k))}:{dotnet_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dotnet_json(v) for v in value) + "]"
    if isinstance(value, str):
        return _escape(value)
    return json.dumps(value)


class Dispatcher:
    """Turns ticket changes into callouts in an outbox (nothing is sent over the network)."""

    def __init__(self) -> None:
        self.outbox: list[Callout] = []
        self._sequence: dict[int, int] = {}

    @contract_rule("AT-CALLOUT-PAYLOAD", "AT-CALLOUT-EXCLUDED-RESOURCE")
    def ticket_event(
        self,
        tenant: Tenant,
        action: str,
        old: Mapping[str, Any] | None,
        new: Mapping[str, Any],
        person_id: int,
    ) -> None:
        """Queue a callout for every active, ready webhook this event concerns."""
        for hook in tenant.all("TicketWebhooks"):
            if not hook.get("isActive") or not hook.get(f"isSubscribedTo{action}Events"):
                continue
            hook_id = int(hook["id"])
            excluded = {
                int(r["resourceID"]) for r in tenant.all("TicketWebhookExcludedResources")
                if r["webhookID"] == hook_id
            }
            if person_id in excluded:
                continue
            subscribed, always = _hook_fields(tenant, hook_id)
            if not subscribed:
                continue  # not ready: a callout needs at least one subscribed field
            if action == "Update":
                assert old is not None
                changed = [f for f in subscribed if old.get(f) != new.get(f)]
                if not changed:
                    continue
                names = changed + [f for f in always if f not in changed]
            else:
                names = subscribed + [f for f in always if f not in subscribed]
            self._sequence[hook_id] = self._sequence.get(hook_id, 0) + 1
            payload = {
                "Action": action,
                "Guid": hook["webhookGUID"],
                "EntityType": "Ticket",
                "Id": new["id"],
                "Fields": {name: new.get(name) for name in names},
                "EventTime": tenant.now(),
                "SequenceNumber": self._sequence[hook_id],
                "PersonID": person_id,
            }
            body, signed = render_callout(payload, tenant.options.callout_signature)
            headers = {"Content-Type": "application/json; charset=utf-8"}
            if hook.get("secretKey"):
                headers[SIGNATURE_HEADER] = sign(str(hook["secretKey"]), signed)
            self.outbox.append(Callout(str(hook["webhookUrl"]), body, headers))


@contract_rule("AT-CALLOUT-SIGNED-TEXT")
def render_callout(payload: Mapping[str, Any], mode: str) -> tuple[bytes, bytes]:
    """The bytes sent and the bytes signed, under one of :data:`SIGNATURE_MODES`."""
    escaped = dotnet_json(dict(payload)).encode("ascii")
    if mode == "sent_bytes":
        return escaped, escaped
    if mode == "dotnet_rendering":
        plain = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return plain.encode("utf-8"), escaped
    raise ValueError(f"callout_signature must be one of {SIGNATURE_MODES}, not {mode!r}")


def _hook_fields(tenant: Tenant, hook_id: int) -> tuple[list[str], list[str]]:
    subscribed: list[str] = []
    always: list[str] = []
    for row in tenant.all("TicketWebhookFields"):
        if row["webhookID"] != hook_id:
            continue
        name = ticket_field_name(int(row["fieldID"]))
        if name is None:
            continue
        if row.get("isSubscribedField"):
            subscribed.append(name)
        if row.get("isDisplayAlwaysField"):
            always.append(name)
    return subscribed, always
