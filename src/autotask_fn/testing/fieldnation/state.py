"""All of the fake's state and domain operations in one object (see the mixed-in modules)."""

from __future__ import annotations

from autotask_fn.testing.fieldnation.activity import ActivityOps
from autotask_fn.testing.fieldnation.files import FileOps
from autotask_fn.testing.fieldnation.workorders import WorkOrderOps


class FieldNationState(WorkOrderOps, ActivityOps, FileOps):
    """Company, users, catalogs, work orders and everything on them."""
