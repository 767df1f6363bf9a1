"""Chaos over the second-half flows: expenses (both destinations), receipts, files and
signatures delivered with duplicates and shuffled, ambiguous failures (the write was made, the
answer lost), a worker that dies holding leases. After draining the inbox and one sweep,
Autotask holds exactly the expected records, nothing twice, and nothing is dead-lettered."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from outbound_world import PNG, OutboundWorld

from autotask_fn.store import EntryStatus
from autotask_fn.sync.outbound_settings import ExpenseSettings

THREAD_LIMIT = {"errors": ["Thread Threshold Exceeded - The Autotask API thread threshold of "
                           "3 threads has been exceeded. (Itgenatr005)"]}


def drain(world: OutboundWorld, rounds: int = 40) -> None:
    for _ in range(rounds):
        world.svc.process_pending()
        if world.store.count_entries(EntryStatus.PENDING) + world.store.count_entries(
                EntryStatus.LEASED) == 0:
            return
        world.wait(1000)
    raise AssertionError("inbox never drained")


def markers(rows: list[dict[str, Any]], field: str) -> Counter[str]:
    return Counter(str(r[field]).split(" ", 1)[0] for r in rows)


@pytest.mark.parametrize("destination", ["expense_report", "ticket_charge"])
@pytest.mark.parametrize("seed", [1, 2])
def test_exact_end_state_of_expenses_receipts_files_and_signatures(destination: str,
                                                                   seed: int) -> None:
    world = OutboundWorld(backoff_base=1.0, backoff_max=30.0, max_attempts=50,
                          expenses=ExpenseSettings(destination=destination))
    fn, at = world.fn_fake, world.at_fake
    env = world.svc.scope.fn_env
    orders = [world.linked_work_order(title=f"Chaos {n}") for n in range(3)]
    expenses: dict[int, dict[int, Decimal]] = {wo: {} for wo, _ in orders}  # id -> total
    disapproved: set[int] = set()
    files: dict[int, set[int]] = {wo: set() for wo, _ in orders}
    signatures: dict[int, int] = {}

    # Phase 1: providers add expenses with receipts (no event), files (events), signatures.
    for n, (wo, _ticket) in enumerate(orders):
        for k in range(2):
            amount = Decimal(f"{10 + n}.{25 * k:02d}")
            expense = fn.add_expense(wo, str(amount), f"Item {k}", receipt=PNG + bytes([k]))
            fn.receipts_on_read = "receipt"  # a variant (FN-EXPENSE-RECEIPT-READ)
            expenses[wo][expense] = amount
        files[wo] |= {fn.upload_file(wo, f"photo{k}.jpg", bytes([n, k]) * 500)
                      for k in range(2)}
        signatures[wo] = fn.capture_signature(wo, f"Manager {n}")
        fn.post_message(wo, f"On site {n}")

    at.fail_next(r"/Items$|/Charges$", method="POST", status=500, after_acting=True)
    at.fail_next(r"/Attachments$", method="POST", timeout=True, after_acting=True)
    if destination == "expense_report":
        at.fail_next(r"ExpenseReports$", method="POST", timeout=True, after_acting=True)
    at.fail_next(r"/Attachments$", method="POST", status=500)
    at.fail_next(r"/query", status=429, body=THREAD_LIMIT, count=2)
    assert set(world.deliver_all(duplicate=0.5, shuffle=True, seed=seed)) == {200}
    assert world.store.lease("worker-that-dies", 120, limit=2, now=world.clock())
    drain(world)
    assert at._faults == []  # every injected fault was met
    world.svc.sweep()  # expenses and signatures come without events

    # Phase 2: the buyer disapproves and denies, the provider removes a file and adds more.
    for wo, _ticket in orders:
        refused = min(expenses[wo])
        fn.set_expense_status(wo, refused, "disapproved")
        disapproved.add(refused)
        denied, removed = sorted(files[wo])
        fn.set_file_status(wo, denied, "DENIED")
        fn.delete_file(wo, removed)
        files[wo] -= {denied, removed}
        files[wo].add(fn.upload_file(wo, "after.pdf", b"%PDF after"))
        extra = fn.add_expense(wo, "3.10", "Late parking")
        expenses[wo][extra] = Decimal("3.10")
    at.fail_next(r"/Attachments/\d+$", method="DELETE", status=500)
    if destination == "expense_report":  # the zeroing PATCH of a disapproved expense
        at.fail_next(r"/Items$", method="PATCH", status=500, after_acting=True)
    else:  # the DELETE of a disapproved expense's charge
        at.fail_next(r"/Charges/\d+$", method="DELETE", status=500, after_acting=True)
    world.deliver_all(duplicate=1, shuffle=True, seed=seed)
    drain(world)
    world.svc.sweep()
    assert at._faults == []

    # Exactly the expected records.
    for wo, ticket in orders:
        live = {e: amount for e, amount in expenses[wo].items() if e not in disapproved}
        if destination == "expense_report":
            rows = world.on_ticket("ExpenseItems", ticket)
            got = {r["description"].split(" ", 1)[0]: Decimal(str(
                r["expenseCurrencyExpenseAmount"])) for r in rows}
            assert len(rows) == len(got)
            assert got == {f"[FN:{env}:expense:{e}]": (Decimal(0) if e in disapproved
                                                        else amount)
                           for e, amount in expenses[wo].items()}
        else:
            rows = world.on_ticket("TicketCharges", ticket)
            assert markers(rows, "notes") == Counter(f"[FN:{env}:charge:{e}]" for e in live)
        want = Counter([f"[FN:{env}:receipt:{e}]" for e in live if e in list(expenses[wo])[:2]]
                       + [f"[FN:{env}:file:{f}]" for f in files[wo]]
                       + [f"[FN:{env}:signature:{signatures[wo]}]"])
        assert markers(world.on_ticket("TicketAttachments", ticket), "title") == want
    if destination == "expense_report":
        assert len(at.records("ExpenseReports")) == 1  # one submitter, one week
        assert len(at.records("ExpenseItems")) == sum(len(e) for e in expenses.values())
    else:
        assert at.records("ExpenseItems") == []
    assert world.svc.dead_letters() == []

    # And from here on, replays and sweeps write nothing.
    at.reset_requests()
    world.svc.sweep()
    assert at.count_requests() == 0
