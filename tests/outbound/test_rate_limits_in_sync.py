"""The hourly threshold met in the middle of a sync: the tenant pauses, nothing is lost."""

from __future__ import annotations

import pytest
from outbound_world import OutboundWorld

from autotask_fn.store import EntryStatus


@pytest.mark.contract("AT-HOURLY-THRESHOLD", "AT-HOURLY-THRESHOLD-ANSWER")
@pytest.mark.parametrize("status", [429, 500])
def test_a_sync_that_meets_the_hourly_threshold_waits_for_the_window_and_completes(
        status: int) -> None:
    world = OutboundWorld()
    wo, ticket = world.linked_work_order()
    for n in range(3):
        world.fn_fake.post_message(wo, f"message {n}")
    assert set(world.deliver_all()) == {200}
    used = world.at_fake.requests_this_hour()
    world.at_fake.set_tenant_option(hourly_threshold=used + 2, hourly_limit_status=status)
    report = world.svc.process_pending()
    assert report.dead == 0
    assert report.retried >= 1
    assert world.store.count_entries(EntryStatus.DEAD) == 0
    # Until the window moves, the tenant is paused: no request reaches Autotask.
    world.at_fake.reset_requests()
    world.advance(61)
    world.svc.process_pending()
    assert world.at_fake.count_requests() == 0
    assert world.store.count_entries(EntryStatus.DEAD) == 0
    world.wait(3600)
    world.svc.process_pending()
    notes = [n for n in world.at_fake.records("TicketNotes") if n["ticketID"] == ticket]
    assert sorted(n["description"].split("] ")[-1] for n in notes
                  if "message" in n["description"]) == ["message 0", "message 1", "message 2"]
    assert world.store.count_entries(EntryStatus.PENDING) == 0
