"""What the sync returns: acks for webhooks and reports of what was done (plain attrs values)."""

from __future__ import annotations

import enum
import warnings

import attrs

__all__ = ["Action", "Change", "ProcessReport", "SweepReport", "SyncReport", "WebhookAck"]


@attrs.frozen
class WebhookAck:
    """The answer to give the webhook sender.

    ``status`` is the HTTP status to return (200 accepted or duplicate, 400 malformed, 401 bad
    signature); ``duplicate`` is True when the delivery was seen before; ``entry_id`` is the
    inbox entry (``None`` when nothing was stored); ``reason`` says why a delivery was refused.
    """

    status: int
    duplicate: bool = attrs.field(default=False, kw_only=False)
    entry_id: int | None = None
    reason: str | None = None
    accepted: bool = attrs.field(
        default=attrs.Factory(lambda self: 200 <= self.status < 300, takes_self=True))
    """True when the sender should consider the delivery done (2xx by default)."""


class Action(enum.StrEnum):
    """What happened to one record during a reconcile."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    ADOPTED = "adopted"
    """An existing Autotask record carrying our marker was linked instead of creating again."""
    DIVERGED = "diverged"
    """The Autotask record is locked; the link is marked diverged and left alone."""
    UNLINKED = "unlinked"
    """The Autotask record (or the ticket) is gone; the link is kept as unlinked."""
    SKIPPED = "skipped"
    """Nothing could be written (unmapped value, diverged link ...); ``detail`` says why."""
    REJECTED = "rejected"
    """The Field Nation record is bad input (``detail``: the record, the field and why):
    nothing was written for it, it is kept as a dead letter; the others synced."""


@attrs.frozen
class Change:
    """One record touched (or deliberately not touched) by a reconcile."""

    kind: str
    fn_id: str
    action: Action
    at_entity: str
    at_id: int | None = None
    fields: tuple[str, ...] = ()
    """Autotask fields written (updates) or set (creates)."""
    detail: str | None = None


@attrs.frozen
class SyncReport:
    """The result of reconciling one work order."""

    work_order_id: int
    ticket_id: int | None = None
    changes: tuple[Change, ...] = ()
    skipped: str | None = None
    """Why nothing was reconciled: ``not_linked``, ``unchanged``, ``unlinked`` ..."""

    @property
    def writes(self) -> int:
        """How many Autotask writes were made (creates, updates, deletes)."""
        return sum(c.action in (Action.CREATED, Action.UPDATED, Action.DELETED)
                   for c in self.changes)

    @property
    def rejected(self) -> list[Change]:
        """The records rejected as bad input (see :attr:`Action.REJECTED`)."""
        return [c for c in self.changes if c.action == Action.REJECTED]

    def by_action(self, action: Action) -> list[Change]:
        """The changes with one action.

        .. deprecated:: 0.2
            Filter :attr:`changes` instead (``[c for c in report.changes if c.action ==
            action]``); removed in a later release.
        """
        warnings.warn("SyncReport.by_action is deprecated; filter SyncReport.changes instead",
                      DeprecationWarning, stacklevel=2)
        return [c for c in self.changes if c.action == action]


@attrs.frozen
class ProcessReport:
    """The result of one :meth:`~autotask_fn.sync.SyncService.process_pending` run."""

    processed: int = 0
    """Entries leased and handled."""
    succeeded: int = 0
    retried: int = 0
    """Entries given back for a later attempt (with backoff)."""
    dead: int = 0
    """Entries moved to the dead letters."""
    reports: tuple[SyncReport, ...] = ()
    errors: tuple[str, ...] = ()


@attrs.frozen
class SweepReport:
    """The result of :meth:`~autotask_fn.sync.SyncService.sweep`."""

    checked: int = 0
    """Linked work orders read from Field Nation."""
    unchanged: int = 0
    """Skipped because their Field Nation content hash had not changed (no Autotask call)."""
    synced: int = 0
    """Work orders where something was written to Autotask."""
    reports: tuple[SyncReport, ...] = ()
    errors: tuple[str, ...] = ()
    """One line per work order that failed (``work order <id>: <error>``)."""
