"""Quiet sweeps: what a sweep reads from Field Nation when nothing changed, by default and with
the opt-in change signals (``sweep_trust_message_count``, ``sweep_trust_updated``)."""

from __future__ import annotations

import pytest
from world import World

from autotask_fn.sync.quiet import SETTLE_SECONDS

SIGNALS = {"sweep_trust_message_count": True, "sweep_trust_updated": True}
LATER = 3600.0  # a sweep runs well after the changes it looks for


def synced_world(**settings: bool) -> tuple[World, list[int]]:
    """Three linked work orders with a message and an expense each, all synced, an hour ago."""
    world = World(**settings)
    wos = [world.linked_work_order(title=f"Quiet {n}")[0] for n in range(3)]
    for wo in wos:
        world.fn_fake.post_message(wo, "On site at 9")
        world.fn_fake.add_expense(wo, "12.50", "Parking")
    world.fn_fake.take_deliveries()
    world.svc.sweep()
    world.fn_fake.clock.advance(LATER)
    world.svc.sweep()  # the signals of what was synced are now old enough to be trusted
    return world, wos


def reads(world: World, sweep: bool = True) -> dict[str, int]:
    """Field Nation GETs one sweep makes, by what they read."""
    before = len(world.fn_fake.requests)
    if sweep:
        world.svc.sweep()
    got = [r.path for r in world.fn_fake.requests[before:] if r.method == "GET"]
    return {"work order": sum(1 for p in got if p.rstrip("/").split("/")[-1].isdigit()),
            "expenses": sum(1 for p in got if p.endswith("/expenses")),
            "messages": sum(1 for p in got if p.endswith("/messages"))}


def test_by_default_a_quiet_sweep_reads_each_work_order_its_expenses_and_messages() -> None:
    world, _wos = synced_world()
    world.at_fake.reset_requests()
    assert reads(world) == {"work order": 3, "expenses": 3, "messages": 3}
    assert world.at_fake.count_requests() == 0


@pytest.mark.contract("FN-WO-MESSAGE-COUNT", "FN-WO-UPDATED-MOVES")
def test_with_the_signals_a_quiet_sweep_reads_only_the_work_orders() -> None:
    world, _wos = synced_world(**SIGNALS)
    world.at_fake.reset_requests()
    assert reads(world) == {"work order": 3, "expenses": 0, "messages": 0}
    assert world.at_fake.count_requests() == 0


@pytest.mark.contract("FN-WO-UPDATED-MOVES")
def test_a_new_expense_moves_updated_and_the_sweep_reads_and_syncs_it() -> None:
    world, (wo, *_others) = synced_world(sweep_trust_updated=True)
    world.fn_fake.add_expense(wo, "40.00", "Ladder rental")
    world.fn_fake.clock.advance(LATER)
    world.at_fake.reset_requests()
    before = len(world.fn_fake.requests)
    report = world.svc.sweep()
    expense_reads = [r.path for r in world.fn_fake.requests[before:]
                     if r.path.endswith("/expenses")]
    assert expense_reads == [f"/api/rest/v2/workorders/{wo}/expenses"]
    assert report.synced == 1
    assert world.at_fake.count_requests("POST", r"/Expenses/\d+/Items$") == 1


def test_an_updated_time_younger_than_the_settle_time_is_not_trusted() -> None:
    # updated has whole seconds: an expense added in the second the work order was last read
    # would leave it as it was, so a recent time means "read the expenses".
    world, wos = synced_world(sweep_trust_updated=True)
    world.fn_fake.add_expense(wos[0], "40.00", "Ladder rental")
    world.fn_fake.clock.advance(SETTLE_SECONDS / 2)
    assert reads(world)["expenses"] >= 1


@pytest.mark.contract("FN-WO-MESSAGE-COUNT")
def test_a_new_message_raises_the_count_and_the_sweep_syncs_it() -> None:
    world, (wo, *_others) = synced_world(sweep_trust_message_count=True)
    world.fn_fake.post_message(wo, "Parts arrive tomorrow")
    world.fn_fake.take_deliveries()  # the event is lost: only the sweep can see it
    world.at_fake.reset_requests()
    got = reads(world)
    assert got["messages"] == 1
    notes = [n["description"] for n in world.at_fake.records("TicketNotes")]
    assert any("Parts arrive tomorrow" in text for text in notes)


@pytest.mark.contract("FN-WO-MESSAGE-COUNT")
def test_a_reply_leaves_the_count_so_the_sweep_skips_it_and_its_event_syncs_it() -> None:
    world, (wo, *_others) = synced_world(sweep_trust_message_count=True)
    thread = world.fn_fake.post_message(wo, "Which door?")
    world.svc.sync_work_order(wo)
    world.fn_fake.take_deliveries()
    world.fn_fake.post_message(wo, "The back door", reply_to=thread)
    world.fn_fake.take_deliveries()
    assert reads(world)["messages"] == 0  # documented: a sweep does not see a lone reply
    assert not any("The back door" in n["description"]
                   for n in world.at_fake.records("TicketNotes"))
    world.svc.sync_work_order(wo)  # what the reply's webhook event does
    assert any("The back door" in n["description"]
               for n in world.at_fake.records("TicketNotes"))
