"""Measure the contract on a real tenant: ``autotask-fn probe`` and :func:`run_probe`.

Every row of the contract registry (``docs/reference/contract.md``, shipped with the package
as :func:`~autotask_fn.probe.registry.load_rows`) is either measured by a check registered
for its id or reported ``not checked`` with the reason; see the guide "Verify your tenant".
"""

from __future__ import annotations

from autotask_fn.probe.registry import ContractRow, load_rows
from autotask_fn.probe.report import Outcome, ProbeReport, RowResult, StaysRecord
from autotask_fn.probe.run import run_probe

__all__ = ["ContractRow", "Outcome", "ProbeReport", "RowResult", "StaysRecord", "load_rows",
           "run_probe"]
