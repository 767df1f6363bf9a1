"""Inbound: import an Autotask ticket (or service call, or project task) into a Field Nation
work order, by id or from an Autotask webhook callout.

:class:`TicketImporter` is what ``SyncService.import_ticket``, ``handle_autotask_webhook`` and
``process_pending`` (for inbox entries with ``source == "autotask"``) delegate to::

    result = TicketImporter(service=svc).import_ticket(ticket_id)
    result.work_order_id, result.created, result.changes

How an import runs, and why it is safe to repeat:

1. One GET of the ticket. Its marker field (``externalID``) says which work order it already
   has, even when the store was lost. If the link's last imported snapshot hash equals the
   ticket's (fields that change by themselves, like ``lastActivityDate``, left out) and
   nothing is pending, the import stops here: **one** Autotask call, no write anywhere.
2. Company, location and contact are read (one GET each, only those the ticket names;
   companies and locations are reused for ``reference_cache_seconds`` by later imports
   through the same client); picklist labels come from the client's metadata cache. The
   mapper validates everything here, so an error (no address, unknown picklist value)
   leaves nothing written.
3. First import: an intent row is stored, then the work order is created (draft unless
   settings say publish), linked (kind ``wo``, with the outbound sync's baseline snapshot,
   so outbound sync follows with no other step and never copies our text back), the marker
   ``[FN:<env>:wo:<id>]`` is written into the ticket and the intent is dropped. A retry
   after a crash between those steps adopts the work order it finds by the ticket number in
   ``incident_id``, so no second work order ever appears. Publishing and attachment copies
   come last and are recorded as pending in the link until they succeed.
4. Later imports send only the parts whose hash changed (one ``PUT``) under the work
   order's lock (the one the outbound sync takes), and record the new hashes in the link.

Known limits: contacts are sent on create only (Field Nation appends contacts; the
description carries the current one); a part that disappears (a due date or UDF emptied in
Autotask) leaves the work order's value as it was; changes to the company, location or
contact alone are picked up with the next change of the ticket itself.
"""

from __future__ import annotations

import base64
import binascii
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from autotask_fn import _observe, _otel
from autotask_fn.autotask.metadata import TTLCache
from autotask_fn.autotask.webhooks import (
    Callout,
    CalloutVerifier,
    WebhookPayloadError,
    WebhookSignatureError,
    parse_callout,
)
from autotask_fn.fieldnation.errors import FieldNationNotFoundError
from autotask_fn.fieldnation.wire import STATUS_DRAFT, STATUS_PUBLISHED, STATUS_ROUTED
from autotask_fn.mapping.inbound import (
    WORK_ORDER_PARTS,
    InboundMapper,
    InboundMappingError,
    InboundRecord,
    Picklists,
    part_hash,
)
from autotask_fn.mapping.markers import Marker, find_markers
from autotask_fn.store.base import InboxEntry, Link, LinkState, Scope, Store, scoped_key
from autotask_fn.sync import events
from autotask_fn.sync._scope import tenant_of
from autotask_fn.sync.errors import BusyError, WorkOrderBusyError
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.sync.reports import Action, WebhookAck
from autotask_fn.sync.settings import _attr

log = _observe.get_logger(__name__)

__all__ = [
    "ImportBusyError",
    "ImportResult",
    "InboundImportError",
    "ProjectTaskNotFoundError",
    "TicketImporter",
    "TicketNotFoundError",
    "TicketNotReadableError",
]

#: Link kind of a work order <-> ticket link (shared with the outbound sync).
WO_KIND = "wo"
#: Link kind of a ticket attachment copied into the work order (never sent back outbound).
ATTACHMENT_KIND = "at_attachment"
#: Ticket fields that change without anyone editing the ticket (left out of the snapshot hash).
VOLATILE_FIELDS = frozenset({
    "lastActivityDate", "lastActivityPersonType", "lastActivityResourceID",
    "lastTrackedModificationDateTime", "lastCustomerNotificationDateTime",
    "lastCustomerVisibleActivityDateTime", "lastActivityPersonID",
})
#: Reference data cached per Autotask client (``InboundSettings.reference_cache_seconds``).
REFERENCE_ENTITIES = frozenset({"Companies", "CompanyLocations"})
_REFERENCE_CACHES: weakref.WeakKeyDictionary[Any, TTLCache[tuple[str, int], dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)
#: Field Nation statuses before assignment: the only ones the action map acts in.
_BEFORE_ASSIGNMENT = frozenset({STATUS_DRAFT, STATUS_PUBLISHED, STATUS_ROUTED})


class InboundImportError(InboundMappingError):
    """An import cannot be done; ``field`` names the Autotask field (or setting) at fault."""


class TicketNotFoundError(InboundImportError):
    """No ticket (service call, project) with this id exists."""


class TicketNotReadableError(InboundImportError):
    """The API user may not read the record (403, or a line-of-business restriction)."""


class ProjectTaskNotFoundError(InboundImportError):
    """The project has no task with the configured title (``project_task_title``)."""


class ImportBusyError(BusyError):
    """Another worker is importing the same record right now; try again shortly."""


@attrs.frozen
class ImportResult:
    """What one import did."""

    entity: str
    """Imported Autotask entity (``Tickets``, ``ServiceCalls``, ``Projects``)."""
    id: int
    """Its id."""
    work_order_id: int | None
    """The linked work order (``None`` when the action map said not to create one)."""
    created: bool = False
    """True when this import created the work order."""
    changes: tuple[str, ...] = ()
    """Work order parts written (``title``, ``description``, ``cf:<id>``, ``action:cancel``,
    ``attachment:<id>`` ...); empty for a no-op import. ``deferred:attachment:<id>`` names an
    attachment not copied because the work order's folder list was not known to be complete
    (an earlier upload might be there): the next import tries again."""
    recovered: bool = False
    """True when the link was rebuilt from the ticket marker or an intent (lost store, crash)."""
    autotask_calls: int | None = None
    """Autotask requests this import made (when the client counts them)."""
    fieldnation_calls: int | None = None
    """Field Nation requests this import made (when the client counts them)."""
    left_out: tuple[str, ...] = ()
    """Autotask records seen but not imported, each with why (e.g. ``"attachment 5 (x.pdf):
    on ticket note 12"``: only the ticket's own attachments are imported)."""

    @property
    def wrote(self) -> bool:
        """True when anything was written to either side."""
        return self.created or any(not c.startswith("deferred:") for c in self.changes)


@attrs.define
class _Loaded:
    """A fetched source: the record for the mapper and where the link and marker go."""

    record: InboundRecord | None
    """``None`` when nothing changed since the last import (nothing else was fetched)."""
    anchor_entity: str
    anchor: Mapping[str, Any]
    source_hash: str
    marker_field: str | None
    entity: str
    id: int
    link: Link | None = None
    left_out: list[str] = attrs.Factory(list)
    """Autotask records this import did not carry over, each with why."""


def _stats_total(client: Any) -> int | None:
    """Requests a client sent so far (``client.stats.total``), if it counts them."""
    value = getattr(getattr(client, "stats", None), "total", None)
    return value if isinstance(value, int) else None


def _picklists(fields: Iterable[Any]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for info in fields:
        values = _attr(info, "picklist_values", "picklistValues") or ()
        if not values:
            continue
        out[str(_attr(info, "name"))] = {
            str(_attr(v, "value")): str(_attr(v, "label")) for v in values
        }
    return out


class TicketImporter:
    """Creates or updates the work order of one Autotask record (see the module docs).

    Build it from a ``SyncService`` (``TicketImporter(service=svc)``) or from the parts
    (``autotask``, ``fieldnation``, ``store``, ``scope``, ``settings``). ``mapper`` replaces
    the default :class:`InboundMapper` (subclass it to change one mapping).
    """

    def __init__(
        self,
        service: Any = None,
        *,
        autotask: Any = None,
        fieldnation: Any = None,
        store: Store | None = None,
        scope: Scope | None = None,
        settings: InboundSettings | None = None,
        mapper: InboundMapper | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.autotask: Any = (
            autotask if autotask is not None else getattr(service, "autotask", None)
        )
        self.fieldnation: Any = (
            fieldnation if fieldnation is not None else getattr(service, "fieldnation", None)
        )
        found_store = store if store is not None else getattr(service, "store", None)
        if self.autotask is None or self.fieldnation is None or found_store is None:
            raise TypeError("TicketImporter needs a service or autotask, fieldnation and store")
        self.store: Store = found_store
        self.settings = settings if settings is not None else _inbound_settings(service)
        self._field_lengths: Mapping[str, int] = getattr(
            getattr(service, "validated", None), "field_lengths", None) or {}
        self.scope = scope if scope is not None else _scope(service, self.autotask,
                                                            self.fieldnation)
        self.mapper = mapper or getattr(service, "inbound_mapper", None) or InboundMapper(
            self.settings)
        svc_clock = getattr(service, "clock", None)
        self.clock: Callable[[], float] = clock or (svc_clock if callable(svc_clock)
                                                    else time.time)
        self._owner = f"inbound-{uuid.uuid4().hex[:12]}"
        self._service = service
        self._outbound_mapper = getattr(service, "mapper", None)
        self._lock_ttl = float(getattr(getattr(service, "settings", None), "lock_ttl", 300.0))

    # ------------------------------------------------------------------ public entry points
    def import_ticket(self, ticket_id: int) -> ImportResult:
        """Import the configured service object with this id (a ticket unless
        ``InboundSettings.service_object`` says ServiceCalls or Projects)."""
        kind = self.settings.service_object
        if kind == "ServiceCalls":
            return self.import_service_call(ticket_id)
        if kind == "Projects":
            return self.import_project(ticket_id)
        return self._run("Tickets", int(ticket_id), self._load_ticket)

    def import_service_call(self, service_call_id: int) -> ImportResult:
        """Import a service call: its tickets (the first one is linked) and its company."""
        return self._run("ServiceCalls", int(service_call_id), self._load_service_call)

    def import_project(self, project_id: int) -> ImportResult:
        """Import a project through its company and the task named ``project_task_title``."""
        return self._run("Projects", int(project_id), self._load_project)

    def verify(self, raw_body: bytes, headers: Mapping[str, str]) -> Callout:
        """Check the signature and parse the callout.

        Raises :class:`~autotask_fn.autotask.webhooks.WebhookUnsignedError` (no signature, or
        no key configured), :class:`~autotask_fn.autotask.webhooks.WebhookSignatureError`
        (tampered body, wrong key) or :class:`~autotask_fn.autotask.webhooks.WebhookPayloadError`.
        """
        CalloutVerifier(self.settings.webhook_secrets).verify(raw_body, headers)
        return parse_callout(raw_body)

    def accept_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> WebhookAck:
        """Verify, filter and enqueue one Autotask callout; no API call (answers fast).

        The answer says what to return to Autotask: 401 for an unsigned or tampered callout
        (the typed error from :meth:`verify` is in ``reason``), 400 for a body that is not a
        callout, 200 for everything else, whether enqueued, a duplicate (same webhook GUID,
        entity id and sequence number), our own echo or an event that needs no import.
        """
        try:
            callout = self.verify(raw_body, headers)
        except WebhookSignatureError as exc:
            return WebhookAck(401, reason=f"{type(exc).__name__}: {exc}")
        except WebhookPayloadError as exc:
            return WebhookAck(400, reason=f"{type(exc).__name__}: {exc}")
        reason = self.ignore_reason(callout)
        if reason is not None:
            return WebhookAck(200, reason=reason)
        fresh = self.store.enqueue("autotask", callout.delivery_id, raw_body,
                                   {"content-type": "application/json"}, now=self.clock())
        return WebhookAck(200, duplicate=not fresh)

    def ignore_reason(self, callout: Callout) -> str | None:
        """Why a (verified) callout needs no import, or ``None`` when it does."""
        me = self.settings.api_resource_id
        if me is not None and callout.person_id == me:
            return "echo: caused by our own API resource"
        if callout.entity_type.lower() not in ("ticket", "tickets"):
            return f"not a ticket callout ({callout.entity_type})"
        if callout.action.lower() not in ("create", "update"):
            return f"{callout.action} callouts are not imported"
        return None

    def process_entry(self, entry: InboxEntry) -> ImportResult | None:
        """Do the import an inbox entry (``source == "autotask"``) asks for.

        Returns ``None`` for an entry that needs no import. Raises what the import raises;
        :class:`InboundImportError` is a ``SyncInputError`` (retrying will not help).
        """
        callout = parse_callout(entry.body)
        if self.ignore_reason(callout) is not None:
            return None
        kind = self.settings.service_object
        if kind == "Projects":
            return None  # project imports are asked for by id; ticket callouts do not apply
        if kind == "ServiceCalls":
            from autotask_fn.autotask.query import eq, parent_is

            calls = sorted({int(r["serviceCallID"]) for r in self.autotask.query(
                "ServiceCallTickets", eq("ticketID", callout.entity_id))
                if parent_is(r, "ticketID", callout.entity_id)})
            results = [self.import_service_call(call) for call in calls]
            return results[0] if results else None
        return self._run("Tickets", callout.entity_id, self._load_ticket)

    # ------------------------------------------------------------------ the import
    def _run(self, entity: str, source_id: int,
             load: Callable[[int], _Loaded]) -> ImportResult:
        """One import in an observation context and an ``autotask_fn.import`` span; the
        work order it writes is told to the service's event sink."""
        observe = getattr(self._service, "observe", None)
        ids: dict[str, int | str | None] = {
            "ticket_id" if entity == "Tickets" else "source_id": source_id,
            "source_entity": entity}
        with (observe(**ids) if callable(observe) else _observe.bind(ids)), _otel.span(
                "autotask_fn.import", {f"autotask_fn.{k}": v for k, v in ids.items()}):
            result = self._run_locked(entity, source_id, load)
            _observe.annotate(work_order_id=result.work_order_id)
            if result.work_order_id is not None and (result.created or result.wrote):
                action = Action.CREATED if result.created else Action.UPDATED
                log.info("%s %s: work order %s %s", entity, source_id, result.work_order_id,
                         action.value, extra={"kind": WO_KIND, "action": action.value})
                events.emit(getattr(self._service, "events", None), events.RecordWritten(
                    WO_KIND, action, "fieldnation", result.work_order_id,
                    source_id if entity == "Tickets" else None, None, result.work_order_id))
            return result

    def _run_locked(self, entity: str, source_id: int,
                    load: Callable[[int], _Loaded]) -> ImportResult:
        lock_key = scoped_key(self.scope, "inbound-lock", entity, source_id)
        if not self.store.try_lock(lock_key, self._owner, 300.0, now=self.clock()):
            raise ImportBusyError(f"{entity} {source_id} is being imported by another worker")
        at0, fn0 = _stats_total(self.autotask), _stats_total(self.fieldnation)
        try:
            result = self._import(entity, source_id, load)
        finally:
            self.store.unlock(lock_key, self._owner)
        at1, fn1 = _stats_total(self.autotask), _stats_total(self.fieldnation)
        return attrs.evolve(
            result,
            autotask_calls=None if at0 is None or at1 is None else at1 - at0,
            fieldnation_calls=None if fn0 is None or fn1 is None else fn1 - fn0,
        )

    def _import(self, entity: str, source_id: int,
                load: Callable[[int], _Loaded]) -> ImportResult:
        loaded = load(source_id)
        link = loaded.link
        if loaded.record is None:  # nothing changed since the last import
            return ImportResult(entity, source_id, link.work_order_id if link else None)
        recovered = False
        if link is None:
            link = self._recover_link(loaded)
            recovered = link is not None
        parts = self.mapper.parts(loaded.record)
        action = self.mapper.action(loaded.record)
        if link is None:
            if action == "cancel":
                return ImportResult(entity, source_id, None)
            return self._create(loaded, parts, action)
        return self._update(loaded, link, parts, action, recovered)

    def _create(self, loaded: _Loaded, parts: Mapping[str, Any],
                action: str | None) -> ImportResult:
        intent_key = self._intent_key(loaded.entity, loaded.id)
        self.store.put_intent(intent_key, {
            "op": "create_work_order", "entity": loaded.entity, "id": loaded.id,
            "incident_id": parts.get("incident_id"), "at": self.clock(),
            "title": parts.get("title"),
        })
        payload = self.mapper.create_payload(parts)
        custom = _custom_fields(parts)
        if custom:
            payload["custom_fields"] = custom
        wo = self.fieldnation.create_work_order(payload)
        wo_id = int(wo.id)
        pending = {"publish"} if self.settings.publish or action == "publish" else set()
        if self.settings.import_attachments:
            pending.add("attachments")
        link = self._save_link(loaded, wo_id, parts, previous=None, wo=wo, written=parts,
                               pending=pending)
        self._write_marker(loaded, wo_id)
        self.store.delete_intent(intent_key)
        changes = ["create", *self._finish(loaded, link, fresh=True)]
        return ImportResult(loaded.entity, loaded.id, wo_id, created=True,
                            changes=tuple(changes), left_out=tuple(loaded.left_out))

    def _finish(self, loaded: _Loaded, link: Link, *, fresh: bool) -> list[str]:
        """Do the steps left after the work order is linked and marked (publish, attachments).

        They are recorded as pending in the link first, so a failure here is retried by the
        next import even when the ticket did not change.
        """
        pending = set(link.data.get("inbound", {}).get("pending", ()))
        if not pending:
            return []
        changes: list[str] = []
        if "publish" in pending:
            if fresh:
                self.fieldnation.publish(link.work_order_id)
                changes.append("action:publish")
            elif self._apply_action(link.work_order_id, "publish"):
                changes.append("action:publish")
        left: list[str] = []
        if "attachments" in pending:
            changes.extend(self._import_attachments(loaded, link))
            if any(c.startswith("deferred:") for c in changes):
                left.append("attachments")  # the next import tries them again
        data = dict(link.data)
        data["inbound"] = {**data.get("inbound", {}), "pending": left}
        self.store.save_link(attrs.evolve(link, data=data))
        return changes

    def _update(self, loaded: _Loaded, link: Link, parts: Mapping[str, Any],
                action: str | None, recovered: bool) -> ImportResult:
        # The outbound sync of this work order writes the same link: hold its lock, and
        # work from the link as stored now.
        key = scoped_key(self.scope, WO_KIND, link.work_order_id)
        if not self.store.try_lock(key, self._owner, self._lock_ttl, now=self.clock()):
            raise WorkOrderBusyError(link.work_order_id)
        try:
            if not recovered:
                link = self.store.get_link(self.scope, WO_KIND, link.fn_id) or link
            return self._update_locked(loaded, link, parts, action, recovered)
        finally:
            self.store.unlock(key, self._owner)

    def _update_locked(self, loaded: _Loaded, link: Link, parts: Mapping[str, Any],
                       action: str | None, recovered: bool) -> ImportResult:
        wo_id = link.work_order_id
        previous = dict(link.data.get("inbound", {}).get("parts", {}))
        changed = self.mapper.changed_parts(parts, previous)
        changed.pop("contacts", None)  # Field Nation appends contacts: sent on create only
        payload = {k: v for k, v in changed.items() if k in WORK_ORDER_PARTS}
        custom = _custom_fields(changed)
        if custom:
            payload["custom_fields"] = custom
        changes: list[str] = []
        applied = link.data.get("inbound", {}).get("action")
        if action is not None and applied != action and self._apply_action(wo_id, action):
            changes.append(f"action:{action}")
            applied = action
        if applied == "cancel":
            payload = {}  # we cancelled it: a cancelled work order takes no edits
        wo = None
        if payload:
            wo = self.fieldnation.update_work_order(wo_id, payload)
            changes.extend(sorted(changed))
        pending = set(link.data.get("inbound", {}).get("pending", ()))
        if self.settings.import_attachments:
            pending.add("attachments")  # a changed ticket may carry new attachments
        link = self._save_link(loaded, wo_id, parts, previous=link, wo=wo, written=changed,
                               action=action if changes and action else None, pending=pending)
        self._write_marker(loaded, wo_id)
        self.store.delete_intent(self._intent_key(loaded.entity, loaded.id))
        changes.extend(self._finish(loaded, link, fresh=False))
        return ImportResult(loaded.entity, loaded.id, wo_id, changes=tuple(changes),
                            recovered=recovered, left_out=tuple(loaded.left_out))

    def _apply_action(self, wo_id: int, action: str) -> bool:
        """Apply an action-map action if the work order is not assigned yet."""
        wo = self.fieldnation.get_work_order(wo_id)
        status_id = wo.status.id if wo.status is not None else None
        if wo.assignee is not None or status_id not in _BEFORE_ASSIGNMENT:
            return False
        if action == "cancel":
            self.fieldnation.cancel_work_order(wo_id, self.settings.cancel_reason)
        elif action == "publish" and status_id == STATUS_DRAFT:
            self.fieldnation.publish(wo_id)
        elif action == "unpublish" and status_id == STATUS_PUBLISHED:
            self.fieldnation.unpublish(wo_id)
        else:
            return False
        return True

    # ------------------------------------------------------------------ links and markers
    def _intent_key(self, entity: str, source_id: int) -> str:
        return scoped_key(self.scope, "inbound", entity, source_id)

    def _save_link(self, loaded: _Loaded, wo_id: int, parts: Mapping[str, Any], *,
                   previous: Link | None, wo: Any = None, written: Iterable[str] = (),
                   action: str | None = None, pending: Iterable[str] = ()) -> Link:
        base = dict(previous.data) if previous is not None else {}
        old = dict(base.get("inbound", {}))
        if wo is not None:
            base["snapshot"] = self._outbound_snapshot(base.get("snapshot"), wo, written)
        inbound = {
            "source": {"entity": loaded.entity, "id": loaded.id},
            "source_hash": loaded.source_hash,
            "parts": self.mapper.part_hashes(parts),
            "action": action if action is not None else old.get("action"),
            "pending": sorted(pending),
        }
        base["inbound"] = inbound
        link = Link(
            scope=self.scope, kind=WO_KIND, fn_id=str(wo_id), at_entity=loaded.anchor_entity,
            at_id=int(loaded.anchor["id"]), work_order_id=wo_id,
            content_hash=previous.content_hash if previous is not None else "",
            state=previous.state if previous is not None else LinkState.OK,
            data=base,
        )
        return self.store.save_link(link)

    def _outbound_snapshot(self, previous: Any, wo: Any, written: Iterable[str]
                           ) -> dict[str, Any]:
        """The outbound sync's baseline after our write: what we wrote counts as synced.

        Without this, the outbound sync would see the title and description we just wrote as
        Field Nation edits and copy them back into the ticket (our description header
        included). Facts we did not write keep their previous baseline, so a provider's edit
        made meanwhile still flows outbound.
        """
        mapper = self._outbound_mapper
        if mapper is None:
            from autotask_fn.mapping.outbound import OutboundMapper

            mapper = self._outbound_mapper = OutboundMapper()
        fresh: dict[str, Any] = dict(mapper.snapshot(wo))
        if not isinstance(previous, Mapping):
            return fresh
        out = dict(previous)
        for part in written:
            key = "custom_fields" if part.startswith("cf:") else part
            if key in fresh:
                out[key] = fresh[key]
        return out

    def marker(self, wo_id: int) -> Marker:
        """The marker naming a work order, as written into the ticket."""
        return Marker(self.scope.fn_env, WO_KIND, str(wo_id))

    def _marker_wo_id(self, loaded: _Loaded) -> int | None:
        if loaded.marker_field is None:
            return None
        text = loaded.anchor.get(loaded.marker_field)
        for marker in find_markers(text, env=self.scope.fn_env, kind=WO_KIND):
            try:
                return int(marker.id)
            except ValueError:
                continue
        return None

    def _write_marker(self, loaded: _Loaded, wo_id: int) -> None:
        field = loaded.marker_field
        if field is None:
            return
        marker = self.marker(wo_id)
        current = str(loaded.anchor.get(field) or "")
        if marker.in_text(current):
            return
        others = [m.text for m in find_markers(current, env=self.scope.fn_env, kind=WO_KIND)]
        for text in others:
            current = current.replace(text, "")
        current = " ".join(current.split())
        limit = self._field_lengths.get(f"Tickets.{field}") or 50
        value = f"{current} {marker.text}" if current else marker.text
        if len(value) > limit:
            value = marker.text
        self.autotask.update(loaded.anchor_entity, {"id": int(loaded.anchor["id"]), field: value})

    def _recover_link(self, loaded: _Loaded) -> Link | None:
        """Find the work order of a record whose link is missing: the marker, else the
        reference number (after a recorded intent, or for records without a marker field)."""
        wo_id = self._marker_wo_id(loaded)
        if wo_id is None:
            intent = self.store.get_intent(self._intent_key(loaded.entity, loaded.id))
            if intent is not None:
                incident = str(intent.get("incident_id") or "")
            elif loaded.marker_field is None and loaded.record is not None:
                # No marker field (project tasks): the reference number is the only trace.
                incident = self.mapper.number(loaded.record)
            else:
                return None
            wo_id = self._find_by_incident(incident)
            if wo_id is None and intent is not None:
                # incident_id is in no published Field Nation model (FN-SHAPE-INCIDENT-ID):
                # a create whose answer was lost is also found by its title and time.
                wo_id = self._find_by_intent(intent)
            if wo_id is None:
                return None
        else:
            try:
                self.fieldnation.get_work_order(wo_id, columns=["id"])
            except FieldNationNotFoundError:  # the marked work order is gone: import afresh
                return None
        return Link(scope=self.scope, kind=WO_KIND, fn_id=str(wo_id),
                    at_entity=loaded.anchor_entity, at_id=int(loaded.anchor["id"]),
                    work_order_id=wo_id, data={})

    def _find_by_intent(self, intent: Mapping[str, Any]) -> int | None:
        """The one unlinked work order with the intended title created since the intent
        (a minute of clock skew allowed); ``None`` when there is none or more than one."""
        title, at = intent.get("title"), intent.get("at")
        if not title or not isinstance(at, int | float):
            return None
        since = datetime.fromtimestamp(float(at) - 60, UTC).strftime("%Y-%m-%d %H:%M:%S")
        found = {int(wo.id) for wo in self.fieldnation.iter_work_orders({"created": since})
                 if wo.title == title
                 and self.store.get_link(self.scope, WO_KIND, str(wo.id)) is None}
        return found.pop() if len(found) == 1 else None

    def _find_by_incident(self, incident_id: str) -> int | None:
        # f_incident_id is not a documented filter (the API may refuse or ignore it), so the
        # whole list is read (``workorders_all``, never the sticky one) and every work order
        # is checked here before it is adopted. Only a record without a marker gets here.
        if not incident_id:
            return None
        found = [int(wo.id) for wo in self.fieldnation.iter_work_orders(
                     {"list": "workorders_all"})
                 if wo.incident_id == incident_id]
        return min(found) if found else None

    # ------------------------------------------------------------------ attachments
    def _import_attachments(self, loaded: _Loaded, link: Link) -> list[str]:
        if not self.settings.import_attachments or loaded.anchor_entity != "Tickets":
            return []
        from autotask_fn.autotask.attachments import ticket_attachments

        ticket_id = int(loaded.anchor["id"])
        listing = ticket_attachments(self.autotask, ticket_id)
        if listing.left_out:
            reasons = listing.left_out_reasons()
            loaded.left_out.extend(reasons)
            _observe.get_logger("autotask_fn.sync").info(
                "ticket %d: %d attachment(s) not imported (not on the ticket itself): %s",
                ticket_id, len(reasons), "; ".join(reasons))
        todo = []
        for row in listing.own:
            if str(row.get("attachmentType") or "FILE_ATTACHMENT") != "FILE_ATTACHMENT":
                continue
            if any(True for _ in find_markers(str(row.get("title") or ""))):
                continue  # a file we sent to Autotask ourselves
            if self.store.find_link_by_autotask(self.scope, ATTACHMENT_KIND,
                                                "TicketAttachments", int(row["id"])):
                continue
            todo.append(row)
        if not todo:
            return []
        folder_id = self._documents_folder(link.work_order_id)
        changes = []
        uploaded: dict[str, tuple[int, int]] | None = None  # notes -> (file id, size)
        listed_in_full = False
        for row in todo:
            at_id = int(row["id"])
            # The upload's notes name the Autotask attachment, and an intent is stored before
            # it: an upload whose answer was lost is found again instead of sent twice.
            tag = Marker(self.scope.fn_env, ATTACHMENT_KIND, str(at_id)).text
            intent_key = self._intent_key("TicketAttachments", at_id)
            found = None
            if self.store.get_intent(intent_key) is not None:
                if uploaded is None:
                    folders = self.fieldnation.list_folders(link.work_order_id)
                    listed_in_full = getattr(folders, "complete", False) is True
                    uploaded = {str(f.notes): (int(f.id), int(f.size_bytes or 0))
                                for folder in folders
                                for f in folder.files if f.id is not None and f.notes}
                found = uploaded.get(tag)
                if found is None and not listed_in_full:
                    # The earlier upload may sit in a folder this read did not show: upload
                    # nothing now (the intent stays, the next import looks again).
                    log.warning("attachment %s: folder list incomplete; upload deferred", at_id)
                    changes.append(f"deferred:attachment:{at_id}")
                    continue
            if found is None:
                # Query rows carry no bytes (data is null): only a GET by id has them.
                full = self.autotask.get("TicketAttachments", at_id)
                content = _decode(full.get("data") if full else None)
                if content is None:
                    continue
                name = str(row.get("fullPath") or row.get("title") or f"attachment-{at_id}")
                self.store.put_intent(intent_key, {"work_order_id": link.work_order_id,
                                                   "folder_id": folder_id})
                att = self.fieldnation.upload_file(link.work_order_id, folder_id,
                                                   name.rsplit("/", 1)[-1], content, notes=tag)
                found = (int(att.id or 0), len(content))
            self.store.save_link(Link(
                scope=self.scope, kind=ATTACHMENT_KIND, fn_id=str(found[0]),
                at_entity="TicketAttachments", at_id=at_id,
                work_order_id=link.work_order_id, content_hash=part_hash(found[1]),
            ))
            self.store.delete_intent(intent_key)
            changes.append(f"attachment:{at_id}")
        return changes

    def _documents_folder(self, wo_id: int) -> int:
        wanted = self.settings.attachment_folder.strip().lower()
        folders = self.fieldnation.list_folders(wo_id)
        for folder in folders:
            if str(folder.name or "").strip().lower() == wanted:
                return int(folder.id)
        for folder in folders:
            if str(folder.type or "").lower() == "document":
                return int(folder.id)
        return int(self.fieldnation.create_folder(wo_id, self.settings.attachment_folder).id)

    # ------------------------------------------------------------------ loading
    def _get(self, entity: str, record_id: int, *, field: str, owner: str,
             owner_id: int) -> dict[str, Any]:
        from autotask_fn.autotask.errors import AutotaskNotFoundError, AutotaskPermissionError

        cache = self._reference_cache() if entity in REFERENCE_ENTITIES else None
        if cache is not None:
            cached = cache.get((entity, record_id))
            if cached is not None:
                return dict(cached)
        try:
            record = self.autotask.get(entity, record_id)
        except AutotaskPermissionError:
            raise TicketNotReadableError(
                f"{entity} {record_id}: the API user may not read it ({owner}.{field})",
                field=field, entity=owner, entity_id=owner_id) from None
        except AutotaskNotFoundError:
            record = None
        if record is None:
            raise TicketNotFoundError(f"{entity} {record_id} does not exist ({owner}.{field})",
                                      field=field, entity=owner, entity_id=owner_id)
        if cache is not None:
            cache.set((entity, record_id), dict(record))
        return dict(record)

    def _reference_cache(self) -> TTLCache[tuple[str, int], dict[str, Any]] | None:
        """Companies and locations, cached per Autotask client for a few minutes."""
        ttl = self.settings.reference_cache_seconds
        if ttl <= 0:
            return None
        try:
            cache = _REFERENCE_CACHES.get(self.autotask)
            if cache is None or cache.ttl != ttl:
                cache = _REFERENCE_CACHES[self.autotask] = TTLCache(ttl)
        except TypeError:  # a client that cannot be weakly referenced: no cache
            return None
        return cache

    def _metadata(self, entity: str) -> tuple[Picklists, Picklists]:
        picklists = _picklists(self.autotask.fields(entity))
        udf_picklists: Picklists = {}
        if self.settings.field_map:
            udf_picklists = _picklists(self.autotask.udfs(entity))
        return picklists, udf_picklists

    def _related(self, owner: Mapping[str, Any], owner_entity: str
                 ) -> tuple[dict[str, Any] | None, dict[str, Any] | None,
                            dict[str, Any] | None]:
        oid = int(owner["id"])
        found: list[dict[str, Any] | None] = []
        for entity, field in (("Companies", "companyID"), ("CompanyLocations", "companyLocationID"),
                              ("Contacts", "contactID")):
            raw = owner.get(field)
            if raw is None or raw == "":  # 0 is a real id (the tenant's root company)
                found.append(None)
                continue
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            if isinstance(raw, bool) or not (isinstance(raw, int) or (
                    isinstance(raw, str) and raw.strip().isdecimal())):
                raise InboundImportError(
                    f"{owner_entity} {oid}: {field} {str(raw)[:40]!r} is not a record id",
                    field=field, entity=owner_entity, entity_id=oid)
            found.append(self._get(entity, int(raw), field=field, owner=owner_entity,
                                   owner_id=oid))
        company, location, contact = found
        return company, location, contact

    def _start(self, entity: str, source_id: int, anchor_entity: str,
               anchor: Mapping[str, Any], marker_field: str | None,
               *records: Mapping[str, Any] | None) -> _Loaded:
        """The loaded source without its record yet; ``unchanged`` tells whether to go on."""
        link = self.store.find_link_by_autotask(self.scope, WO_KIND, anchor_entity,
                                                int(anchor["id"]))
        return _Loaded(None, anchor_entity, anchor, self._snapshot_hash(*records),
                       marker_field, entity, source_id, link)

    @staticmethod
    def _unchanged(loaded: _Loaded, marker: Marker | None) -> bool:
        """True when the last import saw exactly this snapshot and the marker is in place."""
        link = loaded.link
        inbound = link.data.get("inbound", {}) if link is not None else {}
        if inbound.get("source_hash") != loaded.source_hash or inbound.get("pending"):
            return False
        if loaded.marker_field is None or marker is None:
            return True
        return marker.in_text(str(loaded.anchor.get(loaded.marker_field) or ""))

    def _is_unchanged(self, loaded: _Loaded) -> bool:
        link = loaded.link
        return self._unchanged(loaded, None if link is None else self.marker(link.work_order_id))

    def _snapshot_hash(self, *records: Mapping[str, Any] | None) -> str:
        drop = VOLATILE_FIELDS | {self.settings.marker_field}
        return part_hash([
            None if r is None else {k: v for k, v in r.items() if k not in drop}
            for r in records
        ])

    def _load_ticket(self, ticket_id: int) -> _Loaded:
        ticket = self._get("Tickets", ticket_id, field="id", owner="Tickets", owner_id=ticket_id)
        loaded = self._start("Tickets", ticket_id, "Tickets", ticket,
                             self.settings.marker_field, ticket)
        return self._complete(loaded, ticket, "Tickets", ticket)

    def _complete(self, loaded: _Loaded, owner: Mapping[str, Any], metadata_entity: str,
                  ticket: Mapping[str, Any], **extra: Any) -> _Loaded:
        """Unless nothing changed, read what the mapper needs beyond the fetched records:
        picklists (cached), and the company, location and contact ``owner`` names."""
        if self._is_unchanged(loaded):
            return loaded
        picklists, udf_picklists = self._metadata(metadata_entity)
        company, location, contact = self._related(owner, loaded.entity)
        loaded.record = InboundRecord(
            entity=loaded.entity, id=loaded.id, ticket=ticket, company=company,
            location=location, contact=contact, picklists=picklists,
            udf_picklists=udf_picklists, **extra,
        )
        return loaded

    def _load_service_call(self, call_id: int) -> _Loaded:
        from autotask_fn.autotask.query import eq, in_, parent_is

        call = self._get("ServiceCalls", call_id, field="id", owner="ServiceCalls",
                         owner_id=call_id)
        links = [r for r in self.autotask.query("ServiceCallTickets",
                                                eq("serviceCallID", call_id))
                 if parent_is(r, "serviceCallID", call_id)]
        ids = sorted({int(r["ticketID"]) for r in links if r.get("ticketID")})
        if not ids:
            raise TicketNotFoundError(f"service call {call_id} has no tickets",
                                      field="ServiceCallTickets", entity="ServiceCalls",
                                      entity_id=call_id)
        tickets = sorted(self.autotask.query("Tickets", in_("id", ids)),
                         key=lambda t: int(t["id"]))
        if not tickets:
            raise TicketNotReadableError(
                f"service call {call_id}: the API user may not read its tickets {ids}",
                field="ticketID", entity="ServiceCalls", entity_id=call_id)
        primary = dict(tickets[0])
        loaded = self._start("ServiceCalls", call_id, "Tickets", primary,
                             self.settings.marker_field, call, *tickets)
        owner = {**call, "contactID": primary.get("contactID")}
        return self._complete(loaded, owner, "Tickets", primary, service_call=call,
                              tickets=[dict(t) for t in tickets])

    def _load_project(self, project_id: int) -> _Loaded:
        from autotask_fn.autotask.query import eq, parent_is

        project = self._get("Projects", project_id, field="id", owner="Projects",
                            owner_id=project_id)
        title = self.settings.project_task_title
        tasks = [t for t in self.autotask.query("Tasks", [eq("projectID", project_id),
                                                          eq("title", title)])
                 if str(t.get("title") or "").strip().lower() == title.strip().lower()
                 and parent_is(t, "projectID", project_id)]
        if not tasks:
            raise ProjectTaskNotFoundError(
                f"project {project_id} has no task titled {title!r}",
                field="project_task_title", entity="Projects", entity_id=project_id)
        task = dict(min(tasks, key=lambda t: int(t["id"])))
        loaded = self._start("Projects", project_id, "Tasks", task, None, project, task)
        return self._complete(loaded, project, "Tasks", task, project=project)


# ---------------------------------------------------------------------- helpers
def _custom_fields(parts: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"id": int(k[3:]), "value": v} for k, v in parts.items() if k.startswith("cf:")]


def _decode(data: Any) -> bytes | None:
    if data is None:
        return None
    if isinstance(data, bytes):
        return data
    try:
        return base64.b64decode(str(data), validate=False)
    except (binascii.Error, ValueError):
        return None


def _inbound_settings(service: Any) -> InboundSettings:
    settings = getattr(service, "settings", None)
    for candidate in (settings, getattr(settings, "settings", None)):
        inbound = getattr(candidate, "inbound", None)
        if isinstance(inbound, InboundSettings):
            return inbound
    return InboundSettings()


def _scope(service: Any, autotask: Any, fieldnation: Any) -> Scope:
    scope = getattr(service, "scope", None)
    if isinstance(scope, Scope):
        return scope
    env = str(getattr(fieldnation, "environment_name", "custom"))
    return Scope(fn_env=env, at_tenant=tenant_of(autotask))
