"""Fault matrix over both fakes (in process, over WSGI): every error class and status, before
and after the server acted, slow answers, the hourly budget, thread limits, token expiry.

Each cell states how it must end:

* **exact**: after ``process_pending`` rounds (the service clock moved past the backoff) and
  one sweep, Autotask holds exactly the expected records and no entry is dead;
* **dead**: the fault does not go away within ``max_attempts``; every entry is in the
  dead-letter list with the typed error's name and a text that says why, a direct sync raises
  that typed error, and once the fault is gone a replay of the dead letters ends exact.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from expect import assert_exact, open_entries

from autotask_fn.autotask.errors import (
    AutotaskAuthError,
    AutotaskNotFoundError,
    AutotaskPermissionError,
    AutotaskRateLimitError,
    AutotaskThresholdError,
)
from autotask_fn.errors import AutotaskFnError
from autotask_fn.fieldnation.errors import (
    FieldNationAuthError,
    FieldNationRateLimitError,
    FieldNationServerError,
)
from autotask_fn.sync import ConnectorSettings
from autotask_fn.testing.rig import SyncRig

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
MAX_ATTEMPTS = 4
THREAD_LIMIT = {"errors": ["Thread Threshold Exceeded - The Autotask API thread threshold of "
                           "3 threads has been exceeded. (Itgenatr005)"]}
ALWAYS = 10_000  # a fault count that outlasts every retry

Action = Callable[[SyncRig], object]


@attrs.frozen
class Cell:
    inject: Action
    """Makes the fault happen (after the work is done in Field Nation, before syncing)."""
    seen: Callable[[SyncRig], bool]
    """Whether the fault really met the sync (a cell whose fault never fired proves nothing)."""
    dead: type[AutotaskFnError] | None = None
    """``None``: the cell ends exact. Else the typed error every dead letter names."""
    why: str = ""
    """Regex the dead letter's text (and the raised error) must match."""
    heal: Action | None = None
    """Run before every retry round (a budget that recovers; for dead cells: after the dead
    letters, before their replay)."""


def at(**fault: Any) -> Action:
    return lambda w: w.at_fake.fail_next(**fault)


def fn(**fault: Any) -> Action:
    return lambda w: w.fn_fake.fail_next(**fault)


def at_answered(status: int) -> Callable[[SyncRig], bool]:
    return lambda w: any(r.status == status for r in w.at_fake.requests)


def fn_answered(status: int) -> Callable[[SyncRig], bool]:
    return lambda w: any(r.status == status for r in w.fn_fake.requests)


def exhaust_hourly_budget(w: SyncRig) -> None:
    w.at_fake.set_tenant_option(hourly_threshold=w.at_fake.requests_this_hour() + 2)


def next_hour(w: SyncRig) -> None:
    """An hour later the rolling window is empty and the usual budget is back."""
    w.at_fake.clock.advance(3700)
    w.at_fake.set_tenant_option(hourly_threshold=10_000)


def slow(w: SyncRig) -> None:
    w.at_fake.latency = w.fn_fake.latency = 0.02


def expire_token(w: SyncRig) -> None:
    w.fn_fake.clock.advance(3700)


CELLS = {
    # Autotask
    "at-500-before-acting": Cell(at(path=r"TimeEntries$", method="POST", status=500),
                                 at_answered(500)),
    "at-500-after-acting": Cell(at(path=r"TimeEntries$", method="POST", status=500,
                                   after_acting=True), at_answered(500)),
    "at-503-after-acting-note": Cell(at(path=r"/Notes$", method="POST", status=503,
                                        after_acting=True), at_answered(503)),
    "at-timeout-before-acting": Cell(at(path=r"/query", timeout=True, count=2),
                                     at_answered(0)),
    "at-timeout-after-acting": Cell(at(path=r"/Notes$", method="POST", timeout=True,
                                       after_acting=True), at_answered(0)),
    "at-patch-timeout-after-acting": Cell(at(path=r"Tickets$", method="PATCH", timeout=True,
                                             after_acting=True), at_answered(0)),
    "at-thread-limit": Cell(at(path=r"/query", status=429, body=THREAD_LIMIT, count=4),
                            at_answered(429)),
    "at-429-retry-after": Cell(at(path=r"/Notes$", method="POST", status=429,
                                  headers={"Retry-After": "30"}), at_answered(429)),
    "at-401-once": Cell(at(path=r"TimeEntries$", status=401), at_answered(401)),
    "at-404-once": Cell(at(path=r"TimeEntries$", method="POST", status=404),
                        at_answered(404)),
    "at-slow": Cell(slow, lambda w: w.at_fake.count_requests() > 0),
    "at-hourly-budget-recovers": Cell(exhaust_hourly_budget, at_answered(429),
                                      heal=next_hour),
    "at-401-always": Cell(at(path=r".*", status=401, count=ALWAYS), at_answered(401),
                          dead=AutotaskAuthError, why=r"(?i)rejected the credentials"),
    "at-403-always": Cell(at(path=r"TimeEntries$", method="POST", status=403, count=ALWAYS),
                          at_answered(403), dead=AutotaskPermissionError,
                          why=r"(?i)permission denied.*TimeEntries"),
    "at-404-always": Cell(at(path=r"TimeEntries$", method="POST", status=404, count=ALWAYS),
                          at_answered(404), dead=AutotaskNotFoundError,
                          why=r"(?i)not found.*TimeEntries"),
    "at-hourly-budget-spent": Cell(exhaust_hourly_budget, at_answered(429),
                                   dead=AutotaskThresholdError, why=r"(?i)threshold",
                                   heal=next_hour),
    # Field Nation
    "fn-502": Cell(fn(path=r"/workorders/\d+$", method="GET", status=502, count=2),
                   fn_answered(502)),
    "fn-500-messages": Cell(fn(path=r"/messages", method="GET", status=500),
                            fn_answered(500)),
    "fn-429-retry-after": Cell(lambda w: w.fn_fake.rate_limit_next(2, retry_after=5),
                               fn_answered(429)),
    "fn-token-expired": Cell(expire_token, lambda w: len(w.fn_fake.tokens._tokens) == 2),
    "fn-timeout": Cell(fn(path=r"/workorders/\d+", timeout=True, count=2), fn_answered(0)),
    "fn-slow": Cell(slow, lambda w: w.fn_fake.count_requests() > 0),
    "fn-503-always": Cell(fn(path=r"/workorders/\d+", status=503, count=ALWAYS),
                          fn_answered(503), dead=FieldNationServerError, why=r"503"),
    "fn-401-always": Cell(fn(path=r".*", status=401, count=ALWAYS), fn_answered(401),
                          dead=FieldNationAuthError, why=r"(?i)token"),
}


def drain(world: SyncRig, heal: Action | None) -> None:
    for _ in range(MAX_ATTEMPTS + 3):
        world.svc.process_pending()
        if open_entries(world.svc) == 0:
            return
        world.advance(1000)  # past any backoff (backoff_max is 30 s)
        if heal is not None:
            heal(world)
    raise AssertionError("the inbox never drained")


@pytest.mark.parametrize("name", sorted(CELLS))
def test_fault_cell_ends_exact_or_dead_lettered_with_a_typed_reason(name: str) -> None:
    cell = CELLS[name]
    world = SyncRig(ConnectorSettings(backoff_base=1.0, backoff_max=30.0,
                                      max_attempts=MAX_ATTEMPTS))
    wo, ticket = world.linked_work_order(title=f"Fault {name}")
    checked = world.fn_fake.check_in(wo, T0)
    world.fn_fake.check_out(wo, T0 + timedelta(minutes=75))
    quiet = world.fn_fake.log_time(wo, T0 + timedelta(hours=3), T0 + timedelta(hours=4))
    first = world.fn_fake.post_message(wo, "On site")
    world.fn_fake.post_message(wo, "ok", reply_to=first)
    world.fn_fake.complete_work(wo)
    logs = {wo: {checked: (T0, T0 + timedelta(minutes=75)),
                 quiet: (T0 + timedelta(hours=3), T0 + timedelta(hours=4))}}

    cell.inject(world)
    assert set(world.deliver_all(duplicate=1, shuffle=True, seed=5)) == {200}
    unique = open_entries(world.svc)
    drain(world, None if cell.dead else cell.heal)
    assert cell.seen(world), f"the fault of {name} never met the sync"

    if cell.dead is None:
        world.svc.sweep()
        assert_exact(world, world.svc, [(wo, ticket)], logs)
        return

    assert issubclass(cell.dead, AutotaskFnError)
    dead = world.svc.dead_letters()
    assert len(dead) == unique
    patience = world.svc.settings.rate_limit_patience
    for entry in dead:
        if issubclass(cell.dead, AutotaskRateLimitError | FieldNationRateLimitError):
            # rate limits are waited out for one threshold window before giving up
            assert entry.attempts >= MAX_ATTEMPTS
            assert world.svc.clock() - entry.received_at >= patience
        elif issubclass(cell.dead, AutotaskPermissionError):
            assert entry.attempts == 1  # permanent until granted: dead-lettered at once
        else:
            assert entry.attempts == MAX_ATTEMPTS
        assert (entry.last_error or "").startswith(f"{cell.dead.__name__}: ")
        assert entry.last_error is not None
        assert re.search(cell.why, entry.last_error)
    with pytest.raises(cell.dead, match=cell.why):
        world.svc.sync_work_order(wo)

    # Nothing is lost: once the fault is gone, replaying the dead letters ends exact.
    world.at_fake.clear_faults()
    world.fn_fake.clear_faults()
    if cell.heal is not None:
        cell.heal(world)
    for entry in dead:
        assert world.svc.replay(entry.id)
    drain(world, None)
    world.svc.sweep()
    assert_exact(world, world.svc, [(wo, ticket)], logs)
