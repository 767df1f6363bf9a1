"""Expenses as Autotask billing records (pure; subclass :class:`BillingMapper` to change one).

* :meth:`BillingMapper.expense_item`: an ExpenseItem on the submitter's weekly report;
* :meth:`BillingMapper.charge`: a TicketCharge on the ticket;
* :meth:`BillingMapper.report`: a new ExpenseReport (one per submitter and week ending).

Money is :class:`~decimal.Decimal` throughout. A Field Nation expense has a unit ``amount`` and
a ``quantity``: a charge gets both (``unitCost``/``unitPrice`` and ``unitQuantity``); an
expense item has one amount, the total (amount times quantity, to the cent).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from autotask_fn.fieldnation.models import Expense
from autotask_fn.mapping.markers import Marker
from autotask_fn.mapping.outbound import MappedRecord, at_date
from autotask_fn.mapping.text import fit, html_to_text

__all__ = ["DISAPPROVED", "BillingMapper", "week_ending"]

_CENT = Decimal("0.01")
#: Field Nation expense statuses that mean the buyer refused it.
DISAPPROVED = frozenset({"disapproved", "rejected", "denied"})
#: Field Nation expense statuses that mean the buyer accepted it.
APPROVED = frozenset({"approved"})

# Autotask field lengths (reference §3; the fake's metadata agrees).
_ITEM_DESCRIPTION = 128
_CHARGE_NAME = 100
_CHARGE_DESCRIPTION = 500
_CHARGE_NOTES = 2000
_REPORT_NAME = 100


def week_ending(day: date, ending_weekday: int) -> date:
    """The last day (weekday ``ending_weekday``, 0 Monday) of the week containing ``day``."""
    return day + timedelta(days=(ending_weekday - day.weekday()) % 7)


class BillingMapper:
    """Field Nation expenses -> ExpenseItems, TicketCharges and ExpenseReports."""

    def status(self, expense: Expense) -> str:
        """The expense status, lower case (``new``, ``approved``, ``disapproved``)."""
        return (expense.status or "new").strip().lower()

    def is_disapproved(self, expense: Expense) -> bool:
        """True when the buyer refused the expense."""
        return self.status(expense) in DISAPPROVED

    def wanted(self, expense: Expense, trigger: str) -> bool:
        """True when the expense should be billed under ``trigger`` (submitted or approved)."""
        if expense.id is None or self.is_disapproved(expense):
            return False
        return trigger != "approved" or self.status(expense) in APPROVED

    def expense_date(self, expense: Expense, today: date) -> date:
        """The day the expense was added (UTC), or ``today`` when Field Nation gives none."""
        added = expense.added
        if added is None:
            return today
        return (added.astimezone(UTC) if added.tzinfo else added).date()

    def quantity(self, expense: Expense) -> Decimal:
        """Units (at least 1)."""
        qty = expense.quantity if expense.quantity is not None else Decimal(1)
        return Decimal(qty) if qty > 0 else Decimal(1)

    def unit_amount(self, expense: Expense) -> Decimal:
        """The unit amount, to the cent."""
        return Decimal(expense.amount or 0).quantize(_CENT, rounding=ROUND_HALF_UP)

    def total(self, expense: Expense) -> Decimal:
        """Unit amount times quantity, to the cent."""
        return (self.unit_amount(expense) * self.quantity(expense)).quantize(
            _CENT, rounding=ROUND_HALF_UP)

    def label(self, expense: Expense) -> str:
        """Category and description, as people read it."""
        text = html_to_text(expense.description) or "Expense"
        return f"{expense.category}: {text}" if expense.category else text

    def category(self, expense: Expense, categories: Mapping[str, Any], default: int) -> int:
        """The ``expenseCategory`` value of the expense's Field Nation category."""
        value = categories.get(expense.category or "")
        return int(value) if value is not None else default

    def billing_code(self, expense: Expense, codes: Mapping[str, int], default: int | None
                     ) -> int | None:
        """The billing code of the expense's Field Nation category."""
        return codes.get(expense.category or "", default)

    def report(self, marker: Marker, *, resource_id: int, ending: date, template: str
               ) -> dict[str, Any]:
        """A new ExpenseReport (unsubmitted); the marker ends its name."""
        name = template.format(week_ending=ending.isoformat(), resource_id=resource_id)
        return {"name": fit(name, _REPORT_NAME, marker.text), "submitterID": resource_id,
                "weekEnding": at_date(ending), "submit": False}

    def expense_item(self, expense: Expense, marker: Marker, *, report_id: int, ticket_id: int,
                     day: date, category: int, billable: bool, reimbursable: bool,
                     have_receipt: bool, payment_type: int | None = None,
                     company_id: int | None = None, zeroed: bool = False) -> MappedRecord:
        """One expense as an ExpenseItem (``zeroed``: a disapproved expense, amount 0); billed
        to the ticket's company (``company_id``)."""
        text = self.label(expense)
        if expense.author is not None:  # providers are rarely Autotask resources: say who
            text = f"{text} ({expense.author.display_name})"
        fields: dict[str, Any] = {
            "expenseReportID": report_id, "ticketID": ticket_id,
            "expenseDate": at_date(day), "expenseCategory": category,
            "description": fit(f"(disapproved) {text}" if zeroed else text, _ITEM_DESCRIPTION,
                               marker.text, marker_at="start"),
            "expenseCurrencyExpenseAmount": Decimal("0.00") if zeroed else self.total(expense),
            "isBillableToCompany": billable and not zeroed, "isReimbursable": reimbursable,
            "haveReceipt": have_receipt,
        }
        if payment_type is not None:
            fields["paymentType"] = payment_type
        if company_id is not None:  # 0 is a real company (the tenant's own)
            fields["companyID"] = company_id
        return MappedRecord(str(expense.id), fields)

    def charge(self, expense: Expense, marker: Marker, *, ticket_id: int, day: date,
               charge_type: int, status: int | None, billing_code_id: int | None,
               billable: bool) -> MappedRecord:
        """One expense as a TicketCharge; the marker leads ``notes``."""
        text = self.label(expense)
        fields: dict[str, Any] = {
            "ticketID": ticket_id, "name": fit(text, _CHARGE_NAME),
            "description": fit(html_to_text(expense.description), _CHARGE_DESCRIPTION),
            "chargeType": charge_type, "unitQuantity": self.quantity(expense),
            "unitCost": self.unit_amount(expense), "unitPrice": self.unit_amount(expense),
            "datePurchased": at_date(day), "isBillableToCompany": billable,
            "notes": fit(f"Field Nation expense {expense.id}", _CHARGE_NOTES, marker.text,
                         marker_at="start"),
        }
        if status is not None:
            fields["status"] = status
        if billing_code_id is not None:
            fields["billingCodeID"] = billing_code_id
        return MappedRecord(str(expense.id), fields)
