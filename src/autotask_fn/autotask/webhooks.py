"""Autotask webhook callouts (Autotask -> us): verification, parsing, and TicketWebhook helpers.

Autotask POSTs a JSON body to the callout URL and signs it::

    X-Hook-Signature: sha1=<base64(HMAC-SHA1(secretKey, raw body))>

Verify the raw body, before parsing. Which text Autotask signs is not settled: the vendor page
says the body; a public integration (n8n-nodes-autotask, its webhook signature helper; its
issue 6 about recurring invalid signatures is open) found that the HMAC is taken over the body
re-rendered the way .NET's JSON serializer escapes strings (:func:`dotnet_rendering`).
:class:`CalloutVerifier` accepts either form, both compared in constant time, and several keys
while one is rotated: Autotask drops a callout after 5 failed deliveries and deactivates the
webhook after 25, so a wrong refusal is costly. Secret keys never appear in reprs or errors.

The helpers :func:`create_ticket_webhook` and :func:`remove_ticket_webhook` set up (and take
down) a ``TicketWebhooks`` callout with its required ``deactivationUrl``, the subscribed fields
(given by field id) and the excluded API resource, so our own writes cause no callout.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import attrs

from autotask_fn._json import BodyError, load_body
from autotask_fn.errors import AutotaskFnError

#: Header carrying the signature (matched case-insensitively).
SIGNATURE_HEADER = "X-Hook-Signature"
_PREFIX = "sha1="


class AutotaskWebhookError(AutotaskFnError):
    """A callout could not be accepted."""


class WebhookSignatureError(AutotaskWebhookError):
    """The callout's signature is wrong (tampered body or wrong secret key)."""


class WebhookUnsignedError(WebhookSignatureError):
    """The callout carries no ``X-Hook-Signature`` header (or no key is configured)."""


class WebhookPayloadError(AutotaskWebhookError):
    """The (correctly signed) body is not a callout we understand."""


def sign(body: bytes, secret_key: str) -> str:
    """The ``X-Hook-Signature`` value Autotask sends for ``body`` (used by the fake and tests)."""
    digest = hmac.new(secret_key.encode("utf-8"), body, hashlib.sha1).digest()
    return _PREFIX + base64.b64encode(digest).decode("ascii")


#: Characters .NET's default JSON encoder writes as ``\uXXXX`` inside strings (HTML-sensitive
#: ones and ``+``); everything above ``~`` is escaped too.
_DOTNET_ESCAPED = frozenset("&<>'`+")


def _u_escape(ch: str) -> str:
    code = ord(ch)
    if code > 0xFFFF:  # written as a UTF-16 surrogate pair, like .NET and JavaScript
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"
    return f"\\u{code:04X}"


def dotnet_rendering(text: str) -> str:
    """``text`` (a JSON document) with its strings escaped the way .NET's JSON serializer
    escapes them: ``&``, ``<``, ``>``, ``'``, `` ` ``, ``+`` and every character above ``~``
    become ``\\uXXXX`` (upper-case hex), an escaped quote becomes ``\\u0022``; other escapes
    and everything outside strings are kept as they are."""
    out: list[str] = []
    in_string = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if not in_string:
            in_string = ch == '"'
            out.append(ch)
        elif ch == "\\":
            following = text[i + 1:i + 2]
            out.append("\\u0022" if following == '"' else ch + following)
            i += 2
            continue
        elif ch == '"':
            in_string = False
            out.append(ch)
        elif ch in _DOTNET_ESCAPED or ord(ch) > 0x7E:
            out.append(_u_escape(ch))
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _signed_forms(body: bytes) -> tuple[bytes, bytes]:
    """The raw body and its .NET re-rendering (the raw body again when it is not UTF-8)."""
    try:
        return body, dotnet_rendering(body.decode("utf-8")).encode("utf-8")
    except UnicodeDecodeError:
        return body, body


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lname = name.lower()
    for key, value in headers.items():
        if key.lower() == lname:
            return value
    return None


class CalloutVerifier:
    """Checks ``X-Hook-Signature`` against one or more secret keys, in constant time."""

    def __init__(self, secret_keys: str | Iterable[str]) -> None:
        keys = (secret_keys,) if isinstance(secret_keys, str) else tuple(secret_keys)
        self._keys = tuple(k for k in keys if k)

    def __repr__(self) -> str:
        return f"CalloutVerifier(keys={len(self._keys)})"

    def verify(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Raise :class:`WebhookUnsignedError` or :class:`WebhookSignatureError` unless the
        body was signed with one of the keys."""
        given = _header(headers, SIGNATURE_HEADER)
        if not given or not given.strip():
            raise WebhookUnsignedError("Autotask callout without X-Hook-Signature header")
        if not self._keys:
            raise WebhookUnsignedError(
                "no Autotask webhook secret key configured (InboundSettings.webhook_secrets)"
            )
        given_bytes = given.strip().encode("utf-8")
        forms = _signed_forms(_body_bytes(body))
        ok = False
        for key in self._keys:
            for form in forms:
                # Every key and both forms are compared (no early exit): the timing says
                # nothing about which matched.
                ok |= hmac.compare_digest(sign(form, key).encode("ascii"), given_bytes)
        if not ok:
            raise WebhookSignatureError("Autotask callout signature does not match the body")


@attrs.frozen
class Callout:
    """One parsed Autotask webhook callout."""

    action: str
    """``Create``, ``Update`` or ``Delete``."""
    guid: str
    """The webhook's GUID."""
    entity_type: str
    """``Ticket``, ``TicketNote`` ..."""
    entity_id: int
    fields: Mapping[str, Any]
    """Changed subscribed fields plus display-always fields."""
    event_time: str | None
    sequence_number: int | None
    person_id: int | None
    """Resource that caused the event."""
    raw: Mapping[str, Any] = attrs.field(repr=False)

    @property
    def delivery_id(self) -> str:
        """De-duplication key: webhook GUID, entity id and sequence number."""
        return f"{self.guid}:{self.entity_id}:{self.sequence_number}"


def _get(data: Mapping[str, Any], name: str) -> Any:
    lname = name.lower()
    for key, value in data.items():
        if key.lower() == lname:
            return value
    return None


def _opt_int(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    # Whole numbers only: True, 1.7, Infinity (json.loads reads 1e999 as inf) or "1_0" are not
    # ids; int() would turn them into 1, 1, OverflowError and 10.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if text.removeprefix("-").isdecimal():
        return int(text)
    raise WebhookPayloadError(f"callout field {name} is not an integer")


def _body_bytes(body: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    raise WebhookPayloadError("the callout body must be the raw request bytes")


def parse_callout(body: bytes) -> Callout:
    """Parse a callout body (verify it first). Keys are matched case-insensitively.

    Raises :class:`WebhookPayloadError` (and nothing else) when the body cannot be read.
    """
    try:
        data = load_body(_body_bytes(body))
    except BodyError as exc:
        raise WebhookPayloadError(f"Autotask callout body: {exc}") from None
    if not isinstance(data, dict):
        raise WebhookPayloadError("Autotask callout body is not a JSON object")
    action = _get(data, "Action")
    entity_id = _opt_int(_get(data, "Id"), "Id")
    if not action or entity_id is None:
        raise WebhookPayloadError("Autotask callout lacks Action or Id")
    if entity_id <= 0:
        raise WebhookPayloadError("callout field Id is not a positive integer")
    fields = _get(data, "Fields")
    return Callout(
        action=str(action),
        guid=str(_get(data, "Guid") or ""),
        entity_type=str(_get(data, "EntityType") or ""),
        entity_id=entity_id,
        fields=fields if isinstance(fields, dict) else {},
        event_time=None if _get(data, "EventTime") is None else str(_get(data, "EventTime")),
        sequence_number=_opt_int(_get(data, "SequenceNumber"), "SequenceNumber"),
        person_id=_opt_int(_get(data, "PersonID"), "PersonID"),
        raw=data,
    )


# -- TicketWebhook set-up ------------------------------------------------------------------
class _WebhookClient(Protocol):
    def create(
        self, entity: str, fields: Mapping[str, Any], parent_id: int | None = None
    ) -> int: ...

    def delete(self, entity: str, id: int, parent_id: int | None = None) -> None: ...


@attrs.frozen
class TicketWebhook:
    """A TicketWebhooks callout as created by :func:`create_ticket_webhook`."""

    id: int
    name: str
    webhook_url: str
    deactivation_url: str
    field_ids: tuple[int, ...]
    excluded_resource_ids: tuple[int, ...]


def create_ticket_webhook(
    client: _WebhookClient,
    *,
    name: str,
    webhook_url: str,
    deactivation_url: str,
    secret_key: str,
    field_ids: Sequence[int],
    excluded_resource_ids: Sequence[int] = (),
    display_always_field_ids: Sequence[int] = (),
    udf_field_ids: Sequence[int] = (),
    subscribe_create: bool = True,
    subscribe_update: bool = True,
    notification_email: str | None = None,
) -> TicketWebhook:
    """Create a TicketWebhook with its subscribed fields and excluded resources.

    ``field_ids`` are Autotask internal field ids (how to find them is not documented; pass
    them explicitly). ``udf_field_ids`` subscribes user-defined fields through the
    ``UdfFields`` child (its ``udfFieldID`` field name is unconfirmed in the reference). Pass
    the API user's resource id in ``excluded_resource_ids`` so our own writes cause no
    callout. At least one subscribed field is required by Autotask.
    """
    if not field_ids and not udf_field_ids:
        raise AutotaskWebhookError("a TicketWebhook needs at least one subscribed field id")
    subscribed = set(field_ids)
    if not deactivation_url:
        raise AutotaskWebhookError("a TicketWebhook needs a deactivationUrl")
    fields: dict[str, Any] = {
        "name": name[:50],
        "webhookUrl": webhook_url,
        "deactivationUrl": deactivation_url,
        "secretKey": secret_key,
        "isActive": True,
        "isSubscribedToCreateEvents": subscribe_create,
        "isSubscribedToUpdateEvents": subscribe_update,
        "isSubscribedToDeleteEvents": False,
        "sendThresholdExceededNotification": True,
    }
    if notification_email:
        fields["notificationEmailAddress"] = notification_email
    webhook_id = client.create("TicketWebhooks", fields)
    always = set(display_always_field_ids)
    for field_id in dict.fromkeys([*field_ids, *display_always_field_ids]):
        client.create(
            "TicketWebhookFields",
            {"webhookID": webhook_id, "fieldID": field_id,
             "isSubscribedField": field_id in subscribed,
             "isDisplayAlwaysField": field_id in always},
            parent_id=webhook_id,
        )
    for udf_id in udf_field_ids:
        client.create(
            "TicketWebhookUdfFields",
            {"webhookID": webhook_id, "udfFieldID": udf_id, "isSubscribedField": True,
             "isDisplayAlwaysField": False},
            parent_id=webhook_id,
        )
    for resource_id in excluded_resource_ids:
        client.create(
            "TicketWebhookExcludedResources",
            {"webhookID": webhook_id, "resourceID": resource_id},
            parent_id=webhook_id,
        )
    return TicketWebhook(
        id=webhook_id, name=fields["name"], webhook_url=webhook_url,
        deactivation_url=deactivation_url, field_ids=tuple(field_ids),
        excluded_resource_ids=tuple(excluded_resource_ids),
    )


def remove_ticket_webhook(client: _WebhookClient, webhook_id: int) -> None:
    """Delete a TicketWebhook (its fields and excluded resources go with it)."""
    client.delete("TicketWebhooks", webhook_id)


__all__ = [
    "SIGNATURE_HEADER",
    "AutotaskWebhookError",
    "Callout",
    "CalloutVerifier",
    "TicketWebhook",
    "WebhookPayloadError",
    "WebhookSignatureError",
    "WebhookUnsignedError",
    "create_ticket_webhook",
    "dotnet_rendering",
    "parse_callout",
    "remove_ticket_webhook",
    "sign",
]
