"""Expense reports open by status label, and charges that need a Material Cost Code."""

from __future__ import annotations

import pytest
from outbound_world import OutboundWorld

from autotask_fn.sync import Action, ConnectorSettings
from autotask_fn.sync.errors import SettingsError
from autotask_fn.sync.outbound_settings import ExpenseSettings


def _lose_report_links(world: OutboundWorld) -> None:
    for link in world.store.list_links(world.svc.scope, "report"):
        world.store.delete_link(world.svc.scope, "report", link.fn_id)


@pytest.mark.contract("AT-EXPENSE-REPORT-OPEN")
def test_open_report_statuses_are_resolved_by_label_from_the_metadata() -> None:
    world = OutboundWorld()
    statuses = world.validated.parts["expenses"]["open_report_statuses"]
    labels = {world.at.picklist("ExpenseReports", "status").label_for(v) for v in statuses}
    assert labels == {"In Progress", "Rejected"}


@pytest.mark.contract("AT-EXPENSE-REPORT-OPEN")
def test_a_rejected_report_found_again_takes_items_and_is_resubmitted() -> None:
    world = OutboundWorld(expenses=ExpenseSettings(submit_reports=True))
    wo, ticket = world.linked_work_order()
    world.fn_fake.add_expense(wo, "5.00", "Tolls")
    world.sync(wo)
    [report] = world.at_fake.records("ExpenseReports")
    world.at_fake.submit_expense_report(report["id"])
    world.at_fake.set_expense_report_status(report["id"], "Rejected")  # back to its owner
    _lose_report_links(world)
    world.fn_fake.add_expense(wo, "6.00", "Tolls")
    changes = world.sync(wo).changes
    assert [c.action for c in changes if c.kind == "report"] == [Action.ADOPTED]
    assert [c.action for c in changes if c.kind == "expense"] == [Action.CREATED]
    assert len(world.on_ticket("ExpenseItems", ticket)) == 2
    [link] = world.store.list_links(world.svc.scope, "report")
    assert link.data["locked"] is False
    world.wait(8 * 86400)
    world.fn_fake.clock.advance(8 * 86400)
    world.fn_fake.add_expense(wo, "7.00", "Tolls")
    world.sync(wo)
    assert world.at_fake.record("ExpenseReports", report["id"])["status"] == 2  # resubmitted


@pytest.mark.contract("AT-EXPENSE-REPORT-OPEN")
def test_a_report_approved_for_payment_is_known_locked_when_found_again() -> None:
    world = OutboundWorld()
    wo, _ticket = world.linked_work_order()
    world.fn_fake.add_expense(wo, "5.00", "Tolls")
    world.sync(wo)
    [report] = world.at_fake.records("ExpenseReports")
    world.at_fake.set_expense_report_status(report["id"], "Approved for Payment")
    _lose_report_links(world)
    world.fn_fake.add_expense(wo, "6.00", "Tolls")
    changes = world.sync(wo).changes
    assert [c.action for c in changes if c.kind == "expense"] == [Action.DIVERGED]
    [link] = world.store.list_links(world.svc.scope, "report")
    assert link.data["locked"] is True


@pytest.mark.contract("AT-CHARGE-MATERIAL-CODE")
def test_settings_refuse_a_charge_billing_code_that_is_not_a_material_cost_code() -> None:
    world = OutboundWorld()
    seed = world.at_fake.seed
    settings = ConnectorSettings(expenses=ExpenseSettings(
        destination="ticket_charge", billing_code_map={"Travel": seed.expense_billing_code_id},
        default_billing_code_id=seed.billing_code_id))
    with pytest.raises(SettingsError) as caught:
        settings.validate(world.at)
    text = str(caught.value)
    assert f"BillingCodes {seed.expense_billing_code_id} is not a Material Cost Code" in text
    assert f"BillingCodes {seed.billing_code_id} is not a Material Cost Code" in text
    assert f"{seed.material_billing_code_id} (Parts & Materials)" in text  # what would fit


@pytest.mark.contract("AT-CHARGE-MATERIAL-CODE")
def test_a_material_cost_code_passes_and_reaches_the_charge() -> None:
    world = OutboundWorld()
    code = world.at_fake.seed.material_billing_code_id
    world = OutboundWorld(expenses=ExpenseSettings(destination="ticket_charge",
                                                   default_billing_code_id=code))
    wo, ticket = world.linked_work_order()
    world.fn_fake.add_expense(wo, "9.00", "Cable")
    world.sync(wo)
    [charge] = world.on_ticket("TicketCharges", ticket)
    assert charge["billingCodeID"] == code
