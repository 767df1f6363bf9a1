"""Expenses -> TicketCharges (the other destination), and the settings that allow it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from outbound_world import PNG, OutboundWorld

from autotask_fn.store.base import LinkState
from autotask_fn.sync import Action, ConnectorSettings
from autotask_fn.sync.errors import SettingsError
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.sync.outbound_settings import ExpenseSettings, OutboundCreateSettings


def charge_world() -> OutboundWorld:
    world = OutboundWorld()
    code = world.at_fake.seed.material_billing_code_id
    return OutboundWorld(expenses=ExpenseSettings(destination="ticket_charge",
                                                  billing_code_map={"Travel": code}))


def test_an_expense_becomes_a_charge_with_decimal_units_and_its_billing_code() -> None:
    world = charge_world()
    wo, ticket = world.linked_work_order()
    expense = world.fn_fake.add_expense(wo, "0.58", "Mileage to site", category_id=303,
                                        quantity=37, receipt=PNG)
    world.fn_fake.receipts_on_read = "receipt"  # a variant (FN-EXPENSE-RECEIPT-READ)
    world.sync(wo)
    [charge] = world.on_ticket("TicketCharges", ticket)
    assert Decimal(str(charge["unitCost"])) == Decimal("0.58")
    assert Decimal(str(charge["unitQuantity"])) == 37
    assert Decimal(str(charge["billableAmount"])) == Decimal("21.46")
    assert charge["billingCodeID"] == world.at_fake.seed.material_billing_code_id
    assert charge["notes"].startswith(f"[FN:custom:charge:{expense}]")
    assert charge["name"] == "Travel: Mileage to site"
    assert world.at_fake.records("ExpenseItems") == []  # one destination only
    [receipt] = world.on_ticket("TicketAttachments", ticket)
    assert receipt["title"].startswith(f"[FN:custom:receipt:{expense}]")


def test_a_disapproved_expense_deletes_its_charge_and_receipt() -> None:
    world = charge_world()
    wo, ticket = world.linked_work_order()
    expense = world.fn_fake.add_expense(wo, "30.00", "Lunch", receipt=PNG)
    world.fn_fake.receipts_on_read = "receipt"  # a variant (FN-EXPENSE-RECEIPT-READ)
    world.sync(wo)
    world.fn_fake.set_expense_status(wo, expense, "disapproved")
    report = world.sync(wo)
    assert {(c.kind, c.action) for c in report.changes} == {
        ("charge", Action.DELETED), ("receipt", Action.DELETED)}
    assert world.on_ticket("TicketCharges", ticket) == []
    assert world.on_ticket("TicketAttachments", ticket) == []


def test_a_billed_charge_is_not_deleted_and_its_link_diverges() -> None:
    world = charge_world()
    wo, ticket = world.linked_work_order()
    expense = world.fn_fake.add_expense(wo, "30.00", "Lunch")
    world.sync(wo)
    [charge] = world.on_ticket("TicketCharges", ticket)
    world.at_fake.bill_charge(charge["id"])
    world.fn_fake.set_expense_status(wo, expense, "disapproved")
    report = world.sync(wo)
    assert [c.action for c in report.changes if c.kind == "charge"] == [Action.DIVERGED]
    assert len(world.on_ticket("TicketCharges", ticket)) == 1
    link = world.store.get_link(world.svc.scope, "charge", str(expense))
    assert link is not None
    assert link.state == LinkState.DIVERGED


def test_a_changed_expense_updates_its_charge_with_one_call() -> None:
    world = charge_world()
    wo, _ticket = world.linked_work_order()
    expense = world.fn_fake.add_expense(wo, "30.00", "Lunch")
    world.sync(wo)
    world.fn_fake.set_expense_status(wo, expense, "approved")  # status alone: same charge
    world.at_fake.reset_requests()
    world.sync(wo)
    assert world.at_fake.count_requests() == 0


@pytest.mark.parametrize(("create", "inbound"), [
    (OutboundCreateSettings(enabled=True, service_object="ServiceCall",
                            default_company_id=0), InboundSettings()),
    (OutboundCreateSettings(), InboundSettings(service_object="Projects")),
])
def test_settings_refuse_charges_unless_the_service_object_is_ticket(
        world: OutboundWorld, create: OutboundCreateSettings, inbound: InboundSettings) -> None:
    settings = ConnectorSettings(expenses=ExpenseSettings(destination="ticket_charge"),
                                 create=create, inbound=inbound)
    with pytest.raises(SettingsError) as caught:
        settings.validate(world.at)
    assert "expenses.destination" in caught.value.fields


def test_unknown_labels_and_billing_codes_fail_at_validation(world: OutboundWorld) -> None:
    settings = ConnectorSettings(expenses=ExpenseSettings(
        category_map={"Parts": "Spare parts"}, billing_code_map={"Parts": 999}))
    with pytest.raises(SettingsError) as caught:
        settings.validate(world.at)
    assert set(caught.value.fields) >= {"expenses.category_map['Parts']",
                                        "expenses.billing_code_map"}
