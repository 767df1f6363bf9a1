"""Field Nation webhooks: parse and verify deliveries, and manage registrations (reference §5).

Receiving::

    verifier = WebhookVerifier([current_secret, previous_secret])
    event = verifier.parse(request_body_bytes, request.headers)   # verify, then parse
    if store.seen(event.delivery_id): return 200                   # at-least-once delivery

:func:`parse_delivery` is lenient about the documented envelope variants (the four-key envelope
``event``/``timestamp``/``triggered_by_user``/``workorder`` and the migration guide's
``eventId``/``eventName``/``workOrderId``/``data`` shape; ``work_order_id`` as string or int;
``x-fn-event-name``/``x-fn-timestamp`` header variants) and strict about missing essentials:
the event name and the work order id, reported as :class:`WebhookPayloadError` naming the field.
No other exception type escapes it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

import attrs

from autotask_fn._json import BodyError, load_body
from autotask_fn._net import is_loopback_http
from autotask_fn.errors import ConfigurationError
from autotask_fn.fieldnation.errors import FieldNationError
from autotask_fn.fieldnation.models import WorkOrder, parse_fn_datetime, structure, to_int
from autotask_fn.fieldnation.wire import WEBHOOKS_PATH

if TYPE_CHECKING:
    from autotask_fn.fieldnation._http import HttpCore


class WebhookPayloadError(FieldNationError):
    """A delivery could not be read; ``field`` names what is missing or malformed."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"webhook delivery: {field}: {problem}")


class WebhookSignatureError(FieldNationError):
    """A delivery's ``X-FN-Signature`` (or, when allowed, legacy ``Fn-Hash``) is missing,
    malformed or does not match any secret."""


class WebhookStaleError(WebhookSignatureError):
    """A correctly signed delivery's ``X-FN-Request-Timestamp`` is older than the verifier's
    ``max_age`` (or too far in the future). Raised only after the signature matched, so a host
    may still accept it: ``SyncService`` queues such late (e.g. hand-retried) deliveries."""


class Events:
    """Webhook v3 event names (reference §5). Names for on-hold/postponed are unconfirmed."""

    WORK_ORDER_CREATED: Final = "workorder.created"
    STATUS_DRAFT: Final = "workorder.status.draft"
    STATUS_PUBLISHED: Final = "workorder.status.published"
    ROUTED: Final = "workorder.routed"
    STATUS_ROUTED: Final = "workorder.status.routed"
    REQUESTED: Final = "workorder.requested"
    DECLINED: Final = "workorder.declined"
    UNDECLINED: Final = "workorder.undeclined"
    STATUS_ASSIGNED: Final = "workorder.status.assigned"
    STATUS_CONFIRMED: Final = "workorder.status.confirmed"
    STATUS_ASSIGNED_CANCELLED: Final = "workorder.status.assigned_cancelled"
    STATUS_ON_MY_WAY: Final = "workorder.status.on_my_way"
    STATUS_CHECKED_IN: Final = "workorder.status.checked_in"
    STATUS_CHECKED_OUT: Final = "workorder.status.checked_out"
    TASK_COMPLETED: Final = "workorder.task_completed"
    TASK_INCOMPLETE: Final = "workorder.task_incomplete"
    MESSAGE_POSTED: Final = "workorder.message_posted"
    PROVIDER_UPLOAD: Final = "workorder.provider_upload"
    CUSTOM_FIELD_VALUE_UPDATED: Final = "workorder.custom_field_value_updated"
    SCHEDULE_UPDATED: Final = "workorder.schedule_updated"
    TAG_ADDED: Final = "workorder.tag_added"
    TAG_REMOVED: Final = "workorder.tag_removed"
    PART_UPDATED: Final = "workorder.part_updated"
    STATUS_AT_RISK: Final = "workorder.status.at_risk"
    STATUS_DELAYED: Final = "workorder.status.delayed"
    STATUS_WORK_DONE: Final = "workorder.status.work_done"
    STATUS_APPROVED: Final = "workorder.status.approved"
    STATUS_PAID: Final = "workorder.status.paid"
    STATUS_CANCELLED: Final = "workorder.status.cancelled"
    STATUS_DELETED: Final = "workorder.status.deleted"

    @classmethod
    def all(cls) -> tuple[str, ...]:
        """Every confirmed event name."""
        return tuple(v for k, v in vars(cls).items() if k.isupper() and isinstance(v, str))


@attrs.frozen(kw_only=True)
class FieldNationEvent:
    """One webhook delivery, read.

    ``delivery_id`` is the de-duplication key: the uuid part of ``X-FN-Delivery-Id``
    (``<uuid>:<attempt>``), else the body's ``eventId``, else ``sha256:<hex of the body>`` (the
    reference documents no other id; duplicates are byte-identical re-sends).
    """

    name: str
    work_order_id: int
    status_id: int | None = None
    previous_status_id: int | None = None
    timestamp: datetime | None = None
    triggered_by_user_id: int | None = None
    delivery_id: str
    attempt: int | None = None
    webhook_id: str | None = None
    work_order: WorkOrder | None = attrs.field(default=None, repr=False)
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False)


def _lower_headers(headers: Mapping[str, str] | Any) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        items = list(headers.items())
    except AttributeError:
        raise WebhookPayloadError("headers", "not a mapping") from None
    for key, value in items:
        if isinstance(key, bytes):
            key = key.decode("latin-1")
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(key, str) and isinstance(value, str):
            out[key.lower()] = value
    return out


def _as_bytes(body: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    raise WebhookPayloadError("body", "must be the raw request bytes")


def _ms_timestamp(value: str) -> datetime | None:
    try:
        ms = float(value.strip())
        return datetime.fromtimestamp(ms / 1000.0, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_delivery(body: bytes | str, headers: Mapping[str, str]) -> FieldNationEvent:
    """Read a webhook delivery (raw body and headers, any header case).

    Does not verify the signature: use :meth:`WebhookVerifier.parse` for that.
    Raises :class:`WebhookPayloadError` (and nothing else) when the delivery cannot be read.
    """
    data = _as_bytes(body)
    hdrs = _lower_headers(headers)
    try:
        payload = load_body(data)
    except BodyError as exc:
        raise WebhookPayloadError("body", str(exc)) from None
    if not isinstance(payload, dict):
        raise WebhookPayloadError("body", "not a JSON object")
    try:
        return _parse(payload, data, hdrs)
    except WebhookPayloadError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, RecursionError, OverflowError) as e:
        raise WebhookPayloadError("body", f"unreadable ({type(e).__name__})") from None


def _parse(payload: dict[str, Any], data: bytes, hdrs: dict[str, str]) -> FieldNationEvent:
    event = payload.get("event")
    ev = _dict(event)
    params = _dict(ev.get("params"))
    v3_data = _dict(payload.get("data"))
    workorder_obj = _first(
        payload.get("workorder") if isinstance(payload.get("workorder"), dict) else None,
        v3_data.get("workorder") if isinstance(v3_data.get("workorder"), dict) else None,
        v3_data.get("workOrder") if isinstance(v3_data.get("workOrder"), dict) else None,
    )
    wo = _dict(workorder_obj)

    name = _first(ev.get("name"), event if isinstance(event, str) else None,
                  payload.get("eventName"), hdrs.get("x-fn-event-name"))
    if not isinstance(name, str) or not name.strip():
        raise WebhookPayloadError("event.name", "missing")

    raw_wo_id = _first(params.get("work_order_id"), payload.get("workOrderId"),
                       payload.get("work_order_id"), v3_data.get("work_order_id"),
                       v3_data.get("workOrderId"), wo.get("id"))
    if raw_wo_id is None:
        raise WebhookPayloadError("work_order_id", "missing")
    work_order_id = to_int(raw_wo_id)
    if work_order_id is None or work_order_id <= 0:
        raise WebhookPayloadError("work_order_id", "not a positive integer")

    timestamp = parse_fn_datetime(payload.get("timestamp")) if isinstance(
        payload.get("timestamp"), str) else None
    if timestamp is None and "x-fn-timestamp" in hdrs:
        timestamp = parse_fn_datetime(hdrs["x-fn-timestamp"])
    if timestamp is None and "x-fn-request-timestamp" in hdrs:
        timestamp = _ms_timestamp(hdrs["x-fn-request-timestamp"])

    delivery_id, attempt = None, None
    header_id = hdrs.get("x-fn-delivery-id", "").strip()
    if header_id:
        uuid_part, _, attempt_part = header_id.partition(":")
        delivery_id = uuid_part.strip() or None
        attempt = to_int(attempt_part)
    if delivery_id is None and payload.get("eventId") is not None:
        delivery_id = str(payload["eventId"])
    if delivery_id is None:
        delivery_id = "sha256:" + hashlib.sha256(data).hexdigest()

    triggered = payload.get("triggered_by_user")
    triggered_id = to_int(_dict(triggered).get("id")) if isinstance(triggered, dict) else to_int(
        triggered)

    status_src = params or v3_data
    work_order = None
    if wo:
        try:
            work_order = structure({**wo, "id": wo.get("id", work_order_id)}, WorkOrder)
        except ValueError:
            work_order = None

    return FieldNationEvent(
        name=name.strip(), work_order_id=work_order_id,
        status_id=to_int(status_src.get("status_id")),
        previous_status_id=to_int(status_src.get("previous_status_id")),
        timestamp=timestamp, triggered_by_user_id=triggered_id,
        delivery_id=delivery_id, attempt=attempt,
        webhook_id=hdrs.get("x-fn-webhook-id") or None,
        work_order=work_order, raw=payload,
    )


_SIGNATURE_RE = re.compile(r"^sha256=([0-9a-fA-F]{64})$")
_MD5_RE = re.compile(r"^[0-9a-fA-F]{32}$")
#: Header of webhooks registered through the legacy API: md5(secret + body) in hex.
LEGACY_HASH_HEADER = "Fn-Hash"


class WebhookVerifier:
    """Verifies ``X-FN-Signature: sha256=<hex>`` (HMAC-SHA256 of the raw body).

    Args:
        secrets: every currently valid webhook secret (several during a rotation).
        max_age: reject deliveries whose ``X-FN-Request-Timestamp`` (unix ms) is older. The
            timestamp is not signed and FN retries for about 21 minutes, so the default (24 h)
            only drops replays of old captures; ``None`` disables the check. A delivery
            without the header passes this check (an unsigned header proves nothing either way).
        clock: seconds since the epoch.
        max_skew: how far in the future a timestamp may be.
        legacy_md5: also accept deliveries of webhooks registered through the legacy API,
            signed with ``Fn-Hash: md5(secret + body)`` in hex (used only when the delivery has
            no ``X-FN-Signature``). Off by default: md5 is a weak hash, so turn it on only while
            such webhooks remain, and move them to the v3 API.
    """

    def __init__(self, secrets: Sequence[str], max_age: timedelta | None = timedelta(hours=24),
                 clock: Callable[[], float] = time.time,
                 max_skew: timedelta = timedelta(minutes=5), *,
                 legacy_md5: bool = False) -> None:
        if isinstance(secrets, str):
            raise ConfigurationError("WebhookVerifier takes a list of secrets, not one string")
        keys = [s.encode("utf-8") for s in secrets if isinstance(s, str) and s]
        if not keys or len(keys) != len(secrets):
            raise ConfigurationError(
                "WebhookVerifier needs at least one non-empty secret (the one given when the "
                "webhook was registered)")
        self._keys = tuple(keys)
        self.max_age = max_age
        self.max_skew = max_skew
        self.legacy_md5 = legacy_md5
        self._clock = clock

    def __repr__(self) -> str:
        return (f"WebhookVerifier(secrets=<{len(self._keys)} hidden>, max_age={self.max_age!r}, "
                f"legacy_md5={self.legacy_md5!r})")

    def verify(self, body: bytes | str, headers: Mapping[str, str]) -> None:
        """Raise :class:`WebhookSignatureError` (or :class:`WebhookStaleError`) unless valid."""
        data = _as_bytes(body)
        hdrs = _lower_headers(headers)
        header = hdrs.get("x-fn-signature")
        if header is None and LEGACY_HASH_HEADER.lower() in hdrs:
            self._verify_legacy(data, hdrs[LEGACY_HASH_HEADER.lower()])
            self._check_age(hdrs)
            return
        if header is None:
            raise WebhookSignatureError("X-FN-Signature header is missing")
        match = _SIGNATURE_RE.match(header.strip())
        if match is None:
            raise WebhookSignatureError("X-FN-Signature is not 'sha256=<64 hex digits>'")
        given = match.group(1).lower().encode("ascii")
        ok = False
        for key in self._keys:
            expected = hmac.new(key, data, hashlib.sha256).hexdigest().encode("ascii")
            ok = hmac.compare_digest(expected, given) or ok
        if not ok:
            raise WebhookSignatureError("X-FN-Signature does not match any configured secret")
        self._check_age(hdrs)

    def _verify_legacy(self, data: bytes, header: str) -> None:
        if not self.legacy_md5:
            raise WebhookSignatureError(
                "the delivery is signed with the legacy Fn-Hash (md5), which is not accepted: "
                "set legacy_webhook_signing (WebhookVerifier(legacy_md5=True)) or register the "
                "webhook through the v3 API")
        value = header.strip()
        if _MD5_RE.match(value) is None:
            raise WebhookSignatureError("Fn-Hash is not 32 hex digits")
        given = value.lower().encode("ascii")
        ok = False
        for key in self._keys:
            expected = hashlib.md5(key + data, usedforsecurity=False).hexdigest()
            ok = hmac.compare_digest(expected.encode("ascii"), given) or ok
        if not ok:
            raise WebhookSignatureError("Fn-Hash does not match any configured secret")

    def _check_age(self, hdrs: Mapping[str, str]) -> None:
        if self.max_age is None:
            return
        raw = hdrs.get("x-fn-request-timestamp")
        if raw is None:
            return
        sent = _ms_timestamp(raw)
        if sent is None:
            raise WebhookSignatureError("X-FN-Request-Timestamp is not unix milliseconds")
        now = datetime.fromtimestamp(self._clock(), UTC)
        if now - sent > self.max_age:
            raise WebhookStaleError(f"delivery is older than {self.max_age}")
        if sent - now > self.max_skew:
            raise WebhookStaleError("delivery timestamp is in the future")

    def parse(self, body: bytes | str, headers: Mapping[str, str]) -> FieldNationEvent:
        """Verify the delivery, then read it (:func:`parse_delivery`)."""
        self.verify(body, headers)
        return parse_delivery(body, headers)


def sign(body: bytes, secret: str) -> str:
    """The ``X-FN-Signature`` value Field Nation sends for ``body`` (for tests and tools)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def legacy_hash(body: bytes, secret: str) -> str:
    """The ``Fn-Hash`` value of a legacy webhook: hex md5 of the secret then the body."""
    return hashlib.md5(secret.encode("utf-8") + body, usedforsecurity=False).hexdigest()


# --------------------------------------------------------------------------- registration


@attrs.frozen(kw_only=True)
class WebhookRegistration:
    """A registered webhook (v3 API). The secret is never part of the repr."""

    webhook_id: str
    url: str | None = None
    events: tuple[str, ...] = ()
    status: str | None = None
    method: str | None = None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_api(cls, obj: Mapping[str, Any]) -> WebhookRegistration:
        """Read a webhook object (``webhookId``, or legacy ``_id``/``id``)."""
        wid = _first(obj.get("webhookId"), obj.get("webhook_id"), obj.get("id"), obj.get("_id"))
        if wid is None:
            raise ValueError("webhook object has no webhookId")
        events = obj.get("events")
        return cls(webhook_id=str(wid), url=_str(obj.get("url")),
                   events=tuple(str(e) for e in events) if isinstance(events, list) else (),
                   status=_str(obj.get("status")), method=_str(obj.get("method")),
                   raw=dict(obj))


def _webhook_path(webhook_id: str) -> str:
    return f"{WEBHOOKS_PATH}/{quote(str(webhook_id), safe='')}"


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


class WebhookAPI:
    """``/api/v1/webhooks`` (Bearer token): register, list, get and delete webhooks."""

    def __init__(self, core: HttpCore) -> None:
        self._core = core

    def _result(self, body: Any, method: str) -> Any:
        if isinstance(body, Mapping):
            for key in ("result", "results", "data"):
                if key in body:
                    return body[key]
        if body is None:
            return None
        raise FieldNationError("unexpected webhooks answer", method=method,
                               url=self._core.url(WEBHOOKS_PATH))

    def register(self, url: str, events: Sequence[str], secret: str | None = None, *,
                 method: str = "post", status: str = "active",
                 notification_email: str | None = None) -> WebhookRegistration:
        """Register ``url`` for ``events``. Field Nation rejects plain-HTTP URLs; so do we.

        The one exception is a client talking to a local fake (its base URL is plain
        ``http://`` on a loopback host, e.g. ``autotask-fn fake-server``): it may register a
        loopback ``http://`` URL, so a test can point the fake at a host it serves.
        """
        if not url.lower().startswith("https://") and not (
                is_loopback_http(url) and is_loopback_http(self._core.base_url)):
            raise ValueError("Field Nation only delivers webhooks to https:// URLs")
        if isinstance(events, str) or not events:
            raise ValueError("register at least one event (a list of Events constants)")
        payload: dict[str, Any] = {"url": url, "method": method, "status": status,
                                   "events": list(events)}
        if secret:
            payload["secret"] = secret
        if notification_email:
            payload["notificationEmail"] = notification_email
        body = self._core.json("POST", WEBHOOKS_PATH, json=payload, auth="bearer")
        return self._read(self._result(body, "POST"), "POST")

    def list(self) -> list[WebhookRegistration]:
        """Every webhook of the company."""
        result = self._result(self._core.json("GET", WEBHOOKS_PATH, auth="bearer"), "GET")
        if isinstance(result, Mapping):
            result = result.get("results", result.get("webhooks", []))
        items = result if isinstance(result, list) else []
        return [self._read(item, "GET") for item in items if isinstance(item, Mapping)]

    def get(self, webhook_id: str) -> WebhookRegistration:
        """One webhook."""
        body = self._core.json("GET", _webhook_path(webhook_id), auth="bearer")
        return self._read(self._result(body, "GET"), "GET")

    def delete(self, webhook_id: str) -> None:
        """Delete a webhook."""
        self._core.request("DELETE", _webhook_path(webhook_id), auth="bearer")

    def _read(self, obj: Any, method: str) -> WebhookRegistration:
        if not isinstance(obj, Mapping):
            raise FieldNationError("webhooks answer has no webhook object", method=method,
                                   url=self._core.url(WEBHOOKS_PATH))
        try:
            return WebhookRegistration.from_api(obj)
        except ValueError as exc:
            raise FieldNationError(str(exc), method=method,
                                   url=self._core.url(WEBHOOKS_PATH)) from None
