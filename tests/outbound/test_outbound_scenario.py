"""The scenario of the product description: "Providers complete work orders in Field Nation.
You need all labor hours, expenses/charges, and receipts to appear in Autotask for billing and
reporting, without manual entry." Outbound create on, webhooks through the inbox, one sweep
for what comes without events (expenses, signatures)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from outbound_world import PNG, T0, OutboundWorld

from autotask_fn.sync.outbound_settings import ExpenseSettings, OutboundCreateSettings


@pytest.mark.parametrize("destination", ["expense_report", "ticket_charge"])
def test_providers_complete_work_and_labour_expenses_and_receipts_appear_for_billing(
        destination: str) -> None:
    seed = OutboundWorld().at_fake.seed
    world = OutboundWorld(
        expenses=ExpenseSettings(destination=destination),
        create=OutboundCreateSettings(enabled=True, default_company_id=seed.company_id,
                                      assigned_resource_id=seed.tech_resource_id,
                                      assigned_role_id=seed.tech_role_id))
    fn = world.fn_fake
    orders = []
    for n in range(2):
        wo = fn.create_work_order(title=f"Replace POS terminal, store {n}")
        fn.assign(wo)
        start = T0 + timedelta(days=n)
        fn.check_in(wo, start)
        fn.check_out(wo, start + timedelta(hours=2, minutes=30))
        fn.add_expense(wo, "24.99", "Mounting bracket", receipt=PNG)
        fn.receipts_on_read = "receipt"  # a variant (FN-EXPENSE-RECEIPT-READ)
        fn.add_expense(wo, "0.58", "Mileage", quantity=40)
        fn.upload_file(wo, "installed.jpg", b"photo" * 200)
        fn.capture_signature(wo, "Store manager")
        fn.complete_work(wo)
        orders.append(wo)
    world.deliver_all(duplicate=1, shuffle=True, seed=7)
    world.svc.process_pending()
    world.svc.sweep()

    for wo in orders:
        [ticket] = [t for t in world.at_fake.records("Tickets")
                    if t.get("externalID") == f"[FN:custom:wo:{wo}]"]
        tid = ticket["id"]
        assert ticket["status"] == world.validated.status_values["work_done"]
        [entry] = world.on_ticket("TimeEntries", tid)
        assert entry["hoursWorked"] == 2.5
        assert entry["resourceID"] == seed.tech_resource_id
        if destination == "expense_report":
            amounts = sorted(Decimal(str(i["expenseCurrencyExpenseAmount"]))
                             for i in world.on_ticket("ExpenseItems", tid))
            assert amounts == [Decimal("23.20"), Decimal("24.99")]
            receipts = [i["haveReceipt"] for i in world.on_ticket("ExpenseItems", tid)]
            assert sorted(receipts) == [False, True]
        else:
            billable = sorted(Decimal(str(c["billableAmount"]))
                              for c in world.on_ticket("TicketCharges", tid))
            assert billable == [Decimal("23.20"), Decimal("24.99")]
        kinds = sorted(a["title"].split(":")[2] for a in world.on_ticket("TicketAttachments",
                                                                          tid))
        assert kinds == ["file", "receipt", "signature"]
    if destination == "expense_report":
        assert len(world.at_fake.records("ExpenseReports")) == 1  # one technician, one week
    assert world.svc.dead_letters() == []
