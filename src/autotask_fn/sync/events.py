"""Events a host can count in its own metrics: ``SyncService(..., events=sink)``.

A sink is any callable taking one :data:`SyncEvent`; it is called synchronously, in the
thread doing the work. A sink that raises is logged and ignored: it never breaks a sync::

    from collections import Counter
    from autotask_fn.sync.events import RecordWritten, SyncEvent

    counts: Counter[str] = Counter()

    def count(event: SyncEvent) -> None:
        match event:
            case RecordWritten(kind=kind, action=action):
                counts[f"written.{kind}.{action}"] += 1
            case _:
                counts[type(event).__name__] += 1

    svc = SyncService(..., events=count)

Events carry ids, kinds, statuses and error type names only: never e-mails, names,
record text or secrets.
"""

from __future__ import annotations

import logging
from typing import Literal, Protocol

import attrs

from autotask_fn.sync.reports import Action

__all__ = ["DeadLettered", "EventSink", "RateLimitPaused", "RecordWritten", "SyncEvent",
           "WebhookRefused", "emit"]

log = logging.getLogger("autotask_fn.sync")


@attrs.frozen
class RecordWritten:
    """A record was written: created, updated or deleted in Autotask by a reconcile
    (``target="autotask"``), or a work order created or updated in Field Nation by an
    import (``target="fieldnation"``, ``kind="wo"``)."""

    kind: str
    """Link kind: ``wo``, ``timelog``, ``note``, ``expense``, ``attachment`` ..."""
    action: Action
    """:attr:`Action.CREATED`, :attr:`Action.UPDATED` or :attr:`Action.DELETED`."""
    target: Literal["autotask", "fieldnation"]
    """The service written to."""
    work_order_id: int | None
    ticket_id: int | None
    """The Autotask ticket (or service call, project) of the work order."""
    entity: str | None = None
    """The Autotask entity written (``TimeEntries`` ...), or ``None`` for Field Nation."""
    record_id: int | None = None
    """The id of the record written (Autotask id, or the work order id)."""


@attrs.frozen
class DeadLettered:
    """An inbox entry moved to the dead letters, or a bad Field Nation record kept as one
    (``source="record"``; ``entry_id`` is then ``None``)."""

    source: str
    """Inbox source: ``fieldnation``, ``autotask`` or ``record``."""
    entry_id: int | None
    attempts: int
    error_type: str
    """The exception class name (``SyncInputError``, ``AutotaskServerError`` ...)."""
    work_order_id: int | None = None
    kind: str | None = None
    """The rejected record's kind (``record`` entries)."""


@attrs.frozen
class RateLimitPaused:
    """Work waited because of a rate limit.

    ``where`` says which wait: ``retry`` (a request refused with 429 or a thread limit is
    sent again after ``seconds``), ``budget`` (the Autotask client paces itself before a
    request), ``tenant`` (Autotask's hourly threshold: every request of the tenant waits
    ``seconds``) or ``inbox`` (an inbox entry failed on a rate limit and is due again in
    ``seconds``). Each is one wait at one level: a threshold answer can be counted once as
    ``tenant`` and once more as ``inbox`` for the entry that met it.
    """

    service: Literal["autotask", "fieldnation"]
    where: Literal["retry", "budget", "tenant", "inbox"]
    seconds: float
    target: str | None = None
    """The Autotask entity or Field Nation resource of the request, when known."""


@attrs.frozen
class WebhookRefused:
    """A webhook delivery answered with a non-2xx status (nothing queued)."""

    source: Literal["fieldnation", "autotask"]
    status: int
    """401 (signature), 400 (unreadable), 413 (too large) or 503 (store unavailable)."""
    reason: str | None
    """Why, as in :attr:`~autotask_fn.sync.reports.WebhookAck.reason` (no secret)."""


#: Every event a sink receives.
SyncEvent = RecordWritten | DeadLettered | RateLimitPaused | WebhookRefused


class EventSink(Protocol):
    """Receives :data:`SyncEvent`\\ s (a plain function fits)."""

    def __call__(self, event: SyncEvent, /) -> None:
        """Handle one event (count it); should be quick, must not rely on raising."""


def emit(sink: EventSink | None, event: SyncEvent) -> None:
    """Give ``event`` to ``sink``; an exception from the sink is logged, never raised."""
    if sink is None:
        return
    try:
        sink(event)
    except Exception as exc:
        log.warning("event sink failed on %s: %s", type(event).__name__, type(exc).__name__)
