"""Locks the sync holds in the store while it writes, renewed and checked before each write.

A :class:`HeldLock` is taken with :func:`acquire` (optionally waiting a little for another
worker to finish) and :meth:`HeldLock.fence`\\ d before every write: the fence renews the lock
for another ``ttl`` and raises :class:`~autotask_fn.sync.errors.LockLostError` when the lock is
no longer ours (it expired during a slow step and another worker took it over, or was
released). So a reconcile that outlives ``lock_ttl`` keeps its lock while it keeps writing,
and one that lost it stops before its next write instead of doubling the other's work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from autotask_fn.sync.errors import LockLostError

if TYPE_CHECKING:
    from autotask_fn.store.base import Store

__all__ = ["HeldLock", "acquire"]

#: Seconds between two attempts while waiting for a lock.
POLL = 0.05


@attrs.define
class HeldLock:
    """A lock taken in the store by ``owner``.

    ``now`` gives the time passed to the store (``None``: the store's own clock, which is
    the database server's on PostgreSQL). ``work_order_id`` names the work order in errors.
    """

    store: Store
    key: str
    owner: str
    ttl: float
    now: Callable[[], float | None]
    work_order_id: int = 0
    fences: int = 0

    def fence(self) -> None:
        """Renew the lock before a write; raise :class:`LockLostError` when it is lost."""
        self.fences += 1
        if not self.store.renew_lock(self.key, self.owner, self.ttl, now=self.now()):
            raise LockLostError(self.work_order_id, self.key)

    def release(self) -> None:
        """Give the lock back (a no-op when another owner holds it now)."""
        self.store.unlock(self.key, self.owner)


def acquire(store: Store, key: str, owner: str, ttl: float, *,
            now: Callable[[], float | None], wait: float = 0.0,
            work_order_id: int = 0, sleep: Callable[[float], None] = time.sleep
            ) -> HeldLock | None:
    """Take ``key`` for ``owner``, trying again for up to ``wait`` seconds (wall time) while
    another owner holds it; ``None`` when it stayed busy."""
    stop = time.monotonic() + wait
    while True:
        if store.try_lock(key, owner, ttl, now=now()):
            return HeldLock(store, key, owner, ttl, now, work_order_id)
        if time.monotonic() >= stop:
            return None
        sleep(POLL)
