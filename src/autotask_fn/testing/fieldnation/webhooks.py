"""Webhook registrations (the v3 API's data) and signed deliveries collected in an outbox.

A delivery is exactly what Field Nation would POST (reference §5): the 4-key body
``{"event": {"name", "params": {"work_order_id", "status_id", "previous_status_id"}},
"timestamp", "triggered_by_user": {"id"}, "workorder": {...}}`` and the headers
``X-FN-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`` (omitted when the webhook has
no secret: the docs only describe signing with one), ``X-FN-Webhook-Id``,
``X-FN-Delivery-Id: <uuid>:<attempt>``, ``X-FN-Event-Trace-Id``, ``X-FN-Request-Timestamp``
(unix ms) and ``Content-Type: application/json``, plus the webhook's custom headers.

Delivery is at-least-once: :meth:`WebhookHub.take` can add retries (same uuid, attempt + 1)
and shuffle, as the real service may redeliver and does not promise an order.

A webhook registered through the legacy API (:meth:`WebhookHub.register_legacy`) is signed
the legacy way instead: ``Fn-Hash: <hex md5(secret + body)>`` and no ``X-FN-Signature``.
A failed delivery retried by hand from the dashboard (:meth:`WebhookHub.retry_by_hand`) keeps
its original ``X-FN-Request-Timestamp`` (unconfirmed; the stricter reading for a receiver).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from autotask_fn._net import is_loopback_http
from autotask_fn._redact import redact_headers
from autotask_fn.testing.contract import contract_rule, contract_value
from autotask_fn.testing.fieldnation.clock import FakeClock
from autotask_fn.testing.fieldnation.problems import FakeApiError, not_found
from autotask_fn.testing.fieldnation.timefmt import iso

#: The v3 event names the reference confirms. Unconfirmed names (on_hold, postponed) are
#: refused at registration, and the fake never emits anything outside this list.
KNOWN_EVENTS = frozenset({
    "workorder.created", "workorder.status.draft", "workorder.status.published",
    "workorder.routed", "workorder.status.routed", "workorder.requested", "workorder.declined",
    "workorder.undeclined", "workorder.status.assigned", "workorder.status.confirmed",
    "workorder.status.assigned_cancelled", "workorder.status.on_my_way",
    "workorder.status.checked_in", "workorder.status.checked_out", "workorder.task_completed",
    "workorder.task_incomplete", "workorder.message_posted", "workorder.provider_upload",
    "workorder.custom_field_value_updated", "workorder.schedule_updated",
    "workorder.tag_added", "workorder.tag_removed", "workorder.part_updated",
    "workorder.status.at_risk", "workorder.status.delayed", "workorder.status.work_done",
    "workorder.status.approved", "workorder.status.paid", "workorder.status.cancelled",
    "workorder.status.deleted",
})
WEBHOOK_STATUSES = frozenset({"active", "inactive", "archived"})
#: Attempts before a delivery goes to the dead letters (reference §5: up to 8).
MAX_ATTEMPTS = contract_value("FN-WEBHOOK-RETRIES", 8)
#: Seconds a served fake waits for the receiver's answer (reference §5: 30 s).
DELIVERY_TIMEOUT = contract_value("FN-WEBHOOK-RETRIES", 30.0,
                                  name=__name__ + ".DELIVERY_TIMEOUT")
#: The first retry's delay; each later one doubles it (reference §5: 10, 20 ... 640 s).
FIRST_RETRY_DELAY = contract_value("FN-WEBHOOK-RETRIES", 10.0,
                                   name=__name__ + ".FIRST_RETRY_DELAY")


@contract_rule("FN-WEBHOOK-RETRIES")
def retry_delay(failed_attempt: int) -> float:
    """Seconds between a failed attempt and the next one: 10 s after the first, doubling
    (10, 20, 40, 80, 160, 320, 640: the 8th attempt comes about 21 minutes after the 1st)."""
    return float(FIRST_RETRY_DELAY * 2 ** (failed_attempt - 1))


@contract_rule("FN-WEBHOOK-HTTPS-URL")
def check_webhook_url(url: object) -> str:
    """A webhook URL Field Nation accepts: ``https://`` only. The fake also accepts plain
    ``http://`` to a loopback host (``127.0.0.1``, ``localhost``, ``[::1]``), so a test can
    register a host it serves without TLS; the real service refuses those."""
    secure = isinstance(url, str) and url.lower().startswith("https://") \
        and len(url) > len("https://")
    if not isinstance(url, str) or not (secure or is_loopback_http(url)):
        raise _invalid("'url' must be an HTTPS URL.")
    return url


@attrs.frozen(repr=False)
class Delivery:
    """One webhook request the fake would send: ``url``, raw ``body`` and ``headers``."""

    url: str
    body: bytes
    headers: dict[str, str]
    method: str = "POST"
    webhook_id: str = ""
    delivery_uuid: str = ""
    attempt: int = 1
    event: str = ""

    @property
    def delivery_id(self) -> str:
        """``<uuid>:<attempt>`` as in the ``X-FN-Delivery-Id`` header."""
        return f"{self.delivery_uuid}:{self.attempt}"

    def json(self) -> Any:
        """The decoded body."""
        return json.loads(self.body)

    def __repr__(self) -> str:
        headers = redact_headers(self.headers)
        return (f"Delivery(event={self.event!r}, url={self.url!r}, "
                f"delivery_id={self.delivery_id!r}, headers={headers!r})")


@attrs.define
class Webhook:
    """A registered webhook."""

    id: str
    url: str
    events: list[str]
    secret: str | None = attrs.field(repr=False)
    status: str
    method: str
    notification_email: str | None
    custom_headers: dict[str, str]
    created: datetime
    updated: datetime
    legacy: bool = False
    """Registered through the legacy API: deliveries carry ``Fn-Hash`` (md5)."""


@attrs.frozen
class DeliveryAttempt:
    """What a push handler answered: an HTTP status (0 when it raised) and the error text."""

    delivery: Delivery
    status: int
    error: str | None = None


def handler_status(result: Any) -> int:
    """Read a push handler's answer: an int, anything with ``status_code``, or None/True=200."""
    if result is None or result is True:
        return 200
    if result is False:
        return 500
    if isinstance(result, int):
        return result
    status = getattr(result, "status_code", None)
    if isinstance(status, int):
        return status
    raise TypeError("a delivery handler returns None, a bool, an int or a response")


#: The v3 signature header (vendor: Field Nation webhooks security page, reference §5).
SIGNATURE_HEADER = contract_value("FN-WEBHOOK-SIGNATURE", "X-FN-Signature")
#: The legacy signature header (vendor: legacy "Securing Webhooks" page).
LEGACY_HASH_HEADER = contract_value("FN-WEBHOOK-LEGACY-HASH", "Fn-Hash")


@contract_rule("FN-WEBHOOK-SIGNATURE")
def sign(secret: str, body: bytes) -> str:
    """``sha256=<lowercase hex HMAC-SHA256(secret, body)>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@contract_rule("FN-WEBHOOK-LEGACY-HASH")
def legacy_hash(secret: str, body: bytes) -> str:
    """``<lowercase hex md5(secret + body)>``, the ``Fn-Hash`` of a legacy webhook."""
    return hashlib.md5(secret.encode() + body, usedforsecurity=False).hexdigest()


def _signature_headers(hook: Webhook | None, body: bytes) -> dict[str, str]:
    if hook is None or not hook.secret:
        return {}
    if hook.legacy:
        return {LEGACY_HASH_HEADER: legacy_hash(hook.secret, body)}
    return {SIGNATURE_HEADER: sign(hook.secret, body)}


def _invalid(message: str) -> FakeApiError:
    return FakeApiError(422, message)


class WebhookHub:
    """Registrations, the outbox and the optional push handler."""

    def __init__(self, clock: FakeClock, company_id: int) -> None:
        self.clock = clock
        self.company_id = company_id
        self.webhooks: dict[str, Webhook] = {}
        self.outbox: list[Delivery] = []
        self.handler: Callable[[Delivery], Any] | None = None
        #: Every push to the handler, oldest first.
        self.attempts: list[DeliveryAttempt] = []
        #: Deliveries whose push failed with a 5xx, a timeout or an error: retried later.
        self.failed: list[Delivery] = []
        #: Deliveries given up on: any 4xx, or still failing after MAX_ATTEMPTS.
        self.dead_letters: list[Delivery] = []

    # -- registrations ---------------------------------------------------------------
    def register(self, payload: Any) -> Webhook:
        """Validate and store a webhook (422 on invalid input)."""
        body = payload if isinstance(payload, dict) else None
        if body is None:
            raise _invalid("The request body must be an object.")
        if "status" in body and body["status"] == "archived":
            raise _invalid("A webhook cannot be created archived.")
        now = self.clock.now()
        hook = Webhook(id=str(uuid.uuid4()), url="", events=[], secret=None, status="active",
                       method="post", notification_email=None, custom_headers={},
                       created=now, updated=now)
        self._apply(hook, body, creating=True)
        self.webhooks[hook.id] = hook
        return hook

    def register_legacy(self, url: str, events: list[str], secret: str | None) -> Webhook:
        """A webhook as the legacy API registered it (signed with ``Fn-Hash``)."""
        hook = self.register({"url": url, "events": events, "secret": secret})
        hook.legacy = True
        return hook

    def get(self, webhook_id: str) -> Webhook:
        """A webhook by id (404 when unknown)."""
        try:
            return self.webhooks[webhook_id]
        except KeyError:
            raise not_found(f"Webhook {webhook_id}") from None

    def update(self, webhook_id: str, payload: Any) -> Webhook:
        """Change the fields sent; archived webhooks are read-only."""
        hook = self.get(webhook_id)
        if hook.status == "archived":
            raise _invalid("An archived webhook cannot be changed.")
        if not isinstance(payload, dict):
            raise _invalid("The request body must be an object.")
        self._apply(hook, payload, creating=False)
        hook.updated = self.clock.now()
        return hook

    def delete(self, webhook_id: str) -> Webhook:
        """Remove a webhook."""
        hook = self.get(webhook_id)
        del self.webhooks[webhook_id]
        return hook

    def _apply(self, hook: Webhook, body: dict[str, Any], *, creating: bool) -> None:
        changes: dict[str, Any] = {}
        if creating or "url" in body:
            changes["url"] = check_webhook_url(body.get("url"))
        if creating or "events" in body:
            events = body.get("events")
            if not isinstance(events, list) or not events or \
                    not all(isinstance(e, str) for e in events):
                raise _invalid("'events' must be a non-empty list of event names.")
            unknown = sorted(set(events) - KNOWN_EVENTS)
            if unknown:
                raise _invalid("Unknown events: " + ", ".join(unknown) + ".")
            changes["events"] = list(dict.fromkeys(events))
        if "status" in body:
            if body["status"] not in WEBHOOK_STATUSES:
                raise _invalid("'status' must be active, inactive or archived.")
            changes["status"] = body["status"]
        if "method" in body:
            method = str(body["method"]).lower()
            if method not in {"post", "put"}:
                raise _invalid("'method' must be post or put.")
            changes["method"] = method
        if "secret" in body:
            secret = body["secret"]
            if secret is not None and (not isinstance(secret, str) or not secret):
                raise _invalid("'secret' must be a non-empty string.")
            changes["secret"] = secret
        if "notificationEmail" in body:
            changes["notification_email"] = body["notificationEmail"]
        if "webhookAttribute" in body:
            attribute = body["webhookAttribute"]
            header = attribute.get("header", {}) if isinstance(attribute, dict) else None
            if not isinstance(header, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in header.items()):
                raise _invalid("'webhookAttribute.header' must map names to strings.")
            if any(k.lower().startswith("x-fn-") for k in header):
                raise _invalid("Custom header names may not start with 'x-fn-'.")
            changes["custom_headers"] = dict(header)
        for key, value in changes.items():
            setattr(hook, key, value)

    def render(self, hook: Webhook) -> dict[str, Any]:
        """The API view of a webhook (the secret is never echoed; the docs do not say)."""
        return {
            "webhookId": hook.id, "companyId": self.company_id, "url": hook.url,
            "method": hook.method, "status": hook.status, "events": list(hook.events),
            "hasSecret": hook.secret is not None, "notificationEmail": hook.notification_email,
            "webhookAttribute": {"header": dict(hook.custom_headers)},
            "createdAt": iso(hook.created), "updatedAt": iso(hook.updated),
        }

    # -- deliveries ------------------------------------------------------------------
    def publish(self, event: str, work_order_id: int, status_id: int, previous_status_id: int,
                triggered_by: int, workorder: dict[str, Any]) -> list[Delivery]:
        """Queue one delivery per active webhook subscribed to ``event``."""
        if event not in KNOWN_EVENTS:  # pragma: no cover - a bug in the fake
            raise ValueError(f"the fake tried to emit an unknown event {event!r}")
        targets = [h for h in self.webhooks.values()
                   if h.status == "active" and event in h.events]
        if not targets:
            return []
        envelope = {
            "event": {"name": event, "params": {"work_order_id": work_order_id,
                                                "status_id": status_id,
                                                "previous_status_id": previous_status_id}},
            "timestamp": iso(self.clock.now()),
            "triggered_by_user": {"id": triggered_by},
            "workorder": workorder,
        }
        body = json.dumps(envelope, separators=(",", ":")).encode()
        trace = str(uuid.uuid4())
        made = [self._delivery(hook, body, str(uuid.uuid4()), 1, trace, event)
                for hook in targets]
        self.outbox.extend(made)
        return made

    @contract_rule("FN-WEBHOOK-DELIVERY-ID")
    def _delivery(self, hook: Webhook, body: bytes, delivery_uuid: str, attempt: int,
                  trace: str, event: str) -> Delivery:
        headers = dict(hook.custom_headers)
        headers.update({
            "Content-Type": "application/json",
            "X-FN-Webhook-Id": hook.id,
            "X-FN-Delivery-Id": f"{delivery_uuid}:{attempt}",
            "X-FN-Event-Trace-Id": trace,
            "X-FN-Request-Timestamp": str(int(self.clock.timestamp() * 1000)),
        })
        headers.update(_signature_headers(hook, body))
        return Delivery(url=hook.url, body=body, headers=headers, method=hook.method.upper(),
                        webhook_id=hook.id, delivery_uuid=delivery_uuid, attempt=attempt,
                        event=event)

    def retry_of(self, delivery: Delivery) -> Delivery:
        """The next attempt of ``delivery``: same body and uuid, ``attempt + 1``, re-stamped."""
        hook = self.webhooks.get(delivery.webhook_id)
        headers = dict(delivery.headers)
        headers["X-FN-Delivery-Id"] = f"{delivery.delivery_uuid}:{delivery.attempt + 1}"
        headers["X-FN-Request-Timestamp"] = str(int(self.clock.timestamp() * 1000))
        headers.update(_signature_headers(hook, delivery.body))
        return attrs.evolve(delivery, headers=headers, attempt=delivery.attempt + 1)

    @contract_rule("FN-WEBHOOK-MANUAL-RETRY")
    def retry_by_hand(self, delivery: Delivery) -> Delivery:
        """A failed delivery retried by a user from the dashboard, possibly long after: same
        body, uuid and signature, ``attempt + 1``, the original request timestamp kept."""
        headers = dict(delivery.headers)
        headers["X-FN-Delivery-Id"] = f"{delivery.delivery_uuid}:{delivery.attempt + 1}"
        return attrs.evolve(delivery, headers=headers, attempt=delivery.attempt + 1)

    @contract_rule("FN-WEBHOOK-RETRIES")
    def record(self, delivery: Delivery, status: int, error: str | None = None) -> None:
        """File a push outcome: 2xx done; 4xx dead; 5xx/0 retried until MAX_ATTEMPTS."""
        self.attempts.append(DeliveryAttempt(delivery, status, error))
        if 200 <= status < 300:
            return
        if 400 <= status < 500 or delivery.attempt >= MAX_ATTEMPTS:
            self.dead_letters.append(delivery)
        else:
            self.failed.append(delivery)

    def take(self, duplicate: float | int = 0.0, shuffle: bool = False,
             seed: int | None = None) -> list[Delivery]:
        """Drain the outbox, optionally adding retries and shuffling (see the fake's docs)."""
        taken, self.outbox = self.outbox, []
        rng = random.Random(seed)
        if isinstance(duplicate, bool):
            raise TypeError("duplicate must be a fraction (float) or a count (int)")
        if isinstance(duplicate, float):
            if not 0.0 <= duplicate <= 1.0:
                raise ValueError("a duplicate fraction must be between 0.0 and 1.0")
            chosen = [i for i in range(len(taken)) if rng.random() < duplicate]
        else:
            if duplicate < 0:
                raise ValueError("a duplicate count cannot be negative")
            chosen = [rng.randrange(len(taken)) for _ in range(duplicate)] if taken else []
        extra: dict[int, list[Delivery]] = {}
        for index in chosen:
            previous = extra.get(index, [taken[index]])[-1]
            extra.setdefault(index, []).append(self.retry_of(previous))
        out: list[Delivery] = []
        for index, delivery in enumerate(taken):
            out.append(delivery)
            out.extend(extra.get(index, []))
        if shuffle:
            rng.shuffle(out)
        return out
