"""``SyncService``: webhooks in, a durable inbox, and reconciles of work orders into Autotask.

The flow a host drives::

    svc = SyncService(autotask=at, fieldnation=fn, store=SqliteStore("sync.sqlite3"),
                      settings=settings)
    ack = svc.handle_fieldnation_webhook(raw_body, headers)   # verify, de-duplicate, enqueue
    svc.process_pending()                                     # in a worker: do the queued work
    svc.sweep()                                               # periodically: changes without events

Events are hints: every event leads to reading the work order's current state and reconciling
it (:meth:`SyncService.sync_work_order`). A work order whose Field Nation facts did not change
since its last sync is skipped before any Autotask call.

Settings: pass :class:`~autotask_fn.sync.settings.ValidatedSettings` (from
``settings.validate(at_client)``), or :class:`~autotask_fn.sync.settings.ConnectorSettings`,
which are then validated on construction (metadata reads only). A service never runs on
settings that were never validated.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import json
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import attrs

from autotask_fn import _observe, _otel
from autotask_fn._redact import redact_headers
from autotask_fn.autotask.errors import AutotaskPermissionError, AutotaskRateLimitError
from autotask_fn.errors import AutotaskFnError
from autotask_fn.fieldnation.errors import FieldNationNotFoundError, FieldNationRateLimitError
from autotask_fn.fieldnation.webhooks import (
    FieldNationEvent,
    WebhookPayloadError,
    WebhookSignatureError,
    WebhookStaleError,
    WebhookVerifier,
    parse_delivery,
)
from autotask_fn.mapping.markers import Markers
from autotask_fn.mapping.outbound import OutboundMapper
from autotask_fn.store.base import EntryStatus, InboxEntry, Link, LinkState, Scope, scoped_key
from autotask_fn.sync import events as ev
from autotask_fn.sync import quiet
from autotask_fn.sync._digest import code_digest, mapped_output
from autotask_fn.sync._scope import tenant_of
from autotask_fn.sync.errors import (
    BusyError,
    NotValidatedError,
    SyncInputError,
    TicketGoneError,
    WorkOrderBusyError,
)
from autotask_fn.sync.locks import acquire
from autotask_fn.sync.reconcile import Reconciler, WorkOrderContext, content_hash
from autotask_fn.sync.reconcilers import default_reconcilers
from autotask_fn.sync.reports import (
    Action,
    Change,
    ProcessReport,
    SweepReport,
    SyncReport,
    WebhookAck,
)
from autotask_fn.sync.settings import ConnectorSettings, ValidatedSettings

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

    from autotask_fn.autotask import AutotaskClient
    from autotask_fn.fieldnation import FieldNationClient
    from autotask_fn.fieldnation.models import User, WorkOrder
    from autotask_fn.store.base import Store
    from autotask_fn.sync.inbound import ImportResult, TicketImporter

__all__ = ["SyncService", "WebhookAck", "WorkOrderLinker"]

log = _observe.get_logger("autotask_fn.sync")

FIELDNATION: Final = "fieldnation"
AUTOTASK: Final = "autotask"
#: Inbox source of a Field Nation record rejected as bad input (a dead letter to replay).
RECORD = "record"
#: Seconds before retrying an entry whose work order another worker holds.
BUSY_RETRY = 2.0


_Handler = Callable[["SyncService", bytes | str, Mapping[str, str]], WebhookAck]


def _refusals(source: Literal["fieldnation", "autotask"]) -> Callable[[_Handler], _Handler]:
    """Tell the service's event sink of each webhook it refuses (a non-2xx answer)."""
    def wrap(method: _Handler) -> _Handler:
        @functools.wraps(method)
        def handle(self: SyncService, raw_body: bytes | str, headers: Mapping[str, str]
                   ) -> WebhookAck:
            ack = method(self, raw_body, headers)
            if not ack.accepted:
                ev.emit(self.events, ev.WebhookRefused(source, ack.status, ack.reason))
                log.info("%s webhook refused with %s", source, ack.status,
                         extra={"webhook_status": ack.status})
            return ack
        return handle
    return wrap


class WorkOrderLinker:
    """Finds or makes the ticket of a work order that has no link yet (outbound create).

    :class:`~autotask_fn.sync.outbound_create.OutboundCreateLinker` is the one shipped (on
    when ``settings.create.enabled``); a linker returns the new work-order link, or ``None``
    to leave the work order unsynced.
    """

    def link(self, service: SyncService, work_order: WorkOrder) -> Link | None:
        """Return a saved ``wo`` link for ``work_order`` or ``None``."""
        return None


class SyncService:
    """Keeps Field Nation work orders and their linked Autotask tickets in sync.

    Args:
        autotask: an :class:`~autotask_fn.autotask.AutotaskClient`.
        fieldnation: a :class:`~autotask_fn.fieldnation.FieldNationClient`.
        store: a :class:`~autotask_fn.store.Store` (``SqliteStore()``, ``PostgresStore(...)``).
        settings: ``ValidatedSettings``, or ``ConnectorSettings`` validated here.
        clock: seconds since the epoch (inbox times, leases, backoff).
        worker_id: this worker's name for leases and locks (default: host, pid, random).
        scope: override the (Field Nation environment, Autotask tenant) pair; default from
            ``fieldnation.environment_name`` and ``autotask.tenant_id`` (the configured
            tenant id, else the zone ``ci``; read on first use).
        mapper: an :class:`~autotask_fn.mapping.outbound.OutboundMapper` (subclass to customise).
        reconcilers: the parts kept in sync, in order (default:
            :func:`~autotask_fn.sync.reconcilers.default_reconcilers`).
        linkers: tried in order for a work order without a link (default: outbound create,
            which does nothing unless ``settings.create.enabled``).
        events: an :class:`~autotask_fn.sync.events.EventSink` told of records written,
            dead letters, rate-limit pauses and refused webhooks (for the host's metrics).
        tracer_provider: an OpenTelemetry ``TracerProvider`` for this service's spans
            (default: the global one; no effect without the ``otel`` extra).
    """

    def __init__(
        self,
        *,
        autotask: AutotaskClient,
        fieldnation: FieldNationClient,
        store: Store,
        settings: ConnectorSettings | ValidatedSettings,
        clock: Callable[[], float] = time.time,
        worker_id: str | None = None,
        scope: Scope | None = None,
        mapper: OutboundMapper | None = None,
        reconcilers: Sequence[Reconciler] | None = None,
        linkers: Sequence[WorkOrderLinker] = (),
        events: ev.EventSink | None = None,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self.autotask = autotask
        self.fieldnation = fieldnation
        self.store = store
        self.clock = clock
        if isinstance(settings, ConnectorSettings):
            settings = settings.validate(autotask)
        if not isinstance(settings, ValidatedSettings):
            raise NotValidatedError(
                "SyncService needs ConnectorSettings or the ValidatedSettings returned by "
                "ConnectorSettings.validate(at_client)")
        self.validated = settings
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._scope = scope
        self.mapper = mapper or OutboundMapper()
        self.reconcilers: list[Reconciler] = list(reconcilers or default_reconcilers())
        self.linkers = list(linkers) or _default_linkers(settings.settings)
        self._resources: dict[str, int | None] = {}
        self._resources_lock = threading.Lock()
        self._resources_inflight: dict[str, threading.Event] = {}
        self._verifier: WebhookVerifier | None = None
        self._settings_digest: str | None = None
        self.events = events
        self.tracer_provider = tracer_provider
        self._code_digest: str | None = None

    def __repr__(self) -> str:
        return f"SyncService(worker_id={self.worker_id!r}, scope={self._scope!r})"

    # ------------------------------------------------------------------ properties
    def store_now(self) -> float | None:
        """The time handed to the store for leases and locks: ``None`` (the store's own
        clock: the database server's on PostgreSQL, so a worker with a skewed clock can
        neither steal nor keep a lease) unless the service was given a ``clock``."""
        return None if self.clock is time.time else self.clock()

    @property
    def settings(self) -> ConnectorSettings:
        """The connector settings (validated; resolved values in :attr:`validated`)."""
        return self.validated.settings

    @property
    def scope(self) -> Scope:
        """The (Field Nation environment, Autotask tenant ``ci``) pair every link belongs to."""
        if self._scope is None:
            self._scope = Scope(fn_env=self.fieldnation.environment_name,
                                at_tenant=tenant_of(self.autotask))
        return self._scope

    @property
    def markers(self) -> Markers:
        """Markers of this service's Field Nation environment."""
        return Markers(self.scope.fn_env)

    @contextlib.contextmanager
    def observe(self, **fields: int | str | None) -> Iterator[None]:
        """Run the ``with`` block in an observation context: its log records carry
        ``fields`` (``autotask_fn_<name>``), its rate-limit pauses reach :attr:`events`, its
        spans go to :attr:`tracer_provider`."""
        with _observe.bind(fields, on_pause=self._on_pause,
                           tracer_provider=self.tracer_provider):
            yield

    def _on_pause(self, service: str, where: str, seconds: float, target: str | None) -> None:
        ev.emit(self.events, ev.RateLimitPaused(
            "fieldnation" if service == "fieldnation" else "autotask",
            cast(Literal["retry", "budget", "tenant", "inbox"], where)
            if where in ("retry", "budget", "tenant") else "inbox",
            float(seconds), target))

    # ------------------------------------------------------------------ webhooks
    @_refusals(FIELDNATION)
    def handle_fieldnation_webhook(self, raw_body: bytes | str, headers: Mapping[str, str]
                                   ) -> WebhookAck:
        """Verify, de-duplicate and enqueue a Field Nation delivery; no API call is made.

        Returns the status to answer: 200 (stored, or a duplicate), 401 (bad signature),
        400 (unreadable), 413 (larger than ``settings.max_webhook_bytes``: nothing stored),
        503 (the store failed: Field Nation retries 5xx). Never raises.
        A correctly signed delivery older than the verifier's ``max_age`` (a failed delivery
        retried by hand from Field Nation's dashboard) is still queued, with a log line.
        """
        raw_body = raw_body.encode("utf-8") if isinstance(raw_body, str) else bytes(raw_body)
        if len(raw_body) > self.settings.max_webhook_bytes:
            return _too_large(len(raw_body), self.settings.max_webhook_bytes)
        try:
            if self._verifier is None:
                self._verifier = WebhookVerifier(
                    self.settings.webhook_secrets, clock=self.clock,
                    legacy_md5=self.settings.legacy_webhook_signing)
            self._verifier.verify(raw_body, headers)
        except WebhookStaleError as exc:  # signed correctly: a late (hand-retried) delivery
            log.info("accepting a late Field Nation delivery (%s): still a valid hint",
                     exc.message)
        except WebhookSignatureError as exc:
            return WebhookAck(401, reason=exc.message)
        except AutotaskFnError as exc:  # no secret configured: refuse, do not crash the host
            return WebhookAck(401, reason=str(exc))
        try:
            event = parse_delivery(raw_body, headers)
        except WebhookPayloadError as exc:
            return WebhookAck(400, reason=exc.message)
        try:
            fresh = self.store.enqueue(FIELDNATION, event.delivery_id, raw_body,
                                       redact_headers(dict(headers)), now=self.clock())
        except Exception as exc:  # the host must answer; FN retries a 5xx
            log.warning("could not store Field Nation delivery: %s", type(exc).__name__)
            return WebhookAck(503, reason="store unavailable")
        return WebhookAck(200, duplicate=not fresh)

    @_refusals(AUTOTASK)
    def handle_autotask_webhook(self, raw_body: bytes | str, headers: Mapping[str, str]
                                ) -> WebhookAck:
        """Verify, de-duplicate and enqueue an Autotask ticket callout (inbound import).

        Returns the status to answer, like :meth:`handle_fieldnation_webhook`: 200, 401, 400,
        413 (too large: nothing stored) or 503 (the store failed: Autotask retries). Never
        raises.
        """
        raw_body = raw_body.encode("utf-8") if isinstance(raw_body, str) else bytes(raw_body)
        if len(raw_body) > self.settings.max_webhook_bytes:
            return _too_large(len(raw_body), self.settings.max_webhook_bytes)
        try:
            ack: WebhookAck = self._importer().accept_webhook(raw_body, headers)
        except Exception as exc:  # the host must answer; a 5xx is retried
            log.warning("could not store Autotask callout: %s", type(exc).__name__)
            return WebhookAck(503, reason="store unavailable")
        return ack

    def import_ticket(self, ticket_id: int) -> ImportResult:
        """Create or update the work order of an Autotask ticket (inbound import)."""
        return self._importer().import_ticket(ticket_id)

    def _process_autotask_entry(self, entry: InboxEntry) -> ImportResult | None:
        return self._importer().process_entry(entry)

    def _importer(self) -> TicketImporter:
        module = importlib.import_module("autotask_fn.sync.inbound")
        importer: TicketImporter = module.TicketImporter(service=self)
        return importer

    # ------------------------------------------------------------------ inbox
    def process_pending(self, limit: int | None = None, *, lease_seconds: float = 60,
                        progress: Callable[[int, int], None] | None = None) -> ProcessReport:
        """Work through due inbox entries (at most ``limit``), each under a lease.

        Field Nation entries of one work order leased together are handled by one reconcile.
        Failures are retried with exponential backoff and jitter; after
        ``settings.max_attempts`` attempts (or at once for bad input) an entry moves to the
        dead letters. ``progress(done, total)`` is called after each leased batch (``total``:
        the pending entries counted at the start, capped by ``limit``).
        """
        totals = {"processed": 0, "succeeded": 0, "retried": 0, "dead": 0}
        reports: list[SyncReport] = []
        errors: list[str] = []
        expected = 0
        if progress is not None:
            expected = self.store.count_entries(EntryStatus.PENDING)
            expected = expected if limit is None else min(limit, expected)
        while limit is None or totals["processed"] < limit:
            batch_size = 50 if limit is None else min(50, limit - totals["processed"])
            batch = self.store.lease(self.worker_id, lease_seconds, limit=batch_size,
                                     now=self.store_now())
            if not batch:
                break
            totals["processed"] += len(batch)
            by_wo: dict[int, list[InboxEntry]] = {}
            for entry in batch:
                if entry.source == AUTOTASK:
                    self._run_entries([entry], _bind(self._process_autotask_entry, entry),
                                      totals, reports, errors)
                    continue
                if entry.source == RECORD:
                    self._run_entries([entry], _bind(self._replay_record, entry),
                                      totals, reports, errors)
                    continue
                try:
                    event = parse_delivery(entry.body, entry.headers)
                except WebhookPayloadError as exc:
                    self.store.dead_letter(entry.id, self.worker_id, f"unreadable: {exc.message}")
                    totals["dead"] += 1
                    log.warning("inbox entry %s dead-lettered: unreadable delivery", entry.id,
                                extra={"entry_id": entry.id, "action": "dead_letter"})
                    ev.emit(self.events, ev.DeadLettered(entry.source, entry.id, entry.attempts,
                                                         type(exc).__name__))
                    errors.append(f"entry {entry.id}: {exc.message}")
                    continue
                by_wo.setdefault(event.work_order_id, []).append(entry)
            for wo_id, entries in by_wo.items():
                self._run_entries(entries, _bind(self.sync_work_order, wo_id),
                                  totals, reports, errors)
            if progress is not None:
                progress(totals["processed"], max(expected, totals["processed"]))
        return ProcessReport(reports=tuple(reports), errors=tuple(errors), **totals)

    def _run_entries(self, entries: list[InboxEntry], work: Callable[[], Any],
                     totals: dict[str, int], reports: list[SyncReport], errors: list[str]) -> None:
        try:
            with self.observe(entry_id=entries[0].id, source=entries[0].source):
                result = work()
        except Exception as exc:
            for entry in entries:
                with self.observe(entry_id=entry.id, source=entry.source):
                    self._fail(entry, exc, totals, errors)
            return
        if isinstance(result, SyncReport):
            reports.append(result)
        for entry in entries:
            self.store.complete(entry.id, self.worker_id)
            totals["succeeded"] += 1

    def _fail(self, entry: InboxEntry, exc: Exception, totals: dict[str, int],
              errors: list[str]) -> None:
        text = f"{type(exc).__name__}: {exc}"[:1000]
        errors.append(f"entry {entry.id}: {text}")
        # A 403 stays until an administrator changes the API user's security level: the
        # entry is dead-lettered at once with the missing permission and its fix (replay it
        # once granted), not retried with backoff.
        permanent = isinstance(exc, SyncInputError | WebhookPayloadError | AutotaskPermissionError)
        busy = isinstance(exc, BusyError)  # not a failure: never dead-lettered
        deferred = bool(getattr(exc, "deferred", False))  # waits for a byte budget: likewise
        # Autotask's hourly threshold (and a 429 from either side) can hold for up to an hour:
        # such an entry is not given up before it has waited that out.
        patient = (isinstance(exc, AutotaskRateLimitError | FieldNationRateLimitError)
                   and self.clock() - entry.received_at < self.settings.rate_limit_patience)
        if permanent or (entry.attempts >= self.settings.max_attempts
                         and not (busy or deferred or patient)):
            self.store.dead_letter(entry.id, self.worker_id, text)
            totals["dead"] += 1
            log.warning("inbox entry %s dead-lettered after %s attempt(s): %s", entry.id,
                        entry.attempts, type(exc).__name__, extra={"action": "dead_letter"})
            ev.emit(self.events, ev.DeadLettered(entry.source, entry.id, entry.attempts,
                                                 type(exc).__name__))
            return
        delay = BUSY_RETRY if busy else self.backoff(entry.attempts)
        hint = getattr(exc, "retry_after", None)
        if isinstance(exc, AutotaskRateLimitError | FieldNationRateLimitError) and hint:
            delay = max(delay, float(hint))
        if deferred and hint:
            delay = float(hint)
        if isinstance(exc, AutotaskRateLimitError | FieldNationRateLimitError):
            _observe.rate_limit_paused(
                FIELDNATION if isinstance(exc, FieldNationRateLimitError) else AUTOTASK,
                "inbox", delay, None)
        self.store.retry_later(entry.id, self.worker_id, text, self.clock() + delay)
        totals["retried"] += 1

    def backoff(self, attempts: int) -> float:
        """Seconds before the next attempt: exponential in ``attempts``, capped, jittered
        (between half and all of the step)."""
        settings = self.settings
        step = min(settings.backoff_max, settings.backoff_base * 2 ** max(0, attempts - 1))
        return float(step * random.uniform(0.5, 1.0))

    def dead_letters(self, limit: int = 100) -> list[InboxEntry]:
        """Entries that failed for good (oldest first)."""
        return self.store.list_entries(EntryStatus.DEAD, limit=limit)

    def replay(self, entry_id: int) -> bool:
        """Put a dead (or done) entry back in the inbox, due now with attempts reset."""
        return self.store.replay(entry_id, now=self.clock())

    def discard(self, entry_id: int) -> bool:
        """Delete an entry for good (its delivery id stays remembered)."""
        return self.store.discard(entry_id)

    # ------------------------------------------------------------------ reconcile
    def handle_event(self, event: FieldNationEvent) -> SyncReport:
        """Handle one parsed event now: reconcile its work order from current state."""
        return self.sync_work_order(event.work_order_id)

    def link_work_order(self, work_order_id: int, ticket_id: int, *,
                        baseline: bool = True) -> Link:
        """Link a work order to an existing ticket (reads both once).

        With ``baseline`` (default) the work order's current ticket facts count as synced,
        so only later changes are written to the ticket; without it the first sync writes
        them all. Time logs and messages always sync. The ticket's assigned role is kept for
        time entries.
        """
        ticket = self.autotask.get("Tickets", ticket_id)
        if ticket is None:
            raise SyncInputError("ticket_id", f"Autotask ticket {ticket_id} does not exist")
        data: dict[str, Any] = {"ticket_role_id": ticket.get("assignedResourceRoleID") or 0}
        if baseline:
            wo = self.fieldnation.get_work_order(work_order_id)
            data["snapshot"] = self.mapper.snapshot(wo)
        return self.store.save_link(Link(
            scope=self.scope, kind="wo", fn_id=str(work_order_id), at_entity="Tickets",
            at_id=ticket_id, work_order_id=work_order_id, data=data))

    def sync_work_order(self, work_order_id: int, *, force: bool = False) -> SyncReport:
        """Reconcile one work order fully (ticket fields, time entries, notes ...).

        Skipped before any Autotask call when the work order is not linked, is unlinked, or
        its Field Nation facts did not change since the last sync (``force`` re-checks).
        Raises :class:`WorkOrderBusyError` when another worker holds the work order.
        """
        return self._sync(int(work_order_id), force=force)

    def _settings_hash(self) -> str:
        if self._settings_digest is None:
            self._settings_digest = self._hash_settings()
        return self._settings_digest

    def _code_hash(self) -> str:
        # The quiet digest cannot run the mappers (their input is not read): it covers
        # their code instead (a change sends the work order to the full check).
        if self._code_digest is None:
            self._code_digest = code_digest([self.mapper, *self.reconcilers, *(
                getattr(r, name, None) for r in self.reconcilers for name in ("mapper", "files"))])
        return self._code_digest

    def _hash_settings(self) -> str:
        # Settings that shape what is written; secrets and retry tuning are left out.
        ignored = {"webhook_secrets", "max_attempts", "backoff_base", "backoff_max", "lock_ttl",
                   "sweep_statuses", "sweep_skip_statuses", "legacy_webhook_signing",
                   "sweep_trust_message_count", "sweep_trust_updated", "max_webhook_bytes"}
        return content_hash(attrs.asdict(
            self.validated, recurse=True, filter=lambda a, _v: a.name not in ignored,
            value_serializer=lambda _i, _a, v: _jsonable(v)))

    @property
    def lock_owner(self) -> str:
        """The owner of the locks this thread takes: the worker id and the thread, so two
        threads of one service (a web host processing the inbox after each acknowledgement)
        exclude each other as two processes do."""
        return f"{self.worker_id}/{threading.get_ident()}"

    def _sync(self, wo_id: int, *, force: bool = False,
              statuses: Iterable[str] | None = None, sweep: bool = False) -> SyncReport:
        with self.observe(work_order_id=wo_id), _otel.span(
                "autotask_fn.reconcile", {"autotask_fn.work_order_id": wo_id}):
            report = self._sync_locked(wo_id, force=force, statuses=statuses, sweep=sweep)
            _otel.set_attributes({"autotask_fn.skipped": report.skipped or "",
                                  "autotask_fn.writes": report.writes})
            if report.ticket_id is not None:
                _observe.annotate(ticket_id=report.ticket_id)
            return report

    def _sync_locked(self, wo_id: int, *, force: bool, statuses: Iterable[str] | None,
                     sweep: bool) -> SyncReport:
        scope = self.scope
        key = scoped_key(scope, "wo", wo_id)
        held = acquire(self.store, key, self.lock_owner, self.settings.lock_ttl,
                       now=self.store_now, work_order_id=wo_id)
        if held is None:
            raise WorkOrderBusyError(wo_id)
        try:
            link = self.store.get_link(scope, "wo", str(wo_id))
            if link is not None and link.state == LinkState.UNLINKED:
                return SyncReport(wo_id, link.at_id, skipped="unlinked")
            if link is None and not self.linkers:
                return SyncReport(wo_id, skipped="not_linked")  # nothing to read or write
            try:
                wo = self.fieldnation.get_work_order(wo_id)
            except FieldNationNotFoundError:
                return SyncReport(wo_id, link.at_id if link else None, skipped="not_found")
            code = wo.status.code if wo.status else None
            if statuses is not None and code not in set(statuses):
                return SyncReport(wo_id, link.at_id if link else None, skipped="status")
            if link is None:
                for linker in self.linkers:
                    link = linker.link(self, wo)
                    if link is not None:
                        break
                if link is None:
                    return SyncReport(wo_id, skipped="not_linked")
            _observe.annotate(ticket_id=link.at_id)
            ctx = WorkOrderContext(service=self, work_order=wo, link=link,
                                   data=dict(link.data), lock=held)
            signals = self._signals_hash(ctx)  # from the work order alone (sweeps, opt-in)
            if (sweep and not force and signals is not None
                    and link.data.get("fn_quiet_hash") == signals):
                return SyncReport(wo_id, link.at_id, skipped="unchanged")
            digest = content_hash([self._settings_hash(),
                                   *(r.fingerprint(ctx) for r in self.reconcilers),
                                   *mapped_output(self.reconcilers, ctx)])
            if not force and link.data.get("fn_hash") == digest:
                if signals is not None and link.data.get("fn_quiet_hash") != signals:
                    ctx.data["fn_quiet_hash"] = signals
                    ctx.save()
                return SyncReport(wo_id, link.at_id, skipped="unchanged")
            # The hash is kept only when a reconcile completes: after a failure the next
            # sync reconciles even if the facts went back to what was last synced.
            ctx.data.pop("fn_hash", None)
            ctx.data.pop("fn_quiet_hash", None)
            try:
                for reconciler in self.reconcilers:
                    try:
                        reconciler.reconcile(ctx)
                    finally:
                        ctx.save()
            except TicketGoneError:
                return self._unlink(ctx)
            held.fence()  # still ours: the hash says this reconcile is complete
            self._keep_rejected(ctx)
            ctx.data["fn_hash"] = digest
            if signals is not None:
                ctx.data["fn_quiet_hash"] = signals
            ctx.save()
            return SyncReport(wo_id, ctx.ticket_id, changes=tuple(ctx.changes))
        finally:
            held.release()

    def _keep_rejected(self, ctx: WorkOrderContext) -> None:
        """Keep each rejected record as a dead letter (once per record and error), which the
        dead-letter commands list and replay (:meth:`_replay_record`)."""
        for (kind, fn_id), error in ctx.rejected.items():
            body = json.dumps({"work_order_id": ctx.work_order_id, "kind": kind,
                               "fn_id": fn_id, "record": error.record, "field": error.field,
                               "error": str(error)}, sort_keys=True).encode("utf-8")
            key = scoped_key(ctx.scope, kind, fn_id, hashlib.sha256(body).hexdigest()[:16])
            text = f"SyncInputError: {error}"[:1000]
            if self.store.enqueue(RECORD, key, body, {}, now=self.clock(), error=text):
                log.warning("work order %s: %s rejected: %s", ctx.work_order_id,
                            error.record or kind, text,
                            extra={"kind": kind, "action": "rejected"})
                ev.emit(self.events, ev.DeadLettered(RECORD, None, 0, type(error).__name__,
                                                     ctx.work_order_id, kind))

    def _replay_record(self, entry: InboxEntry) -> SyncReport:
        """A replayed bad record: reconcile its work order again (forced); still bad, the
        entry goes back to the dead letters."""
        facts = json.loads(entry.body)
        report = self._sync(int(facts["work_order_id"]), force=True)
        for change in report.rejected:
            if (change.kind, change.fn_id) == (facts["kind"], facts["fn_id"]):
                raise SyncInputError(str(facts.get("field") or "record"),
                                     change.detail or "still bad input",
                                     record=facts.get("record"))
        return report

    def _signals_hash(self, ctx: WorkOrderContext) -> str | None:
        """The fingerprint with change signals standing for the sub-resources they cover
        (:mod:`autotask_fn.sync.quiet`), made without reading them; ``None`` when no signal
        setting is on."""
        if not quiet.enabled(ctx):
            return None
        ctx.cache[quiet.QUIET] = True
        try:
            return content_hash([self._settings_hash(), self._code_hash(),
                                 *(r.fingerprint(ctx) for r in self.reconcilers)])
        finally:
            del ctx.cache[quiet.QUIET]

    def _unlink(self, ctx: WorkOrderContext) -> SyncReport:
        link = self.store.save_link(attrs.evolve(ctx.link, state=LinkState.UNLINKED,
                                                 data={**ctx.data, "reason": "ticket gone"}))
        log.warning("work order %s unlinked: ticket %s is gone", ctx.work_order_id, link.at_id)
        change = Change("wo", str(ctx.work_order_id), Action.UNLINKED, "Tickets", link.at_id,
                        detail="ticket deleted or merged in Autotask")
        return SyncReport(ctx.work_order_id, link.at_id, changes=(*ctx.changes, change))

    def sweep(self, *, statuses: Iterable[str] | None = None,
              changed_since: datetime | float | None = None,
              progress: Callable[[int, int], None] | None = None,
              force: bool = False) -> SweepReport:
        """Reconcile every linked work order (changes that came without an event).

        A work order whose Field Nation facts are unchanged costs no Autotask call; one whose
        last synced status is in ``settings.sweep_skip_statuses`` (paid, cancelled, deleted)
        is not even read.
        ``statuses`` (default ``settings.sweep_statuses``) keeps only work orders in those
        Field Nation status codes; ``changed_since`` (a datetime or Unix seconds) keeps only
        recently active work orders: those whose link was synced at or after that time.
        ``progress(done, total)`` is called after each linked work order (command-line
        progress for bulk sweeps). ``force`` reconciles every work order kept by the filters
        even when its digest is unchanged (Field Nation facts, settings and what the mappers
        produce); only what differs is written.
        """
        wanted = statuses if statuses is not None else self.settings.sweep_statuses
        wanted_set = frozenset(wanted) if wanted is not None else None
        cutoff = changed_since.timestamp() if isinstance(changed_since, datetime) else changed_since
        reports: list[SyncReport] = []
        errors: list[str] = []
        checked = unchanged = synced = 0
        links = self.store.list_links(self.scope, "wo", LinkState.OK)
        for done, link in enumerate(links, 1):
            if progress is not None:
                progress(done, len(links))
            if cutoff is not None and link.updated_at < cutoff:
                continue
            last_status = (link.data.get("snapshot") or {}).get("status")
            if last_status in self.settings.sweep_skip_statuses:
                continue
            checked += 1
            try:
                report = self._sync(link.work_order_id, statuses=wanted_set, sweep=True,
                                    force=force)
            except Exception as exc:
                errors.append(f"work order {link.work_order_id}: {type(exc).__name__}: {exc}")
                continue
            if report.skipped == "unchanged":
                unchanged += 1
            elif report.skipped is None and report.writes:
                synced += 1  # only work orders where something was written
            reports.append(report)
        return SweepReport(checked=checked, unchanged=unchanged, synced=synced,
                           reports=tuple(reports), errors=tuple(errors))

    # ------------------------------------------------------------------ lookups
    def resource_for(self, provider: User | str | None,
                     ctx: WorkOrderContext | None = None) -> int:
        """The Autotask resource of a Field Nation provider (who logged time or added an expense).

        Providers come as ``{id, first_name, last_name, thumbnail}`` (published
        ``MinimalUser``): no e-mail. In order: ``resource_map`` by the provider's user id;
        ``resource_map`` by e-mail, then an active Resource with that e-mail (cached), both only
        when the response really carries an e-mail; else ``default_resource_id``. Resources are
        never created; with none of these a :class:`SyncInputError` names the provider.
        A plain string is taken as an e-mail (the form of earlier releases).
        """
        settings = self.settings
        email: str | None
        if isinstance(provider, str):
            user_id, email = None, provider
        else:
            user_id = provider.id if provider is not None else None
            email = provider.email if provider is not None else None
        if user_id is not None and str(user_id) in settings.resource_map:
            return settings.resource_map[str(user_id)]
        key = (email or "").strip().lower()
        if "@" not in key:
            key = ""
        if key and key in settings.resource_map:
            return settings.resource_map[key]
        cached_map: dict[str, Any] = ctx.data.setdefault("resources", {}) if ctx else {}
        if key and key in cached_map:
            found: int | None = cached_map[key]
        elif key and settings.lookup_resources_by_email:
            found = self._lookup_resource(key)
            if found:  # only hits are kept with the work order; a miss is asked again later
                cached_map[key] = found
        else:
            found = None
        if found:
            return found
        if settings.default_resource_id is not None:
            return settings.default_resource_id
        who = f"user {user_id}" if user_id is not None else "(unknown)"
        if key:
            who += f" ({_mask_email(key)})"
        raise SyncInputError("resource_map", f"no Autotask resource for Field Nation provider "
                                             f"{who}: map the user id in resource_map or set "
                                             "default_resource_id")

    def _lookup_resource(self, key: str) -> int | None:
        """The active Resource with e-mail ``key`` (cached). Single-flight: threads asking for
        the same e-mail at once share one query (a cold start of many workers would
        otherwise query once per event)."""
        while True:
            with self._resources_lock:
                if key in self._resources:
                    return self._resources[key]
                waiting = self._resources_inflight.get(key)
                if waiting is None:
                    self._resources_inflight[key] = threading.Event()
            if waiting is not None:
                waiting.wait(timeout=60)  # then read the answer, or ask if the query failed
                continue
            try:
                from autotask_fn.autotask.query import eq

                rows = list(self.autotask.query("Resources", eq("email", key),
                                                include_fields=["id", "isActive", "email"]))
                active = [int(r["id"]) for r in rows if r.get("isActive") not in (False, 0)]
                found = min(active) if active else None
                with self._resources_lock:
                    self._resources[key] = found
                return found
            finally:
                with self._resources_lock:
                    self._resources_inflight.pop(key).set()


def _default_linkers(settings: ConnectorSettings) -> list[WorkOrderLinker]:
    # Outbound create when settings.create.enabled; imported late: it subclasses
    # WorkOrderLinker from this module.
    from autotask_fn.sync.outbound_create import OutboundCreateLinker

    return [OutboundCreateLinker()] if settings.create.enabled else []


def _too_large(size: int, limit: int) -> WebhookAck:
    return WebhookAck(413, reason=f"body of {size} bytes is larger than max_webhook_bytes "
                                  f"({limit})")


def _bind(func: Callable[[Any], Any], arg: Any) -> Callable[[], Any]:
    return lambda: func(arg)


def _mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:2]}***@{domain}" if domain else "(no e-mail)"


def _jsonable(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value
