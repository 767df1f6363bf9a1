"""The link store protocol and its records.

The store is the durable memory of the sync: which Field Nation record is linked to which
Autotask record (with the hash of the content last written), the inbox of webhook
deliveries waiting to be processed, the dead letters, short-lived per-work-order locks, and
intents (a write about to be made, so a retry after a crash can adopt what was made).

Every record is scoped by :class:`Scope`: the Field Nation environment and the Autotask
tenant (the ``ci`` of zone information), so one database can serve several pairs.

Two implementations follow this protocol: :class:`autotask_fn.store.SqliteStore` (embedded
default) and :class:`autotask_fn.store.PostgresStore` (many workers). Both pass the same test
suite (``tests/store/``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import attrs

#: Current schema version; each store migrates older databases up to it on open.
SCHEMA_VERSION = 2


@attrs.frozen
class Scope:
    """The pair of systems a record belongs to."""

    fn_env: str
    """Field Nation environment name (``production``, ``sandbox`` or a custom name)."""
    at_tenant: int
    """Autotask tenant id (the ``ci`` of zone information)."""


class LinkState(enum.StrEnum):
    """Health of a link."""

    OK = "ok"
    """In sync (as far as we know)."""
    DIVERGED = "diverged"
    """The Autotask side is locked (approved time, billed charge, submitted report): reported,
    never retried forever."""
    UNLINKED = "unlinked"
    """The Autotask record is gone (deleted or merged ticket); kept for the report."""


@attrs.frozen
class Link:
    """One Field Nation record linked to one Autotask record.

    ``kind`` says what is linked (``wo``, ``timelog``, ``note``, ``expense``, ``file``,
    ``signature``, ``receipt``, ``charge``, ``report``, ``at_attachment`` ...). ``fn_id`` is the
    Field Nation id as text; a record split into parts (a time log spanning midnight) uses one
    link per part with ids like ``"77#0"``. ``work_order_id`` groups the links of one work
    order. ``content_hash`` is the hash of what was last written, so unchanged content is
    never written again. ``data`` holds small JSON-able state (for a work order: the last
    synced Field Nation snapshot that diffs are computed against).
    """

    scope: Scope
    kind: str
    fn_id: str
    at_entity: str
    at_id: int
    work_order_id: int
    content_hash: str = ""
    state: LinkState = LinkState.OK
    data: Mapping[str, Any] = attrs.field(factory=dict)
    updated_at: float = 0.0


class EntryStatus(enum.StrEnum):
    """Where an inbox entry is in its life."""

    PENDING = "pending"
    LEASED = "leased"
    DONE = "done"
    DEAD = "dead"


@attrs.frozen
class InboxEntry:
    """A webhook delivery (or a queued job) waiting to be processed."""

    id: int
    source: str
    """``fieldnation``, ``autotask`` or ``job``."""
    delivery_id: str
    """De-duplication key, unique per source."""
    body: bytes
    headers: Mapping[str, str]
    status: EntryStatus
    attempts: int
    received_at: float
    next_attempt_at: float
    lease_owner: str | None = None
    lease_expires_at: float | None = None
    last_error: str | None = None


@runtime_checkable
class Store(Protocol):
    """What the sync needs from durable storage. All times are Unix seconds (float).

    Methods that take ``now`` use it instead of the wall clock when given (tests, replay).
    Implementations must be safe to call from several threads; PostgreSQL also across
    processes and machines.
    """

    # -- links ---------------------------------------------------------------------
    def get_link(self, scope: Scope, kind: str, fn_id: str) -> Link | None:
        """The link of one Field Nation record, or ``None``."""
        ...

    def find_link_by_autotask(
        self, scope: Scope, kind: str, at_entity: str, at_id: int
    ) -> Link | None:
        """The link pointing at one Autotask record, or ``None``."""
        ...

    def links_for_work_order(
        self, scope: Scope, work_order_id: int, kind: str | None = None
    ) -> list[Link]:
        """Every link of one work order (optionally of one kind), in a stable order."""
        ...

    def list_links(
        self,
        scope: Scope | None = None,
        kind: str | None = None,
        state: LinkState | None = None,
    ) -> list[Link]:
        """Links filtered by scope, kind and state (all when ``None``)."""
        ...

    def save_link(self, link: Link) -> Link:
        """Insert or replace the link keyed by (scope, kind, fn_id); returns it as stored
        (``updated_at`` set)."""
        ...

    def delete_link(self, scope: Scope, kind: str, fn_id: str) -> bool:
        """Remove a link; ``True`` if it existed."""
        ...

    # -- inbox and dead letters ----------------------------------------------------
    def enqueue(
        self,
        source: str,
        delivery_id: str,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        now: float | None = None,
        error: str | None = None,
    ) -> bool:
        """Store a delivery; ``False`` (and nothing stored) if (source, delivery_id) was seen
        before, whatever its status. With ``error``: stored as a dead letter at once."""
        ...

    def lease(
        self, owner: str, lease_seconds: float, *, limit: int = 1, now: float | None = None
    ) -> list[InboxEntry]:
        """Take up to ``limit`` due entries (pending with ``next_attempt_at <= now``, or leased
        with an expired lease), oldest first, and lease them to ``owner``. Attempts are
        counted here. Two owners never hold the same entry."""
        ...

    def complete(self, entry_id: int, owner: str) -> bool:
        """Mark a leased entry done; ``False`` if ``owner`` no longer holds the lease."""
        ...

    def retry_later(
        self, entry_id: int, owner: str, error: str, retry_at: float
    ) -> bool:
        """Give a leased entry back to be tried again at ``retry_at``, recording the error."""
        ...

    def dead_letter(self, entry_id: int, owner: str | None, error: str) -> bool:
        """Move an entry to the dead letters with the error that killed it."""
        ...

    def get_entry(self, entry_id: int) -> InboxEntry | None:
        """One entry by id, in any status."""
        ...

    def list_entries(
        self, status: EntryStatus | None = None, *, limit: int = 100
    ) -> list[InboxEntry]:
        """Entries by status (all when ``None``), oldest first."""
        ...

    def replay(self, entry_id: int, *, now: float | None = None) -> bool:
        """Put a dead (or done) entry back to pending, due now, attempts reset."""
        ...

    def discard(self, entry_id: int) -> bool:
        """Delete an entry for good (its delivery id stays remembered for de-duplication)."""
        ...

    def count_entries(self, status: EntryStatus | None = None) -> int:
        """How many entries have a status (all when ``None``)."""
        ...

    # -- locks and intents ---------------------------------------------------------
    def try_lock(
        self, key: str, owner: str, ttl: float, *, now: float | None = None
    ) -> bool:
        """Take (or renew, for the same owner) a lock that expires after ``ttl`` seconds."""
        ...

    def renew_lock(
        self, key: str, owner: str, ttl: float, *, now: float | None = None
    ) -> bool:
        """Extend a lock that ``owner`` still holds; ``False`` when it was taken over or
        released (never takes a free lock)."""
        ...

    def unlock(self, key: str, owner: str) -> bool:
        """Release a lock held by ``owner``."""
        ...

    def put_intent(self, key: str, value: Mapping[str, Any]) -> None:
        """Record an intent (a write about to be made) under ``key``, replacing any."""
        ...

    def get_intent(self, key: str) -> dict[str, Any] | None:
        """The intent recorded under ``key``, if any."""
        ...

    def delete_intent(self, key: str) -> bool:
        """Forget an intent."""
        ...

    # -- lifecycle -----------------------------------------------------------------
    def schema_version(self) -> int:
        """The schema version of the open database."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def scoped_key(scope: Scope, *parts: object) -> str:
    """A lock or intent key that includes the scope, e.g. ``wo:production:123:456``."""
    return ":".join([str(parts[0]), scope.fn_env, str(scope.at_tenant), *map(str, parts[1:])])


__all__: Sequence[str] = [
    "SCHEMA_VERSION",
    "EntryStatus",
    "InboxEntry",
    "Link",
    "LinkState",
    "Scope",
    "Store",
    "scoped_key",
]
