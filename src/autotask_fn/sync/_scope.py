"""The Autotask half of a link's :class:`~autotask_fn.store.Scope`: the tenant id."""

from __future__ import annotations

from typing import Any


def tenant_of(autotask: Any) -> int:
    """The tenant id of an Autotask client: its ``tenant_id`` (the configured id, else the
    zone ``ci``), or ``zone.ci`` for clients without that property; ``0`` when unknown.

    Links are keyed by this number only, so a link stored while the id came from zone
    discovery is found again when the same id is configured, and the other way round.
    """
    try:
        value = autotask.tenant_id
    except AttributeError:
        value = autotask.zone.ci
    return int(value or 0)
