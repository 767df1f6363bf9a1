"""The registry of checks: one function per contract row it measures."""

from __future__ import annotations

from collections.abc import Callable

from autotask_fn.probe.context import Finding, ProbeContext

__all__ = ["Check", "check", "registered_checks"]

Check = Callable[[ProbeContext], Finding]

_CHECKS: dict[str, Check] = {}


def check(*row_ids: str) -> Callable[[Check], Check]:
    """Register ``func`` as the read-only check of the given registry rows."""

    def register(func: Check) -> Check:
        for row_id in row_ids:
            if row_id in _CHECKS:
                raise ValueError(f"{row_id} already has a check ({_CHECKS[row_id].__name__})")
            _CHECKS[row_id] = func
        return func

    return register


def registered_checks() -> dict[str, Check]:
    """Every row id with a read-only check (importing the check modules first)."""
    from autotask_fn.probe import checks_autotask, checks_fieldnation  # noqa: F401

    return dict(_CHECKS)
