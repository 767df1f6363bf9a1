"""Typed errors of the sync layer, rooted in :class:`autotask_fn.errors.AutotaskFnError`.

* :class:`SettingsError` lists *every* fault found by ``ConnectorSettings.validate`` at once.
* :class:`SyncInputError` names the field whose value cannot be synced (bad input: retrying will
  not help, the inbox entry goes straight to the dead letters).
* :class:`RecordLockedError` and :class:`TicketGoneError` are the terminal cases the reconcile
  records as link states (diverged / unlinked) instead of retrying forever.
* :class:`WorkOrderBusyError` means another worker holds the work order's lock right now;
  :class:`LockLostError` (a kind of it) that a worker's lock was taken over while it worked,
  so it stopped before its next write; :class:`BusyError` is the base of both and of the
  inbound ``ImportBusyError``.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from autotask_fn.errors import AutotaskFnError, ConfigurationError

__all__ = [
    "BusyError",
    "LockLostError",
    "NotValidatedError",
    "RecordLockedError",
    "SettingsError",
    "SettingsFault",
    "SyncError",
    "SyncInputError",
    "TicketGoneError",
    "WorkOrderBusyError",
]


class SyncError(AutotaskFnError):
    """Base class of the errors raised by :class:`autotask_fn.sync.SyncService`."""


@attrs.frozen
class SettingsFault:
    """One problem with one setting: the setting's name and what is wrong with it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class SettingsError(ConfigurationError, SyncError):
    """The settings do not fit the Autotask tenant; ``faults`` lists every problem found."""

    def __init__(self, faults: Sequence[SettingsFault]) -> None:
        self.faults = tuple(faults)
        lines = "\n".join(f"  - {f}" for f in self.faults)
        super().__init__(f"{len(self.faults)} setting(s) do not fit the Autotask tenant:\n{lines}")

    @property
    def fields(self) -> tuple[str, ...]:
        """The names of the faulty settings, in the order found."""
        return tuple(f.field for f in self.faults)


class NotValidatedError(ConfigurationError, SyncError):
    """Settings that were never validated against the tenant were handed to the service."""


class SyncInputError(SyncError):
    """A Field Nation value cannot be written to Autotask; ``field`` names it, and ``record``
    (``"expense 41"``, ``"timelog 7"``) the record it belongs to, when it is one record's.

    Retrying does not help: the inbox entry is dead-lettered with this message (a bad
    record is rejected alone: the rest of its work order still syncs).
    """

    def __init__(self, field: str, message: str, *, record: str | None = None) -> None:
        self.field = field
        self.record = record
        self.reason = message
        super().__init__(f"{record}: {field}: {message}" if record else f"{field}: {message}")


class RecordLockedError(SyncError):
    """An Autotask record refuses changes (approved time, billed charge, submitted report)."""

    def __init__(self, entity: str, record_id: int, reason: str) -> None:
        self.entity = entity
        self.record_id = record_id
        self.reason = reason
        super().__init__(f"{entity} {record_id} is locked in Autotask: {reason}")


class TicketGoneError(SyncError):
    """The linked Autotask ticket was deleted or merged away."""

    def __init__(self, ticket_id: int, work_order_id: int) -> None:
        self.ticket_id = ticket_id
        self.work_order_id = work_order_id
        super().__init__(
            f"Autotask ticket {ticket_id} linked to work order {work_order_id} is gone")


class BusyError(SyncError):
    """Another worker holds what this work needs right now: not a failure. The inbox tries
    again shortly and never counts it toward ``max_attempts``."""


class WorkOrderBusyError(BusyError):
    """Another worker is syncing this work order right now (its lock is held)."""

    def __init__(self, work_order_id: int, detail: str | None = None) -> None:
        self.work_order_id = work_order_id
        super().__init__(detail or f"work order {work_order_id} is being synced by another "
                                   "worker")


class LockLostError(WorkOrderBusyError):
    """This worker's lock (``key``) expired and was taken over, or released, while it was
    still working: it stopped before its next write. Retried like a busy work order."""

    def __init__(self, work_order_id: int, key: str) -> None:
        self.work_order_id = work_order_id
        self.key = key
        SyncError.__init__(self, f"work order {work_order_id}: lost the lock {key!r} to another "
                                 "worker; stopped before the next write")
