"""Change signals: what lets a sweep skip a sub-resource read (issue 20, opt-in).

A sweep reads each linked work order and, to see whether anything changed, its expenses and
its messages: three Field Nation calls for a work order where nothing happened. The work
order itself carries signals that move when those sub-resources change; with the matching
setting on, a sweep fingerprints the signal instead of reading the sub-resource:

* ``sweep_trust_message_count``: the message count the full work order carries
  (``messages.metadata.total``, contract row ``FN-WO-MESSAGE-COUNT``). A reply to an existing
  message does not change it, so a reply is left to its webhook event or to the next change.
* ``sweep_trust_updated``: the work order's ``updated`` time, which moves when an expense is
  added or changed (``FN-WO-UPDATED-MOVES``, unconfirmed); trusted only once it is
  :data:`SETTLE_SECONDS` old.

Only sweeps use the signals; a sync made for a webhook event or by hand reads everything, as
before. A signal the work order does not carry means "read it". After every completed
reconcile the service stores the signals' hash beside the full one (``fn_quiet_hash``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autotask_fn.fieldnation.models import parse_fn_datetime

if TYPE_CHECKING:
    from autotask_fn.sync.reconcile import WorkOrderContext

#: How old (by the service's clock) a work order's ``updated`` time must be before a sweep
#: trusts it: covers changes made in the same second as a read, and clock skew.
SETTLE_SECONDS = 300.0

#: ``ctx.cache`` key set while the service fingerprints a work order from its signals.
QUIET = "quiet:signals"


def _section(ctx: WorkOrderContext, name: str) -> Any:
    return ctx.work_order.raw.get(name)


def messages_signal(ctx: WorkOrderContext) -> list[Any] | None:
    """The message count standing for the messages in a sweep's fingerprint, or ``None``
    (read the messages)."""
    if not ctx.cache.get(QUIET) or not ctx.settings.settings.sweep_trust_message_count:
        return None
    section = _section(ctx, "messages")
    meta = section.get("metadata") if isinstance(section, dict) else None
    total = meta.get("total") if isinstance(meta, dict) else None
    return None if total is None else ["messages.total", total]


def expenses_signal(ctx: WorkOrderContext) -> list[Any] | None:
    """The work order's ``updated`` time standing for its expenses in a sweep's fingerprint,
    or ``None`` (read the expenses).

    ``updated`` has whole seconds, so an expense added in the second the work order was read
    could leave it as it was: a time less than :data:`SETTLE_SECONDS` before the service's
    clock (or after it: clocks differ) is not trusted, and the expenses are read.
    """
    if not ctx.cache.get(QUIET) or not ctx.settings.settings.sweep_trust_updated:
        return None
    updated = parse_fn_datetime(_section(ctx, "updated"))
    if updated is None or ctx.service.clock() - updated.timestamp() < SETTLE_SECONDS:
        return None
    return ["updated", updated.isoformat()]


def enabled(ctx: WorkOrderContext) -> bool:
    """Whether any signal setting is on."""
    settings = ctx.settings.settings
    return settings.sweep_trust_message_count or settings.sweep_trust_updated


__all__ = ["QUIET", "SETTLE_SECONDS", "enabled", "expenses_signal", "messages_signal"]
