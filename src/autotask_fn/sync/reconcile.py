"""The reconcile core: pluggable per-kind reconcilers over one work order's current state.

A sync of one work order reads its current Field Nation state once and hands a
:class:`WorkOrderContext` to every :class:`Reconciler` in turn. A reconciler

1. gives a :meth:`~Reconciler.fingerprint` of the Field Nation facts it depends on and,
   optionally, ``mapped(ctx)``: what its mappers make of them, with no Autotask call (pure;
   the service skips the whole work order when neither changed: a quiet sweep costs no
   Autotask call, and a deployed mapper whose output differs re-syncs), and
2. :meth:`~Reconciler.reconcile`\\ s those facts against the link store, appending
   :class:`~autotask_fn.sync.reports.Change`\\ s to the context.

:class:`RecordReconciler` does the work for kinds made of many records (time entries, notes,
expense items, charges, attachments): a subclass only says which records
it *wants* (:meth:`RecordReconciler.desired`); the base plans creates, updates and deletes from
the links and executes them exactly once:

* content hashes in the links: unchanged content is never written again;
* an intent is stored before every create, and the first create of a ticket+kind, any create
  after an ambiguous failure, and any create with a leftover intent first runs **one** query
  for the ticket's records of that kind and adopts those carrying the wanted marker;
* a locked record turns its link ``diverged``; a record deleted in Autotask turns it
  ``unlinked``; a ticket that is gone raises :class:`~autotask_fn.sync.errors.TicketGoneError`;
* nothing is deleted because its Field Nation record is missing from a list that is not known
  to be complete (:attr:`RecordReconciler.source`): the deletion is skipped and reported.
"""

from __future__ import annotations

import hashlib
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from autotask_fn import _observe
from autotask_fn.autotask.errors import (
    AutotaskError,
    AutotaskNotFoundError,
    AutotaskValidationError,
)
from autotask_fn.mapping.outbound import MappedRecord
from autotask_fn.store.base import Link, LinkState, Scope, scoped_key
from autotask_fn.sync import events
from autotask_fn.sync.errors import SyncInputError, TicketGoneError
from autotask_fn.sync.reports import Action, Change

if TYPE_CHECKING:
    from autotask_fn.fieldnation.models import Message, WorkOrder
    from autotask_fn.sync.locks import HeldLock
    from autotask_fn.sync.service import SyncService
    from autotask_fn.sync.settings import ValidatedSettings

log = _observe.get_logger(__name__)
#: The actions that wrote to Autotask (each is told to the service's event sink).
WRITES = frozenset({Action.CREATED, Action.UPDATED, Action.DELETED})

__all__ = [
    "LOCKED_TEXT",
    "Reconciler",
    "RecordReconciler",
    "WorkOrderContext",
    "content_hash",
    "same_value",
]

#: Autotask error text that means "this record can no longer be changed". The wordings are
#: not documented (contract row AT-LOCKED-TEXT): robust keywords, so a new phrasing of the
#: same refusal is still recognised; an unrecognised refusal stays a typed error (a create is
#: dead-lettered with the text, an update's link turns diverged with it).
LOCKED_TEXT = re.compile(
    r"(?i)\block|approv(ed|al)|billed|posted|submitted|invoiced|no longer|read[- ]?only"
    r"|(cannot|can ?not|may not|can't) be (modified|edited|updated|deleted|changed|added)"
    r"|not (be )?(editable|modifiable)")


def content_hash(value: Any) -> str:
    """A stable hash of JSON-able content (what was written, or Field Nation facts)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _norm(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        # Decimal too: Decimal("12.10") == 12.1 is False (the float is not exactly 12.1)
        return round(float(value), 4)
    if isinstance(value, str):
        text = value.strip()
        if re.match(r"^\d{4}-\d{2}-\d{2}T", text):
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return text
            if parsed.tzinfo is not None:  # compare instants: 09:00+02:00 is 07:00Z
                parsed = parsed.astimezone(UTC)
            return parsed.replace(tzinfo=None).isoformat()
        try:
            return round(float(text), 4)
        except ValueError:
            return text
    return value


def same_value(ours: Any, theirs: Any) -> bool:
    """True if a value we would write equals what Autotask holds (dates, numbers normalised)."""
    return bool(_norm(ours) == _norm(theirs))


@attrs.define(eq=False)
class WorkOrderContext:
    """One work order being reconciled: its Field Nation state and its work order link.

    ``data`` is the mutable copy of the work order link's ``data`` (snapshot, cached ticket
    role, marker scans done); the service saves it after every reconciler. ``cache`` is
    scratch space for one sync (lazily fetched Field Nation collections, scan results).
    """

    service: SyncService
    work_order: WorkOrder
    link: Link
    data: dict[str, Any]
    changes: list[Change] = attrs.field(factory=list)
    cache: dict[str, Any] = attrs.field(factory=dict)
    lock: HeldLock | None = None
    rejected: dict[tuple[str, str], SyncInputError] = attrs.field(factory=dict)

    @property
    def ticket_id(self) -> int:
        """The linked Autotask ticket."""
        return self.link.at_id

    @property
    def work_order_id(self) -> int:
        """The Field Nation work order."""
        return self.work_order.id

    @property
    def scope(self) -> Scope:
        """The (Field Nation environment, Autotask tenant) pair."""
        return self.service.scope

    @property
    def env(self) -> str:
        """Field Nation environment name, as used in markers."""
        return self.scope.fn_env

    @property
    def settings(self) -> ValidatedSettings:
        """The validated settings."""
        return self.service.validated

    @property
    def messages(self) -> list[Message]:
        """The work order's messages (one Field Nation GET, made at most once per sync)."""
        if "messages" not in self.cache:
            self.cache["messages"] = self.service.fieldnation.list_messages(self.work_order.id)
        result: list[Message] = self.cache["messages"]
        return result

    def listed_in_full(self, source: str | None) -> bool:
        """True when the Field Nation list ``source`` was read in full this sync: a
        sub-collection of the work order not in ``WorkOrder.incomplete``, or a list read
        (``messages``, ``expenses`` in :attr:`cache`) whose ``complete`` flag is set.
        ``None`` (no Field Nation list behind the records) counts as complete."""
        if source is None:
            return True
        from autotask_fn.fieldnation.models import PAGED_SUB_COLLECTIONS

        if source in PAGED_SUB_COLLECTIONS:
            return source not in self.work_order.incomplete
        return getattr(self.cache.get(source), "complete", False) is True

    def ticket(self) -> dict[str, Any] | None:
        """The linked ticket as Autotask has it now (one GET, made at most once per sync)."""
        if "ticket" not in self.cache:
            self.cache["ticket"] = self.service.autotask.get("Tickets", self.ticket_id)
        found: dict[str, Any] | None = self.cache["ticket"]
        return found

    def ensure_ticket(self) -> None:
        """Raise :class:`TicketGoneError` when the linked ticket no longer exists."""
        ticket = self.ticket()
        if ticket is None or _merged(ticket):
            raise TicketGoneError(self.ticket_id, self.work_order_id)

    def fence(self) -> None:
        """Before an Autotask write: renew the work order's lock, or raise
        :class:`~autotask_fn.sync.errors.LockLostError` when another worker took it over."""
        if self.lock is not None:
            self.lock.fence()

    def reject(self, kind: str, fn_id: str, error: SyncInputError) -> None:
        """A Field Nation record is bad input: nothing is written for it (nor deleted), and
        it is reported once (``rejected``); the other records sync as usual."""
        if (kind, fn_id) in self.rejected:
            return
        self.rejected[(kind, fn_id)] = error
        self.record(Change(kind, fn_id, Action.REJECTED, "", None, detail=str(error)[:500]))

    def is_rejected(self, kind: str, fn_id: str) -> bool:
        """True when the record (or the log a ``"<id>#<n>"`` part belongs to) was rejected."""
        return (kind, fn_id) in self.rejected or (kind, fn_id.split("#", 1)[0]) in self.rejected

    def record(self, change: Change) -> None:
        """Report one change; a write is logged and told to the service's event sink."""
        self.changes.append(change)
        if change.action in WRITES:
            log.info("work order %s: %s %s %s as %s %s", self.work_order_id, change.kind,
                     change.fn_id, change.action.value, change.at_entity, change.at_id,
                     extra={"kind": change.kind, "action": change.action.value,
                            "entity": change.at_entity, "record_id": change.at_id})
            events.emit(getattr(self.service, "events", None), events.RecordWritten(
                change.kind, change.action, "autotask", self.work_order_id, self.ticket_id,
                change.at_entity, change.at_id))

    def save(self) -> None:
        """Persist ``data`` into the work order link."""
        self.link = self.service.store.save_link(attrs.evolve(self.link, data=dict(self.data)))


def _merged(ticket: Mapping[str, Any]) -> bool:
    # A ticket merged into another points at it; treat it as gone (its records moved away).
    for key in ("mergedIntoTicketID", "mergedIntoTicketId", "merged_into_ticket_id"):
        if ticket.get(key):
            return True
    return False


@runtime_checkable
class Reconciler(Protocol):
    """One part of a work order kept in sync (ticket fields, time entries, notes ...)."""

    name: str

    def fingerprint(self, ctx: WorkOrderContext) -> object:
        """JSON-able Field Nation facts this reconciler depends on (no Autotask call)."""
        ...

    def reconcile(self, ctx: WorkOrderContext) -> None:
        """Bring Autotask in line with the facts; record changes on ``ctx``.

        Raise for failures worth retrying (the inbox retries with backoff); terminal cases
        are recorded as link states instead.
        """
        ...


class RecordReconciler(ABC):
    """Base of reconcilers whose Field Nation records map one-to-one onto Autotask records.

    Subclasses set ``name``/``kind`` (link kind and marker kind), ``at_entity``, ``can_delete``
    and implement :meth:`desired` and :meth:`marker_field`.
    """

    name: str = "records"
    kind: str = "record"
    at_entity: str = ""
    can_update: bool = True
    can_delete: bool = False
    parent_field: str = "ticketID"
    source: str | None = None
    """The Field Nation list the wanted records come from (``time_logs``, ``signatures``,
    ``expenses`` ...). A record missing from it is deleted only when the list is known to be
    complete (:meth:`WorkOrderContext.listed_in_full`); otherwise the deletion is skipped and
    reported."""

    @abstractmethod
    def desired(self, ctx: WorkOrderContext) -> Sequence[MappedRecord]:
        """The Autotask records the current Field Nation state calls for, markers included."""

    @abstractmethod
    def marker_field(self, ctx: WorkOrderContext) -> str:
        """The Autotask field that carries this kind's marker."""

    def fingerprint(self, ctx: WorkOrderContext) -> object:  # pragma: no cover - overridden
        """Default: no cheap fingerprint; subclasses return their Field Nation facts."""
        return None

    # -- planning ----------------------------------------------------------------
    def links(self, ctx: WorkOrderContext) -> dict[str, Link]:
        """This kind's links of the work order, by Field Nation id."""
        store = ctx.service.store
        return {lk.fn_id: lk for lk in store.links_for_work_order(ctx.scope, ctx.work_order_id,
                                                                  self.kind)}

    def reconcile(self, ctx: WorkOrderContext) -> None:
        """Plan from the links and execute: create new, update changed, delete vanished."""
        wanted = {r.fn_id: r for r in self.desired(ctx)}
        rescan = ctx.data.get("rescan") or []
        if self.kind in rescan:  # an ambiguous failure last time: look before anything else
            self.scan(ctx)
            ctx.data["rescan"] = [k for k in rescan if k != self.kind]
        links = self.links(ctx)
        for fn_id, rec in wanted.items():
            digest = content_hash(rec.fields)
            link = links.get(fn_id)
            if link is None:
                self.create(ctx, rec, digest)
            elif link.state != LinkState.OK:
                if link.content_hash != digest:
                    ctx.record(Change(self.kind, fn_id, Action.SKIPPED, self.at_entity,
                                      link.at_id, detail=f"link is {link.state.value}"))
            elif link.content_hash != digest:
                if self.can_update:
                    self.update(ctx, link, rec, digest)
                else:
                    self._save(ctx, link, digest)
        if self.can_delete:
            vanished = [link for fn_id, link in links.items()
                        if fn_id not in wanted and link.state == LinkState.OK
                        and not ctx.is_rejected(self.kind, fn_id)]  # bad now: left alone
            if vanished and not ctx.listed_in_full(self.source):
                self._keep(ctx, vanished)
                return
            for link in vanished:
                self.delete(ctx, link)

    def _keep(self, ctx: WorkOrderContext, links: Sequence[Link]) -> None:
        """Report the records not deleted because the Field Nation list was incomplete."""
        log.warning("work order %s: %d %s record(s) not deleted: the Field Nation %s list is "
                    "not known to be complete", ctx.work_order_id, len(links), self.kind,
                    self.source)
        for link in links:
            ctx.record(Change(self.kind, link.fn_id, Action.SKIPPED, self.at_entity, link.at_id,
                              detail=f"not deleted: the Field Nation {self.source} list is not "
                                     "known to be complete"))

    # -- execution -----------------------------------------------------------------
    def intent_key(self, ctx: WorkOrderContext, fn_id: str) -> str:
        """Store key of the intent recorded before creating ``fn_id``."""
        return scoped_key(ctx.scope, "intent", self.kind, fn_id)

    def _scanned(self, ctx: WorkOrderContext) -> list[str]:
        scanned = ctx.data.setdefault("scanned", [])
        assert isinstance(scanned, list)
        return scanned

    def scan(self, ctx: WorkOrderContext) -> dict[str, dict[str, Any]]:
        """One query for the ticket's records of this kind; those carrying our markers, by id.

        Made at most once per sync and kind; remembered in the work order link so later
        creates on the same ticket need no scan.
        """
        key = f"scan:{self.kind}"
        if key not in ctx.cache:
            field = self.marker_field(ctx)
            found: dict[str, dict[str, Any]] = {}
            for row in self.scan_rows(ctx):
                for marker in ctx.service.markers.find(str(row.get(field) or ""), self.kind):
                    found.setdefault(marker.id, row)
            ctx.cache[key] = found
            scanned = self._scanned(ctx)
            if self.kind not in scanned:
                scanned.append(self.kind)
            self.adopt_orphans(ctx, found)
        result: dict[str, dict[str, Any]] = ctx.cache[key]
        return result

    def scan_rows(self, ctx: WorkOrderContext) -> list[dict[str, Any]]:
        """The ticket's records of this entity: queried by parent, and each row's parent
        checked again (Autotask may drop a filter condition it does not honour)."""
        from autotask_fn.autotask.query import eq, parent_is

        ticket_id = int(ctx.ticket_id)
        return [row for row in ctx.service.autotask.query(self.at_entity,
                                                          eq(self.parent_field, ticket_id))
                if parent_is(row, self.parent_field, ticket_id)]

    def adopt_orphans(self, ctx: WorkOrderContext, found: Mapping[str, Mapping[str, Any]]) -> None:
        """Records this work order made although nothing wants them any more (a create whose
        answer was lost, after which the Field Nation record vanished): deleted when allowed.

        Only records with a leftover intent of this work order are touched, so records of
        another work order on the same ticket are never deleted.
        """
        if not self.can_delete:
            return
        wanted = {r.fn_id for r in self.desired(ctx)}
        if not ctx.listed_in_full(self.source):
            return  # "nothing wants it" is not known: leave the record (and its intent)
        store = ctx.service.store
        for fn_id, row in found.items():
            if (fn_id in wanted or ctx.is_rejected(self.kind, fn_id)
                    or store.get_link(ctx.scope, self.kind, fn_id) is not None):
                continue
            intent = store.get_intent(self.intent_key(ctx, fn_id))
            if not intent or intent.get("work_order_id") != ctx.work_order_id:
                continue
            ctx.fence()
            self._delete_record(ctx, int(row["id"]))
            store.delete_intent(self.intent_key(ctx, fn_id))
            ctx.record(Change(self.kind, fn_id, Action.DELETED, self.at_entity, int(row["id"]),
                              detail="orphan carrying our marker"))

    def needs_scan(self, ctx: WorkOrderContext, fn_id: str) -> bool:
        """Scan before creating: first touch of this ticket+kind, or an intent is left over."""
        if self.kind not in self._scanned(ctx):
            return True
        return ctx.service.store.get_intent(self.intent_key(ctx, fn_id)) is not None

    def matches(self, row: Mapping[str, Any], rec: MappedRecord) -> bool:
        """True if an existing Autotask record already holds every field we would write."""
        return all(same_value(v, row.get(k)) for k, v in rec.fields.items()
                   if not isinstance(v, list | dict))

    def adopt(self, ctx: WorkOrderContext, rec: MappedRecord, digest: str,
              row: Mapping[str, Any]) -> None:
        """Link a record found on the ticket with our marker instead of creating one; when it
        differs from what we would write, update it."""
        at_id = int(row["id"])
        same = self.matches(row, rec)
        link = self._save(ctx, self._new_link(ctx, rec.fn_id, at_id), digest if same else "")
        ctx.service.store.delete_intent(self.intent_key(ctx, rec.fn_id))
        ctx.record(Change(self.kind, rec.fn_id, Action.ADOPTED, self.at_entity, at_id))
        if not same:
            self.update(ctx, link, rec, digest)

    def create(self, ctx: WorkOrderContext, rec: MappedRecord, digest: str) -> None:
        """Create one record exactly once (adopting a marked record when one exists)."""
        store = ctx.service.store
        intent = self.intent_key(ctx, rec.fn_id)
        if self.needs_scan(ctx, rec.fn_id):
            row = self.scan(ctx).get(rec.fn_id)
            if row is not None:
                self.adopt(ctx, rec, digest, row)
                return
        store.put_intent(intent, {"kind": self.kind, "fn_id": rec.fn_id,
                                  "ticket_id": ctx.ticket_id, "entity": self.at_entity,
                                  "work_order_id": ctx.work_order_id})
        if self.can_delete:
            # Should this worker die before the link is saved and the Field Nation record
            # then vanish, the next reconcile looks for the record to remove it.
            self._flag_rescan(ctx, save=True)
        try:
            at_id = self.post(ctx, rec)
        except AutotaskError as exc:
            if exc.ambiguous:
                self._forget_scan(ctx)
                raise
            if isinstance(exc, AutotaskValidationError | AutotaskNotFoundError):
                ctx.ensure_ticket()
            if isinstance(exc, AutotaskValidationError):
                store.delete_intent(intent)  # refused: nothing was made
                raise SyncInputError(
                    f"{self.at_entity} for {self.kind} {rec.fn_id}",
                    "; ".join(exc.errors) or exc.message) from exc
            raise
        self._save(ctx, self._new_link(ctx, rec.fn_id, at_id), digest)
        store.delete_intent(intent)
        if self.can_delete:
            ctx.data["rescan"] = [k for k in ctx.data.get("rescan") or [] if k != self.kind]
        ctx.record(Change(self.kind, rec.fn_id, Action.CREATED, self.at_entity, at_id,
                          fields=tuple(rec.fields)))

    def post(self, ctx: WorkOrderContext, rec: MappedRecord) -> int:
        """The one POST of :meth:`create` (a hook: attachments pass their cleared budget)."""
        ctx.fence()
        return ctx.service.autotask.create(self.at_entity, dict(rec.fields))

    def update(self, ctx: WorkOrderContext, link: Link, rec: MappedRecord, digest: str) -> None:
        """Write the changed content of a linked record (one PATCH)."""
        fields = {"id": link.at_id, **rec.fields}
        ctx.fence()
        try:
            ctx.service.autotask.update(self.at_entity, fields)
        except AutotaskNotFoundError:
            self._gone(ctx, link)
            return
        except AutotaskValidationError as exc:
            ctx.ensure_ticket()
            self._diverge(ctx, link, exc)
            return
        self._save(ctx, link, digest)
        ctx.record(Change(self.kind, link.fn_id, Action.UPDATED, self.at_entity, link.at_id,
                          fields=tuple(rec.fields)))

    def delete(self, ctx: WorkOrderContext, link: Link) -> None:
        """Delete the Autotask record of a vanished Field Nation record."""
        ctx.fence()
        try:
            self._delete_record(ctx, link.at_id)
        except AutotaskNotFoundError:
            pass
        except AutotaskValidationError as exc:
            self._diverge(ctx, link, exc)
            return
        ctx.service.store.delete_link(ctx.scope, self.kind, link.fn_id)
        ctx.record(Change(self.kind, link.fn_id, Action.DELETED, self.at_entity, link.at_id))

    def _delete_record(self, ctx: WorkOrderContext, at_id: int) -> None:
        ctx.service.autotask.delete(self.at_entity, at_id)

    # -- helpers -------------------------------------------------------------------
    def _forget_scan(self, ctx: WorkOrderContext) -> None:
        scanned = self._scanned(ctx)
        if self.kind in scanned:
            scanned.remove(self.kind)
        ctx.cache.pop(f"scan:{self.kind}", None)
        self._flag_rescan(ctx)

    def _flag_rescan(self, ctx: WorkOrderContext, *, save: bool = False) -> None:
        rescan = ctx.data.setdefault("rescan", [])
        if self.kind not in rescan:
            rescan.append(self.kind)
            if save:
                ctx.save()

    def _new_link(self, ctx: WorkOrderContext, fn_id: str, at_id: int) -> Link:
        return Link(scope=ctx.scope, kind=self.kind, fn_id=fn_id, at_entity=self.at_entity,
                    at_id=at_id, work_order_id=ctx.work_order_id)

    def _save(self, ctx: WorkOrderContext, link: Link, digest: str) -> Link:
        return ctx.service.store.save_link(attrs.evolve(link, content_hash=digest,
                                                        state=LinkState.OK))

    def _diverge(self, ctx: WorkOrderContext, link: Link, exc: AutotaskError) -> None:
        reason = "; ".join(exc.errors) or exc.message
        locked = bool(LOCKED_TEXT.search(reason))
        ctx.service.store.save_link(attrs.evolve(
            link, state=LinkState.DIVERGED,
            data={**link.data, "reason": reason[:500], "locked": locked}))
        ctx.record(Change(self.kind, link.fn_id, Action.DIVERGED, self.at_entity, link.at_id,
                          detail=reason[:500]))

    def _gone(self, ctx: WorkOrderContext, link: Link) -> None:
        ctx.service.store.save_link(attrs.evolve(link, state=LinkState.UNLINKED))
        ctx.record(Change(self.kind, link.fn_id, Action.UNLINKED, self.at_entity, link.at_id,
                          detail="deleted in Autotask"))
