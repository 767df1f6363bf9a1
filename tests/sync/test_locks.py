"""The work order's lock while a reconcile runs: renewed before each write, and a worker whose
lock was taken over stops before its next write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from world import World

from autotask_fn.store.base import scoped_key
from autotask_fn.sync import SyncService, WorkOrderContext
from autotask_fn.sync.errors import LockLostError, WorkOrderBusyError
from autotask_fn.sync.reconcilers import default_reconcilers

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


class TakeOver:
    """A step in the middle of a reconcile during which the lock expires and another worker
    takes it over (a slow tenant, a limiter pause)."""

    name = "takeover"

    def __init__(self, world: World) -> None:
        self.world = world

    def fingerprint(self, ctx: WorkOrderContext) -> Any:
        return None

    def reconcile(self, ctx: WorkOrderContext) -> None:
        self.world.advance(ctx.service.settings.lock_ttl + 1)
        key = scoped_key(ctx.scope, "wo", ctx.work_order_id)
        assert self.world.store.try_lock(key, "worker-2", 60, now=self.world.clock())


def test_a_worker_that_lost_its_lock_stops_before_its_next_write() -> None:
    world = World(lock_ttl=30)
    wo, ticket = world.linked_work_order()
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    world.fn_fake.post_message(wo, "On site")
    svc = world.service("worker-1")
    svc.reconcilers = [TakeOver(world), *default_reconcilers()]
    world.at_fake.reset_requests()
    with pytest.raises(LockLostError) as caught:
        svc.sync_work_order(wo)
    assert isinstance(caught.value, WorkOrderBusyError)  # retried like a busy work order
    assert world.at_fake.count_requests("POST", r"TimeEntries$|Notes$") == 0
    assert world.records("TimeEntries", ticket) == []


def test_the_lock_is_renewed_while_writes_go_on() -> None:
    world = World(lock_ttl=30)
    wo, ticket = world.linked_work_order()
    for n in range(3):
        world.fn_fake.log_time(wo, T0 + timedelta(hours=2 * n), T0 + timedelta(hours=2 * n + 1))
    svc = world.service("worker-1")
    key = scoped_key(svc.scope, "wo", wo)
    refused: list[bool] = []
    real_create = world.at.create

    def slow_create(entity: str, fields: dict[str, Any], **kw: Any) -> int:
        world.advance(20)  # each write comes 20 s after the last: 60 s in all, ttl 30 s
        refused.append(not world.store.try_lock(key, "worker-2", 30, now=world.clock()))
        return real_create(entity, fields, **kw)

    world.at.create = slow_create  # type: ignore[method-assign]
    svc.sync_work_order(wo)
    assert len(world.records("TimeEntries", ticket)) == 3
    assert refused == [True, True, True]  # another worker never got in


def test_a_service_on_the_wall_clock_lets_the_store_tell_the_time() -> None:
    # With its default clock the service hands no time to leases and locks: PostgreSQL then
    # uses the server's clock, the same for every worker.
    world = World()
    wo, _ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "hello")
    svc = SyncService(autotask=world.at, fieldnation=world.fn, store=world.store,
                      settings=world.validated, worker_id="wall")
    seen: list[tuple[str, float | None]] = []
    for name in ("lease", "try_lock", "renew_lock"):
        real = getattr(world.store, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            seen.append((_name, kw.get("now")))
            return _real(*args, **kw)

        setattr(world.store, name, spy)
    assert set(world.deliver_all()) == {200}
    svc.process_pending()
    assert {name for name, _ in seen} >= {"lease", "try_lock", "renew_lock"}
    assert {now for _, now in seen} == {None}
