"""``run_probe``: walk the contract registry by id and measure each row on the tenant."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import httpx

from autotask_fn.probe.checks import Check, registered_checks
from autotask_fn.probe.context import NotChecked, ProbeContext
from autotask_fn.probe.registry import ContractRow, load_rows
from autotask_fn.probe.report import Outcome, ProbeReport, RowResult
from autotask_fn.probe.unchecked import NOT_CHECKABLE

if TYPE_CHECKING:
    from autotask_fn.autotask import AutotaskClient
    from autotask_fn.fieldnation import FieldNationClient
    from autotask_fn.probe.write import WriteOptions

__all__ = ["run_probe"]

log = logging.getLogger("autotask_fn.probe")


def run_probe(
    autotask: AutotaskClient,
    fieldnation: FieldNationClient | None = None,
    *,
    work_order_id: int | None = None,
    ticket_id: int | None = None,
    write: WriteOptions | None = None,
    rows: Sequence[ContractRow] | None = None,
) -> ProbeReport:
    """Measure every row of the contract registry on the tenant behind the clients.

    Read-only unless ``write`` is given (see :func:`autotask_fn.probe.write.run_writes`,
    which refuses a tenant not marked sandbox). ``work_order_id`` names the Field Nation
    work order whose shapes are read (default: the first of ``workorders_all``);
    ``ticket_id`` the Autotask ticket (default: the first one). ``rows`` defaults to the
    registry shipped with the package.

    Each row comes back ``ok``, ``differs`` or ``not checked`` with the reason; nothing is
    skipped silently.
    """
    context = ProbeContext(autotask, fieldnation, work_order_id=work_order_id,
                           ticket_id=ticket_id)
    checks = registered_checks()
    results = [_one(row, context, checks) for row in (rows if rows is not None else load_rows())]
    report = ProbeReport(rows=results, tenant=context.tenant)
    if write is not None:
        from autotask_fn.probe.write import run_writes

        report.write, report.stays = run_writes(context, write)
    return report


def _one(row: ContractRow, context: ProbeContext, checks: Mapping[str, Check]) -> RowResult:
    check = checks.get(row.id)
    if check is None:
        reason = NOT_CHECKABLE.get(row.id, "no probe for this row")
        prefix = "not checkable: " if row.id in NOT_CHECKABLE else ""
        return RowResult(row.id, Outcome.NOT_CHECKED, why=prefix + reason)
    try:
        found = check(context)
    except NotChecked as exc:
        return RowResult(row.id, Outcome.NOT_CHECKED, why=exc.why)
    except (httpx.HTTPError, ValueError, TypeError, KeyError) as exc:
        log.debug("probe of %s failed", row.id, exc_info=True)
        text = context.redact(f"{type(exc).__name__}: {exc}")
        return RowResult(row.id, Outcome.NOT_CHECKED, why=f"the probe failed: {text}")
    outcome = Outcome.OK if found.ok else Outcome.DIFFERS
    return RowResult(row.id, outcome, found.expected, found.observed)
