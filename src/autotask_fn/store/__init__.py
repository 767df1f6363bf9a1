"""Durable memory of the sync: links, inbox, dead letters, locks and intents.

:class:`SqliteStore` is the embedded default; :class:`PostgresStore` (extra
``autotask-fn[postgres]``) serves many workers. Both implement :class:`Store`. PostgresStore
and the shared limiters are imported lazily, so psycopg and redis stay optional.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autotask_fn.store.base import (
    SCHEMA_VERSION,
    EntryStatus,
    InboxEntry,
    Link,
    LinkState,
    Scope,
    Store,
    scoped_key,
)
from autotask_fn.store.errors import StoreError, StoreSchemaError
from autotask_fn.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from autotask_fn.store.limiters import PostgresLimiter, RedisLimiter
    from autotask_fn.store.postgres import PostgresStore

__all__ = [
    "SCHEMA_VERSION",
    "EntryStatus",
    "InboxEntry",
    "Link",
    "LinkState",
    "PostgresLimiter",
    "PostgresStore",
    "RedisLimiter",
    "Scope",
    "SqliteStore",
    "Store",
    "StoreError",
    "StoreSchemaError",
    "scoped_key",
]


def __getattr__(name: str) -> Any:
    if name == "PostgresStore":
        from autotask_fn.store.postgres import PostgresStore

        return PostgresStore
    if name in {"RedisLimiter", "PostgresLimiter"}:
        from autotask_fn.store import limiters

        return getattr(limiters, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
