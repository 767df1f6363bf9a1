"""Expenses -> ExpenseItems on weekly ExpenseReports, over both fakes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from outbound_world import PNG, OutboundWorld

from autotask_fn.store.base import LinkState
from autotask_fn.sync import Action
from autotask_fn.sync.outbound_settings import ExpenseSettings
from autotask_fn.testing.autotask.picklists import EXPENSE_CATEGORY_PARTS

PARTS = 302  # the fake Field Nation company's "Parts" category


def items(world: OutboundWorld, ticket: int) -> list[dict]:
    return world.on_ticket("ExpenseItems", ticket)


def test_an_expense_becomes_an_item_on_the_submitters_weekly_report() -> None:
    world = OutboundWorld(expenses=ExpenseSettings(category_map={"Parts": "Parts & Materials"}))
    wo, ticket = world.linked_work_order()
    expense = world.fn_fake.add_expense(wo, "12.35", "HDMI cable", category_id=PARTS,
                                        quantity=3, receipt=PNG)
    world.fn_fake.receipts_on_read = "receipt"  # a variant (FN-EXPENSE-RECEIPT-READ)
    world.sync(wo)
    [item] = items(world, ticket)
    [report] = world.at_fake.records("ExpenseReports")
    assert item["expenseReportID"] == report["id"]
    assert Decimal(str(item["expenseCurrencyExpenseAmount"])) == Decimal("12.35") * 3
    assert item["expenseCategory"] == EXPENSE_CATEGORY_PARTS
    assert item["description"].startswith(f"[FN:custom:expense:{expense}] Parts: HDMI cable")
    assert item["haveReceipt"] is True
    assert report["submitterID"] == world.at_fake.seed.tech_resource_id
    assert report["submit"] is False
    assert report["status"] == 1
    assert "[FN:custom:report:" in report["name"]
    [receipt] = world.on_ticket("TicketAttachments", ticket)
    assert receipt["title"].startswith(f"[FN:custom:receipt:{expense}]")
    assert receipt["fileSize"] == len(PNG)


def test_a_receipt_added_later_sets_have_receipt_and_attaches_it(world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    expense = world.fn_fake.add_expense(wo, "20.00", "Parking")
    world.sync(wo)
    assert items(world, ticket)[0]["haveReceipt"] is False
    assert world.on_ticket("TicketAttachments", ticket) == []
    world.fn_fake.attach_receipt(wo, expense, PNG + b"more", name="parking.png")
    world.fn_fake.receipts_on_read = "receipt"  # a variant (FN-EXPENSE-RECEIPT-READ)
    report = world.sync(wo)
    assert {(c.kind, c.action) for c in report.changes} == {
        ("expense", Action.UPDATED), ("receipt", Action.CREATED)}
    assert items(world, ticket)[0]["haveReceipt"] is True
    [receipt] = world.on_ticket("TicketAttachments", ticket)
    assert receipt["fullPath"] == "parking.png"


def test_one_report_per_week_reused_across_work_orders_and_a_new_one_next_week(
        world: OutboundWorld) -> None:
    wo1, t1 = world.linked_work_order()
    wo2, t2 = world.linked_work_order()
    world.fn_fake.add_expense(wo1, "5.00", "Tolls")
    world.fn_fake.add_expense(wo2, "7.00", "Tolls")
    world.sync(wo1)
    world.sync(wo2)
    [report] = world.at_fake.records("ExpenseReports")
    assert {i["expenseReportID"] for i in items(world, t1) + items(world, t2)} == {report["id"]}
    world.fn_fake.clock.advance(7 * 86400)
    world.fn_fake.add_expense(wo1, "9.00", "Tolls")
    world.sync(wo1)
    reports = world.at_fake.records("ExpenseReports")
    assert len(reports) == 2
    later = max(reports, key=lambda r: r["weekEnding"])
    assert [i["expenseReportID"] for i in items(world, t1)].count(later["id"]) == 1


def test_a_lost_store_finds_the_report_again_by_its_marker(world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    world.fn_fake.add_expense(wo, "5.00", "Tolls")
    world.sync(wo)
    for link in world.store.list_links(world.svc.scope, "report"):
        world.store.delete_link(world.svc.scope, "report", link.fn_id)
    world.fn_fake.add_expense(wo, "6.00", "Tolls")
    report = world.sync(wo)
    assert [c.action for c in report.changes if c.kind == "report"] == [Action.ADOPTED]
    assert len(world.at_fake.records("ExpenseReports")) == 1
    assert len(items(world, ticket)) == 2


def test_a_submitted_report_locks_its_items_and_the_link_diverges(world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    expense = world.fn_fake.add_expense(wo, "5.00", "Tolls")
    world.sync(wo)
    world.at_fake.submit_expense_report(world.at_fake.records("ExpenseReports")[0]["id"])
    world.fn_fake.attach_receipt(wo, expense, PNG)
    world.fn_fake.receipts_on_read = "receipt"  # a variant (FN-EXPENSE-RECEIPT-READ)
    report = world.sync(wo)
    assert [c.action for c in report.changes if c.kind == "expense"] == [Action.DIVERGED]
    link = world.store.get_link(world.svc.scope, "expense", str(expense))
    assert link is not None
    assert link.state == LinkState.DIVERGED
    assert link.data["locked"]
    assert items(world, ticket)[0]["haveReceipt"] is False
    # reported, never retried forever: a later change writes nothing to the item
    world.at_fake.reset_requests()
    world.fn_fake.post_message(wo, "later")
    world.sync(wo)
    assert world.at_fake.count_requests("PATCH", "Items") == 0


def test_a_disapproved_expense_zeroes_its_item_while_the_report_is_open(
        world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    expense = world.fn_fake.add_expense(wo, "40.00", "Hotel")
    world.sync(wo)
    world.fn_fake.set_expense_status(wo, expense, "disapproved")
    world.sync(wo)
    [item] = items(world, ticket)
    assert item["expenseCurrencyExpenseAmount"] == 0
    assert item["isBillableToCompany"] is False
    assert "(disapproved)" in item["description"]


def test_a_disapproved_expense_never_synced_creates_nothing(world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    expense = world.fn_fake.add_expense(wo, "40.00", "Hotel")
    world.fn_fake.set_expense_status(wo, expense, "disapproved")
    world.sync(wo)
    assert items(world, ticket) == []
    assert world.at_fake.records("ExpenseReports") == []


def test_trigger_approved_waits_for_the_buyers_approval() -> None:
    world = OutboundWorld(expenses=ExpenseSettings(trigger="approved"))
    wo, ticket = world.linked_work_order()
    expense = world.fn_fake.add_expense(wo, "15.00", "Fuel", receipt=PNG)
    world.fn_fake.receipts_on_read = "receipt"  # a variant (FN-EXPENSE-RECEIPT-READ)
    world.sync(wo)
    assert items(world, ticket) == []
    assert world.on_ticket("TicketAttachments", ticket) == []
    world.fn_fake.set_expense_status(wo, expense, "approved")
    world.sync(wo)
    assert len(items(world, ticket)) == 1
    assert len(world.on_ticket("TicketAttachments", ticket)) == 1


@pytest.mark.parametrize("submit", [False, True])
def test_reports_are_submitted_after_their_week_only_when_configured(submit: bool) -> None:
    world = OutboundWorld(expenses=ExpenseSettings(submit_reports=submit))
    wo, _ticket = world.linked_work_order()
    world.fn_fake.add_expense(wo, "5.00", "Tolls")
    world.sync(wo)
    assert world.at_fake.records("ExpenseReports")[0]["submit"] is False  # the week is open
    world.fn_fake.clock.advance(8 * 86400)
    world.fn_fake.add_expense(wo, "6.00", "Tolls")
    world.sync(wo)
    first = min(world.at_fake.records("ExpenseReports"), key=lambda r: r["id"])
    assert first["submit"] is submit


def test_a_new_expense_for_a_submitted_weeks_report_is_reported_diverged(
        world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    world.fn_fake.add_expense(wo, "5.00", "Tolls")
    world.sync(wo)
    world.at_fake.submit_expense_report(world.at_fake.records("ExpenseReports")[0]["id"])
    late = world.fn_fake.add_expense(wo, "8.00", "Tolls")
    report = world.sync(wo)  # not dead-lettered: reported
    assert [c.action for c in report.changes if c.kind == "expense"] == [Action.DIVERGED]
    assert len(items(world, ticket)) == 1
    link = world.store.get_link(world.svc.scope, "expense", str(late))
    assert link is not None
    assert link.state == LinkState.DIVERGED


def test_items_are_billed_to_the_tickets_company_read_once(world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    world.fn_fake.add_expense(wo, "5.00", "Tolls")
    world.sync(wo)
    assert items(world, ticket)[0]["companyID"] == world.at_fake.seed.company_id
    world.at_fake.reset_requests()
    world.fn_fake.add_expense(wo, "6.00", "Tolls")
    world.sync(wo)
    assert world.at_fake.count_requests("GET") == 0


@pytest.mark.contract("FN-EXPENSE-RECEIPT-READ")
def test_a_receipt_not_shown_on_read_is_never_claimed(world: OutboundWorld) -> None:
    # Field Nation's published Expense model has no receipt on read: the provider gave one,
    # but nothing the SDK reads shows it, so haveReceipt stays false and nothing is attached.
    wo, ticket = world.linked_work_order()
    world.fn_fake.add_expense(wo, "12.35", "HDMI cable", receipt=PNG)
    world.sync(wo)
    [item] = items(world, ticket)
    assert item["haveReceipt"] is False
    assert world.on_ticket("TicketAttachments", ticket) == []


@pytest.mark.contract("FN-EXPENSE-RECEIPT-READ")
def test_a_receipt_url_on_the_expense_sets_have_receipt_and_is_attached_as_a_link(
        world: OutboundWorld) -> None:
    # Field Nation's Expenses page shows a read receipt as "receipt_url".
    world.fn_fake.receipts_on_read = "receipt_url"
    wo, ticket = world.linked_work_order()
    expense = world.fn_fake.add_expense(wo, "12.35", "HDMI cable", receipt=PNG,
                                        receipt_name="hdmi.png")
    world.sync(wo)
    [item] = items(world, ticket)
    assert item["haveReceipt"] is True
    [receipt] = world.on_ticket("TicketAttachments", ticket)
    assert receipt["title"].startswith(f"[FN:custom:receipt:{expense}]")
    assert receipt["attachmentType"] == "URL"
    assert receipt["fullPath"].endswith("hdmi.png")
    assert world.sync(wo).changes == ()  # nothing twice
