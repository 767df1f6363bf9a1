"""The sync core: :class:`SyncService`, :class:`ConnectorSettings`, reports and errors.

See :mod:`autotask_fn.sync.service` for the flow and :mod:`autotask_fn.sync.reconcile` for how
new record kinds plug in.
"""

from autotask_fn.sync.errors import (
    NotValidatedError,
    RecordLockedError,
    SettingsError,
    SettingsFault,
    SyncError,
    SyncInputError,
    TicketGoneError,
    WorkOrderBusyError,
)
from autotask_fn.sync.reconcile import Reconciler, RecordReconciler, WorkOrderContext
from autotask_fn.sync.reports import (
    Action,
    Change,
    ProcessReport,
    SweepReport,
    SyncReport,
    WebhookAck,
)
from autotask_fn.sync.service import SyncService, WorkOrderLinker
from autotask_fn.sync.settings import ConnectorSettings, SettingsPart, ValidatedSettings

__all__ = [
    "Action",
    "Change",
    "ConnectorSettings",
    "NotValidatedError",
    "ProcessReport",
    "Reconciler",
    "RecordLockedError",
    "RecordReconciler",
    "SettingsError",
    "SettingsFault",
    "SettingsPart",
    "SweepReport",
    "SyncError",
    "SyncInputError",
    "SyncReport",
    "SyncService",
    "TicketGoneError",
    "ValidatedSettings",
    "WebhookAck",
    "WorkOrderBusyError",
    "WorkOrderContext",
    "WorkOrderLinker",
]
