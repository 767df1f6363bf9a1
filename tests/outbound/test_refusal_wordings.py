"""Refusals in wordings the SDK may not know: locked records and the attachment byte budget.

Autotask documents the locks and the budget, not their texts (contract rows AT-LOCKED-TEXT,
AT-ATTACHMENT-BUDGET). Known phrasings are recognised by keywords; an unknown one is still
safe: a typed error, no half-made link, dead-lettered with the text shown and replayable.
"""

from __future__ import annotations

import pytest
from outbound_world import PNG, OutboundWorld

from autotask_fn.store import EntryStatus
from autotask_fn.store.base import LinkState
from autotask_fn.sync import Action


def dead_letter_text(world: OutboundWorld) -> str:
    [dead] = world.svc.dead_letters()
    return str(dead.last_error)


# -- locked expense reports ---------------------------------------------------------------
def submitted_report_with_new_expense(world: OutboundWorld) -> tuple[int, int, str]:
    wo, ticket = world.linked_work_order()
    world.fn_fake.add_expense(wo, "5.00", "Tolls")
    world.sync(wo)
    world.at_fake.submit_expense_report(world.at_fake.records("ExpenseReports")[0]["id"])
    late = world.fn_fake.add_expense(wo, "8.00", "Tolls")
    return wo, ticket, str(late)


@pytest.mark.contract("AT-LOCKED-TEXT")
@pytest.mark.parametrize("wording", [
    None,  # the fake's own
    "Expense report 4711 is awaiting approval; items can no longer be added.",
    "The report is locked.",
    "Items may not be added: the report is not editable.",
    "This record is read-only.",
])
def test_a_known_phrasing_of_a_lock_makes_the_link_diverge(wording: str | None) -> None:
    world = OutboundWorld()
    world.at_fake.set_tenant_option(locked_text=wording)
    wo, ticket, late = submitted_report_with_new_expense(world)
    report = world.sync(wo)  # not raised: reported
    assert [c.action for c in report.changes if c.kind == "expense"] == [Action.DIVERGED]
    link = world.store.get_link(world.svc.scope, "expense", late)
    assert link is not None
    assert link.state == LinkState.DIVERGED
    assert link.data["locked"] is True
    assert len(world.on_ticket("ExpenseItems", ticket)) == 1


@pytest.mark.contract("AT-LOCKED-TEXT")
def test_an_unknown_refusal_of_a_create_is_dead_lettered_with_its_text_and_replays_once() -> None:
    world = OutboundWorld()
    world.at_fake.set_tenant_option(locked_text="Operation refused for this record (E-4711).")
    wo, ticket, late = submitted_report_with_new_expense(world)
    world.fn_fake.post_message(wo, "ping")  # a delivery, so the inbox has an entry
    assert set(world.deliver_all()) == {200}
    report = world.svc.process_pending()
    assert report.dead == 1
    assert "E-4711" in dead_letter_text(world)
    assert world.store.get_link(world.svc.scope, "expense", late) is None  # nothing half-made
    # The report is reopened; a replay makes the item exactly once.
    [record] = world.at_fake.records("ExpenseReports")
    world.at_fake.set_expense_report_status(record["id"], "Rejected")
    [dead] = world.svc.dead_letters()
    assert world.svc.replay(dead.id)
    world.svc.process_pending()
    world.svc.process_pending()
    assert world.store.count_entries(EntryStatus.DEAD) == 0
    assert len(world.on_ticket("ExpenseItems", ticket)) == 2
    assert world.store.get_link(world.svc.scope, "expense", late).state == LinkState.OK


# -- the attachment byte budget -----------------------------------------------------------
def receipt_over_the_tenants_budget(world: OutboundWorld, wording: str | None) -> int:
    # Another integration spent the tenant's budget: the local limiter cannot know.
    world.at_fake.set_tenant_option(attachment_window_bytes=len(PNG) - 1,
                                    attachment_budget_text=wording)
    wo, _ticket = world.linked_work_order()
    world.fn_fake.receipts_on_read = "receipt"  # a variant (FN-EXPENSE-RECEIPT-READ)
    world.fn_fake.add_expense(wo, "12.00", "Cable", receipt=PNG)
    world.fn_fake.post_message(wo, "receipt added")  # a delivery, so the inbox has an entry
    assert set(world.deliver_all()) == {200}
    return wo


@pytest.mark.contract("AT-ATTACHMENT-BUDGET")
@pytest.mark.parametrize("wording", [
    None,  # the fake's own
    "Upload quota exceeded: {limit} bytes per {minutes} minutes.",
    "You have exceeded the attachment budget for this period.",
    "Limit reached for attachments; wait {minutes} minutes.",
])
def test_a_known_phrasing_of_the_spent_budget_defers_the_upload(wording: str | None) -> None:
    world = OutboundWorld()
    wo = receipt_over_the_tenants_budget(world, wording)
    report = world.svc.process_pending()
    assert report.dead == 0
    assert world.store.count_entries(EntryStatus.PENDING) == 1  # waits, never dead-lettered
    assert len(world.at_fake.records("ExpenseItems")) == 1  # the rest was synced
    world.at_fake.set_tenant_option(attachment_window_bytes=10_000_000)
    world.wait(301)
    world.svc.process_pending()
    receipts = [a for a in world.at_fake.records("TicketAttachments")
                if "receipt" in a["title"]]
    assert len(receipts) == 1
    assert world.store.count_entries(EntryStatus.PENDING) == 0
    assert wo


@pytest.mark.contract("AT-ATTACHMENT-BUDGET")
def test_an_unknown_refusal_of_an_upload_is_dead_lettered_with_its_text_and_replays_once() -> None:
    world = OutboundWorld()
    receipt_over_the_tenants_budget(world, "Request refused (code 17).")
    assert world.svc.process_pending().dead == 1
    assert "code 17" in dead_letter_text(world)
    world.at_fake.set_tenant_option(attachment_window_bytes=10_000_000)
    [dead] = world.svc.dead_letters()
    assert world.svc.replay(dead.id)
    world.svc.process_pending()
    receipts = [a for a in world.at_fake.records("TicketAttachments")
                if "receipt" in a["title"]]
    assert len(receipts) == 1


@pytest.mark.contract("AT-ATTACHMENT-BUDGET")
def test_a_file_too_large_is_not_mistaken_for_the_budget() -> None:
    from autotask_fn.autotask.errors import is_attachment_budget_text

    assert not is_attachment_budget_text(
        "The attachment is 7000000 bytes; the API accepts at most 6000000 bytes per file.")
    assert not is_attachment_budget_text("Attachment exceeds the maximum file size limit.")
    assert is_attachment_budget_text("Attachment upload limit exceeded; try again later.")
