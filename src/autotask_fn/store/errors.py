"""Errors raised by the link stores and shared limiters."""

from __future__ import annotations

from autotask_fn.errors import AutotaskFnError


class StoreError(AutotaskFnError):
    """A store could not do what was asked (connection lost, database unusable).

    The message never contains a password: DSNs are rendered with the password removed.
    """


class StoreSchemaError(StoreError):
    """The database schema cannot be used by this version of autotask-fn.

    Raised on open when the database was migrated by a newer autotask-fn (its schema version
    is higher than any this version knows), or when a migration step fails (the database is
    then left at its previous version).
    """

    def __init__(self, message: str, *, found: int | None = None, known: int | None = None):
        super().__init__(message)
        self.found = found
        """Schema version found in the database."""
        self.known = known
        """Highest schema version this version of autotask-fn can migrate to."""


__all__ = ["StoreError", "StoreSchemaError"]
