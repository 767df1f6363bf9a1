"""Files, expense receipts and signatures -> TicketAttachments.

* :class:`FileReconciler`: every work order file (kind ``file``) that was not imported from
  Autotask (links of kind ``at_attachment`` are never sent back) and is not denied;
* :class:`ReceiptReconciler`: the receipt of every billed expense (kind ``receipt``, the
  expense's id);
* :class:`SignatureReconciler`: every captured signature (kind ``signature``), embedded and
  always public.

The marker leads the attachment ``title``. Attachments cannot be updated in Autotask, so a
changed file is *replaced* (delete + create); a removed or denied file deletes its attachment.

How a file travels is decided from Field Nation's ``size_bytes`` before anything is downloaded
(see :class:`~autotask_fn.mapping.attachments.AttachmentMapper`): embedded (streamed
download, base64) up to ``attachments.embed_limit``; above it a URL attachment when the link
carries no token, else a TicketNote with a link to the work order.

Autotask accepts 10,000,000 attachment bytes per 5 minutes. Before each embedded upload the
client's limiter is asked (``attachment_budget(nbytes)``); when the budget is spent the upload
is *deferred*: the other records of the work order are still synced, and
:class:`AttachmentBudgetGate` (the last reconciler) raises :class:`AttachmentDeferredError`,
which the inbox retries after the limiter's wait without counting it towards dead-lettering.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import attrs

from autotask_fn.autotask.attachments import ticket_attachments
from autotask_fn.autotask.errors import (
    AutotaskAttachmentLimitError,
    AutotaskNotFoundError,
    AutotaskValidationError,
    is_attachment_budget_text,
)
from autotask_fn.autotask.query import contains, eq, parent_is
from autotask_fn.autotask.upload import StreamedBase64
from autotask_fn.mapping.attachments import AttachmentMapper, Mode, StreamEncoder
from autotask_fn.mapping.outbound import MappedRecord
from autotask_fn.store.base import Link
from autotask_fn.sync.errors import SyncError, SyncInputError
from autotask_fn.sync.expenses import expense_settings, expenses_of, on_ticket
from autotask_fn.sync.outbound_settings import AttachmentSettings, settings_part
from autotask_fn.sync.quiet import expenses_signal
from autotask_fn.sync.reconcile import RecordReconciler, WorkOrderContext, content_hash
from autotask_fn.sync.reports import Action, Change

__all__ = [
    "ECHO_KIND",
    "AttachmentBudgetGate",
    "AttachmentDeferredError",
    "AttachmentReconciler",
    "FileReconciler",
    "ReceiptReconciler",
    "SignatureReconciler",
    "attachment_reconcilers",
]

#: Link kind of a ticket attachment imported into the work order (inbound): never sent back.
ECHO_KIND = "at_attachment"
_DEFERRED = "attachments_deferred"
#: Autotask's answer when its own attachment byte window is full.
_BUDGET_TEXT = re.compile(r"(?i)attachment upload limit|try again later")
_WINDOW = 300.0


class AttachmentDeferredError(SyncError):
    """Attachment uploads wait for Autotask's byte budget; retry after ``retry_after`` s.

    Not a failure: the inbox retries it when the budget allows (``deferred`` is True) and never
    dead-letters an entry for it.
    """

    deferred = True

    def __init__(self, retry_after: float, count: int) -> None:
        self.retry_after = max(1.0, float(retry_after))
        self.count = count
        super().__init__(f"{count} attachment upload(s) deferred by the byte budget; "
                         f"retry in {self.retry_after:.0f} s")


@attrs.frozen
class Source:
    """Where the bytes of one attachment come from (never rendered with its link)."""

    mode: Mode
    name: str | None
    size: int | None
    link: str | None = attrs.field(default=None, repr=False)
    inline: bytes | None = attrs.field(default=None, repr=False)


def attachment_settings(ctx: WorkOrderContext) -> tuple[AttachmentSettings, dict[str, Any]]:
    """The attachment settings and their resolved publish values."""
    part, resolved = settings_part(ctx.settings, "attachments", AttachmentSettings,
                                   ctx.service.autotask)
    assert isinstance(part, AttachmentSettings)
    return part, dict(resolved)


class AttachmentReconciler(RecordReconciler):
    """Base of the attachment reconcilers: budget, streaming, replace, note fallback.

    Subclasses implement :meth:`enabled`, :meth:`sources` and :meth:`fields_for`.
    """

    at_entity = "TicketAttachments"
    parent_field = "parentID"
    can_update = True
    can_delete = True

    def __init__(self, mapper: AttachmentMapper | None = None) -> None:
        self.mapper = mapper or AttachmentMapper()

    # -- what subclasses say ---------------------------------------------------------
    def enabled(self, ctx: WorkOrderContext) -> bool:  # pragma: no cover - overridden
        """True when this kind is synced."""
        return False

    def sources(self, ctx: WorkOrderContext) -> dict[str, Source]:  # pragma: no cover
        """The wanted attachments of this kind, by Field Nation id."""
        return {}

    def fields_for(self, ctx: WorkOrderContext, fn_id: str, src: Source) -> dict[str, Any]:
        """Attachment fields (without data) of one source."""
        _, resolved = attachment_settings(ctx)
        return self.mapper.attachment(
            ctx.service.markers.make(self.kind, fn_id), ticket_id=ctx.ticket_id, name=src.name,
            mode=src.mode, link=src.link, publish=int(resolved.get("publish") or 1),
            size=src.size)

    # -- planning --------------------------------------------------------------------
    def marker_field(self, ctx: WorkOrderContext) -> str:
        """The attachment title carries the marker."""
        return "title"

    def scan_rows(self, ctx: WorkOrderContext) -> list[dict[str, Any]]:
        """The ticket's own attachments (by ``ticketID``, else ``parentID``): the attachments
        of its notes and time entries are never adopted, replaced or deleted."""
        return list(ticket_attachments(ctx.service.autotask, int(ctx.ticket_id)).own)

    def _sources(self, ctx: WorkOrderContext) -> dict[str, Source]:
        key = f"sources:{self.kind}"
        if key not in ctx.cache:
            ctx.cache[key] = self.sources(ctx) if self.enabled(ctx) else {}
        found: dict[str, Source] = ctx.cache[key]
        return found

    def desired(self, ctx: WorkOrderContext) -> Sequence[MappedRecord]:
        """One attachment (or note) per source."""
        settings, _ = attachment_settings(ctx)
        out = []
        for fn_id, src in self._sources(ctx).items():
            if src.mode == "note":
                marker = ctx.service.markers.make(self.kind, fn_id)
                fields = self.mapper.note(
                    marker, ticket_id=ctx.ticket_id, name=src.name, size=src.size,
                    work_order_url=settings.work_order_url.format(
                        work_order_id=ctx.work_order_id),
                    note_type=ctx.settings.note_type, publish=ctx.settings.note_publish)
            else:
                fields = self.fields_for(ctx, fn_id, src)
            out.append(MappedRecord(fn_id, fields))
        return out

    def reconcile(self, ctx: WorkOrderContext) -> None:
        """Create, replace and delete this kind's attachments (when enabled and the work
        order has a ticket)."""
        if self.enabled(ctx) and on_ticket(ctx):
            super().reconcile(ctx)

    def matches(self, row: Any, rec: MappedRecord) -> bool:
        """An adopted attachment is ours when its title (marker and name) is the same."""
        return str(row.get("title") or "") == str(rec.fields.get("title") or "")

    # -- execution -------------------------------------------------------------------
    def create(self, ctx: WorkOrderContext, rec: MappedRecord, digest: str) -> None:
        """Create one attachment (or note) exactly once; embedded bytes wait for the budget.

        A record carrying the marker is adopted before anything is downloaded.
        """
        src = self._sources(ctx)[rec.fn_id]
        if src.mode == "note":
            self._create_note(ctx, rec, digest)
            return
        if self.needs_scan(ctx, rec.fn_id):
            row = self.scan(ctx).get(rec.fn_id)
            if row is not None:
                # Adopt here: the scan just made marks the kind scanned, so the base class
                # would no longer look and would post the fields as they are.
                self.adopt(ctx, rec, digest, row)
                return
        fields = self._payload(ctx, rec, src)
        if fields is not None:
            self._upload(ctx, MappedRecord(rec.fn_id, fields), digest)

    def _upload(self, ctx: WorkOrderContext, rec: MappedRecord, digest: str) -> None:
        try:
            super().create(ctx, rec, digest)
        except AutotaskAttachmentLimitError as exc:  # Autotask's own window is full
            self._defer(ctx, rec.fn_id, exc.retry_after or _WINDOW)
        except SyncInputError as exc:
            if not (is_attachment_budget_text(str(exc)) or _BUDGET_TEXT.search(str(exc))):
                raise
            self._defer(ctx, rec.fn_id, _WINDOW)

    def post(self, ctx: WorkOrderContext, rec: MappedRecord) -> int:
        """POST with the byte budget already cleared by :meth:`_payload`."""
        ctx.fence()
        return ctx.service.autotask.create(self.at_entity, dict(rec.fields),
                                           budget_cleared=True)

    def update(self, ctx: WorkOrderContext, link: Link, rec: MappedRecord, digest: str) -> None:
        """Replace: attachments cannot be updated, so delete the old one and create anew.

        The new bytes are cleared with the budget *before* the old attachment is deleted, so a
        deferred replace leaves the old file in place; they download while the new one is
        uploaded (a failed download leaves the file to the next sync, which creates it).
        """
        src = self._sources(ctx)[rec.fn_id]
        fields = None
        if src.mode != "note":
            fields = self._payload(ctx, rec, src)
            if fields is None:
                return
        if not self._remove(ctx, link):
            return
        ctx.record(Change(self.kind, rec.fn_id, Action.DELETED, link.at_entity, link.at_id,
                          detail="replaced: attachments cannot be updated"))
        if fields is None:
            self._create_note(ctx, rec, digest)
        else:
            self._upload(ctx, MappedRecord(rec.fn_id, fields), digest)

    def delete(self, ctx: WorkOrderContext, link: Link) -> None:
        """Delete the attachment of a removed or denied file (a note stays: notes cannot be
        deleted; its link is dropped)."""
        if self._remove(ctx, link):
            action = Action.DELETED if link.at_entity == self.at_entity else Action.UNLINKED
            ctx.record(Change(self.kind, link.fn_id, action, link.at_entity, link.at_id,
                              detail=None if action == Action.DELETED
                              else "notes cannot be deleted; the note stays"))

    def _remove(self, ctx: WorkOrderContext, link: Link) -> bool:
        if link.at_entity == self.at_entity:
            try:
                self._delete_record(ctx, link.at_id)
            except AutotaskNotFoundError:
                pass
            except AutotaskValidationError as exc:
                self._diverge(ctx, link, exc)
                return False
        ctx.service.store.delete_link(ctx.scope, self.kind, link.fn_id)
        return True

    def _delete_record(self, ctx: WorkOrderContext, at_id: int) -> None:
        ctx.fence()
        ctx.service.autotask.delete(self.at_entity, at_id, parent_id=ctx.ticket_id)

    def _payload(self, ctx: WorkOrderContext, rec: MappedRecord, src: Source
                 ) -> dict[str, Any] | None:
        """The fields to POST, data included; ``None`` when the upload must wait."""
        fields = {k: v for k, v in rec.fields.items() if not k.startswith("_")}
        if src.mode == "url":
            return fields
        nbytes = len(src.inline) if src.inline is not None else int(src.size or 0)
        wait = ctx.service.autotask.limiter.attachment_budget(max(0, nbytes))
        if wait > 0:
            self._defer(ctx, rec.fn_id, wait)
            return None
        if src.inline is not None:
            data, _ = StreamEncoder.encode([src.inline])
            fields["data"] = data
        else:  # downloaded while the request body is sent, once per attempt
            link, fieldnation = str(src.link), ctx.service.fieldnation
            fields["data"] = StreamedBase64(lambda: fieldnation.stream(link), nbytes)
        return fields

    def _defer(self, ctx: WorkOrderContext, fn_id: str, wait: float) -> None:
        deferred: dict[str, float] = ctx.cache.setdefault(_DEFERRED, {})
        deferred[f"{self.kind}:{fn_id}"] = wait
        ctx.record(Change(self.kind, fn_id, Action.SKIPPED, self.at_entity,
                          detail=f"deferred {wait:.0f} s: attachment byte budget"))

    def _create_note(self, ctx: WorkOrderContext, rec: MappedRecord, digest: str) -> None:
        """The note standing for a file that can be neither embedded nor linked."""
        marker = ctx.service.markers.make(self.kind, rec.fn_id)
        autotask, store = ctx.service.autotask, ctx.service.store
        found = [r for r in autotask.query("TicketNotes", [eq("ticketID", ctx.ticket_id),
                                                           contains("title", marker.text)])
                 if marker.in_text(str(r.get("title") or ""))
                 and parent_is(r, "ticketID", int(ctx.ticket_id))]
        if found:
            at_id, action = int(found[0]["id"]), Action.ADOPTED
        else:
            ctx.fence()
            try:
                at_id = autotask.create("TicketNotes", dict(rec.fields))
            except AutotaskValidationError as exc:
                ctx.ensure_ticket()
                raise SyncInputError(f"TicketNotes for {self.kind} {rec.fn_id}",
                                     "; ".join(exc.errors) or exc.message) from exc
            action = Action.CREATED
        store.save_link(Link(scope=ctx.scope, kind=self.kind, fn_id=rec.fn_id,
                             at_entity="TicketNotes", at_id=at_id,
                             work_order_id=ctx.work_order_id, content_hash=digest))
        ctx.record(Change(self.kind, rec.fn_id, action, "TicketNotes", at_id,
                          detail="file too large to attach; link to the work order"))


class FileReconciler(AttachmentReconciler):
    """Work order files -> attachments; imported, denied and removed files are not sent."""

    name = "files"
    kind = "file"
    source = "attachments"

    def enabled(self, ctx: WorkOrderContext) -> bool:
        """``attachments.sync_files``."""
        return attachment_settings(ctx)[0].sync_files

    def fingerprint(self, ctx: WorkOrderContext) -> Any:
        """Every file's id, name, size, status and link path (never its query)."""
        if not self.enabled(ctx):
            return None
        return [[f.id, f.name, f.size_bytes, (f.status or "").upper(),
                 (f.link or "").split("?", 1)[0]] for f in ctx.work_order.attachments]

    def sources(self, ctx: WorkOrderContext) -> dict[str, Source]:
        """Files not denied and not imported from Autotask."""
        settings, _ = attachment_settings(ctx)
        store = ctx.service.store
        out: dict[str, Source] = {}
        for f in ctx.work_order.attachments:
            if f.id is None or (f.status or "").upper() == "DENIED":
                continue
            if store.get_link(ctx.scope, ECHO_KIND, str(f.id)) is not None:
                continue  # came from Autotask: never sent back
            mode = self.mapper.mode(f.size_bytes, f.link, settings.embed_limit)
            out[str(f.id)] = Source(mode=mode, name=f.name, size=f.size_bytes, link=f.link)
        return out


class ReceiptReconciler(AttachmentReconciler):
    """Receipts of billed expenses -> attachments carrying the expense's id in their marker."""

    name = "receipts"
    kind = "receipt"
    source = "expenses"

    def enabled(self, ctx: WorkOrderContext) -> bool:
        """``attachments.sync_receipts`` and expenses are synced."""
        return attachment_settings(ctx)[0].sync_receipts and expense_settings(ctx)[0].enabled

    def fingerprint(self, ctx: WorkOrderContext) -> Any:
        """Receipts of the expenses, with the expense status."""
        if not self.enabled(ctx):
            return None
        signal = expenses_signal(ctx)  # a sweep with sweep_trust_updated on
        if signal is not None:
            return signal
        out = []
        for e in expenses_of(ctx):
            receipt = self.mapper.receipt(e)
            if receipt is not None:
                out.append([e.id, e.status, receipt.id, receipt.name, receipt.size_bytes])
        return out

    def sources(self, ctx: WorkOrderContext) -> dict[str, Source]:
        """The receipt of every expense that is billed under the trigger."""
        from autotask_fn.mapping.billing import BillingMapper

        settings, _ = attachment_settings(ctx)
        trigger = expense_settings(ctx)[0].trigger
        billing = BillingMapper()
        out: dict[str, Source] = {}
        for e in expenses_of(ctx):
            receipt = self.mapper.receipt(e)
            if receipt is None or not billing.wanted(e, trigger):
                continue
            mode = self.mapper.mode(receipt.size_bytes, receipt.link, settings.embed_limit)
            out[str(e.id)] = Source(mode=mode, name=f"Receipt: {receipt.name or 'receipt'}",
                                    size=receipt.size_bytes, link=receipt.link)
        return out

    def fields_for(self, ctx: WorkOrderContext, fn_id: str, src: Source) -> dict[str, Any]:
        """Receipt fields; the file name drops the ``Receipt:`` prefix."""
        fields = super().fields_for(ctx, fn_id, src)
        if src.mode == "embed":
            fields["fullPath"] = self.mapper.file_path((src.name or "").removeprefix(
                "Receipt: "), f"receipt-{fn_id}")
        return fields


class SignatureReconciler(AttachmentReconciler):
    """Captured signatures -> embedded attachments, always public."""

    name = "signatures"
    kind = "signature"
    source = "signatures"

    def enabled(self, ctx: WorkOrderContext) -> bool:
        """``attachments.sync_signatures``."""
        return attachment_settings(ctx)[0].sync_signatures

    def fingerprint(self, ctx: WorkOrderContext) -> Any:
        """Every signature's id, name, title and a hash of its image."""
        if not self.enabled(ctx):
            return None
        return [[s.id, s.name, s.title, content_hash(s.data or "")]
                for s in ctx.work_order.signatures]

    def sources(self, ctx: WorkOrderContext) -> dict[str, Source]:
        """Every signature with readable image data."""
        out: dict[str, Source] = {}
        for s in ctx.work_order.signatures:
            data, _ = self.mapper.signature_data(s)
            if s.id is None or not data:
                continue
            out[str(s.id)] = Source(mode="embed", name=s.name, size=len(data), inline=data)
        return out

    def fields_for(self, ctx: WorkOrderContext, fn_id: str, src: Source) -> dict[str, Any]:
        """Signature fields, published with the public value."""
        _, resolved = attachment_settings(ctx)
        signature = next(s for s in ctx.work_order.signatures if str(s.id) == fn_id)
        fields = self.mapper.signature(ctx.service.markers.make(self.kind, fn_id), signature,
                                       ticket_id=ctx.ticket_id,
                                       publish=int(resolved.get("public_publish") or 1))
        fields["_size"] = src.size
        return fields


class AttachmentBudgetGate:
    """The last reconciler: raises :class:`AttachmentDeferredError` when uploads were
    deferred, so the inbox retries the work order once the byte budget allows."""

    name = "attachment_budget"

    def fingerprint(self, ctx: WorkOrderContext) -> Any:
        """Nothing of its own."""
        return None

    def reconcile(self, ctx: WorkOrderContext) -> None:
        """Raise when any upload of this sync waits for the budget."""
        deferred: dict[str, float] = ctx.cache.get(_DEFERRED) or {}
        if deferred:
            raise AttachmentDeferredError(max(deferred.values()), len(deferred))


def attachment_reconcilers(mapper: AttachmentMapper | None = None) -> list[Any]:
    """Files, receipts, signatures and the budget gate, in the order they run."""
    return [FileReconciler(mapper), ReceiptReconciler(mapper), SignatureReconciler(mapper),
            AttachmentBudgetGate()]
