"""The seeded tenant's picklists and user-defined fields.

Picklist ids are tenant data; the values below are the common defaults the reference names
(status 1 New / 5 Complete / 8 In Progress, priority 1 High / 2 Medium / 3 Low / 4 Critical,
large queue ids, TicketNote publish 1 All Autotask Users / 2 Internal Only). The rest are
plausible values for a small tenant.
"""

from __future__ import annotations

import attrs

from autotask_fn.testing.contract import contract_value


@attrs.frozen
class PicklistValue:
    """One picklist entry (``value`` is a string on the wire even for integer fields)."""

    value: str
    label: str
    is_default: bool = False
    sort_order: int = 0
    parent_value: str | None = None
    is_active: bool = True
    is_system: bool = False

    def payload(self) -> dict[str, object]:
        """The JSON shape of ``picklistValues`` entries."""
        return {
            "value": self.value, "label": self.label, "valueForExport": None,
            "valueForDisplay": None, "isDefaultValue": self.is_default,
            "sortOrder": self.sort_order, "parentValue": self.parent_value or "",
            "isActive": self.is_active, "isSystem": self.is_system,
        }


def _values(*pairs: tuple[int | str, str], default: int | str | None = None,
            parent: str | None = None, system: bool = True) -> tuple[PicklistValue, ...]:
    return tuple(
        PicklistValue(str(value), label, is_default=value == default, sort_order=i,
                      parent_value=parent, is_system=system)
        for i, (value, label) in enumerate(pairs)
    )


QUEUE_SERVICE_DESK = 29683482
QUEUE_FIELD_SERVICES = 29683483
QUEUE_MONITORING = 29683484
ISSUE_HARDWARE = 10
ISSUE_NETWORK = 11
SUBISSUE_PRINTER = 101
SUBISSUE_WORKSTATION = 102
SUBISSUE_SWITCH = 111
SUBISSUE_WIFI = 112
STATUS_NEW = 1
STATUS_COMPLETE = 5
STATUS_IN_PROGRESS = 8
STATUS_WAITING_CUSTOMER = 7
STATUS_CANCELLED = 14
EXPENSE_CATEGORY_MILEAGE = 2
EXPENSE_CATEGORY_PARTS = 4
EXPENSE_CATEGORY_TRAVEL = 6

#: ExpenseReports ``status``: the labels are the vendor's (ExpenseReports REST page); the ids
#: are tenant data the documentation does not give, so code must resolve them by label.
REPORT_IN_PROGRESS = 1
REPORT_AWAITING_APPROVAL = 2
REPORT_APPROVED_FOR_PAYMENT = 3
REPORT_REJECTED = 4
REPORT_PAID = 5
REPORT_TRANSFERRED = 6
#: Items may be added to (and edited on) a report only in these statuses (vendor: ExpenseItems
#: REST page, "In Progress or Rejected").
REPORT_OPEN_LABELS = contract_value("AT-EXPENSE-REPORT-OPEN", frozenset({"In Progress",
                                                                         "Rejected"}))
#: BillingCodes ``useType`` of the codes a TicketCharge may reference (vendor: TicketCharges
#: REST page, "billingCodeID must reference a Material Cost Code type allocation code").
USE_TYPE_MATERIAL = 2

PICKLISTS: dict[tuple[str, str], tuple[PicklistValue, ...]] = {
    ("Tickets", "status"): _values(
        (STATUS_NEW, "New"), (STATUS_COMPLETE, "Complete"),
        (STATUS_WAITING_CUSTOMER, "Waiting Customer"), (STATUS_IN_PROGRESS, "In Progress"),
        (STATUS_CANCELLED, "Cancelled"), default=STATUS_NEW,
    ),
    ("Tickets", "priority"): _values(
        (1, "High"), (2, "Medium"), (3, "Low"), (4, "Critical"), default=2,
    ),
    ("Tickets", "queueID"): _values(
        (QUEUE_SERVICE_DESK, "Service Desk"), (QUEUE_FIELD_SERVICES, "Field Services"),
        (QUEUE_MONITORING, "Monitoring Alert"), system=False,
    ),
    ("Tickets", "issueType"): _values(
        (ISSUE_HARDWARE, "Hardware"), (ISSUE_NETWORK, "Network"), system=False,
    ),
    ("Tickets", "subIssueType"): (
        _values((SUBISSUE_PRINTER, "Printer"), (SUBISSUE_WORKSTATION, "Workstation"),
                parent=str(ISSUE_HARDWARE), system=False)
        + _values((SUBISSUE_SWITCH, "Switch"), (SUBISSUE_WIFI, "Wi-Fi"),
                  parent=str(ISSUE_NETWORK), system=False)
    ),
    ("Tickets", "ticketType"): _values(
        (1, "Service Request"), (2, "Incident"), (3, "Problem"), (4, "Change Request"),
        (5, "Alert"), default=1,
    ),
    ("Tickets", "ticketCategory"): _values((2, "Standard"), (3, "Field Service"), default=2),
    ("Tickets", "source"): _values(
        (-2, "Insourced"), (-1, "Client Portal"), (2, "Phone"), (4, "Email"),
        (12, "Field Nation"), system=False,
    ),
    ("Tickets", "serviceLevelAgreementID"): _values((1, "Standard SLA"), system=False),
    ("TicketNotes", "noteType"): _values(
        (1, "Task Detail"), (2, "Task Notes"), (3, "Ticket Detail"), (13, "Ticket Note"),
        (18, "Task Summary"), default=13,
    ),
    ("TicketNotes", "publish"): _values(
        (1, "All Autotask Users"), (2, "Internal Only"), default=1,
    ),
    ("TicketAttachments", "publish"): _values(
        (1, "All Autotask Users"), (2, "Internal Only"), default=1,
    ),
    ("TicketCharges", "chargeType"): _values(
        (1, "Operational"), (2, "Capitalized"), default=1,
    ),
    ("TicketCharges", "status"): _values(
        (1, "Need to Order/Fulfill"), (2, "Ordered"), (3, "Back Ordered"), (4, "Shipped"),
        (5, "Delivered/Fulfilled"), (6, "Canceled"), default=5,
    ),
    ("TimeEntries", "timeEntryType"): _values(
        (2, "Ticket"), (6, "Task"), (7, "Regular"), default=2,
    ),
    ("ExpenseReports", "status"): _values(
        (REPORT_IN_PROGRESS, "In Progress"), (REPORT_AWAITING_APPROVAL, "Awaiting Approval"),
        (REPORT_APPROVED_FOR_PAYMENT, "Approved for Payment"), (REPORT_REJECTED, "Rejected"),
        (REPORT_PAID, "Paid"), (REPORT_TRANSFERRED, "Transferred to Quickbooks"),
        default=REPORT_IN_PROGRESS,
    ),
    ("ExpenseItems", "expenseCategory"): _values(
        (1, "Meals"), (EXPENSE_CATEGORY_MILEAGE, "Mileage"), (3, "Lodging"),
        (EXPENSE_CATEGORY_PARTS, "Parts & Materials"), (5, "Entertainment"),
        (EXPENSE_CATEGORY_TRAVEL, "Travel"), (7, "Other"), system=False,
    ),
    ("ExpenseItems", "workType"): _values((1, "Field Service"), system=False),
    ("ExpenseItems", "paymentType"): _values(
        (1, "Cash"), (2, "Company Credit Card"), (3, "Personal Credit Card"), (14, "Other"),
    ),
    ("Companies", "companyType"): _values(
        (1, "Customer"), (2, "Lead"), (3, "Prospect"), (4, "Dead"), (6, "Cancellation"),
        (7, "Vendor"), (8, "Partner"), default=1,
    ),
    ("Resources", "licenseType"): _values(
        (1, "Full"), (3, "Time and Expense"), (7, "API User"),
    ),
    ("BillingCodes", "billingCodeType"): _values(
        (0, "System"), (1, "Non-Billable"), (2, "Regular"), (3, "Recurring Contract"),
    ),
    ("BillingCodes", "useType"): _values(
        (1, "Work Type"), (USE_TYPE_MATERIAL, "Material Cost Code"), (3, "Internal Allocation"),
        (4, "Expense Category"),
    ),
    ("ServiceCalls", "status"): _values((1, "New"), (2, "Complete"), (3, "Cancelled"), default=1),
    ("Projects", "projectType"): _values((4, "Client"), (5, "Internal"), (8, "Template")),
    ("Projects", "status"): _values((0, "Inactive"), (1, "New"), (5, "Complete")),
    ("Tasks", "status"): _values((1, "New"), (5, "Complete"), (8, "In Progress"), default=1),
    ("Tasks", "taskType"): _values((1, "FixedWork"), (2, "FixedDuration")),
}


def label_of(entity: str, field: str, value: object) -> str | None:
    """The label of a picklist value (``None`` when unknown)."""
    for entry in PICKLISTS.get((entity, field), ()):
        if entry.value == str(value):
            return entry.label
    return None


def value_of(entity: str, field: str, label: str) -> int:
    """The integer value of a picklist label (``KeyError`` when unknown)."""
    for entry in PICKLISTS.get((entity, field), ()):
        if entry.label == label:
            return int(entry.value)
    raise KeyError(f"{entity}.{field} has no value labelled {label!r}")


@attrs.frozen
class UdfDef:
    """A user-defined field (values are strings on the wire)."""

    name: str
    label: str
    udf_type: int  # 1 = text, 2 = numeric, 3 = date, 4 = picklist (Autotask's udfType codes)
    length: int = 0
    required: bool = False
    picklist: tuple[PicklistValue, ...] = ()

    @property
    def is_picklist(self) -> bool:
        """Whether the UDF only takes values from :attr:`picklist`."""
        return bool(self.picklist)


UDFS: dict[str, tuple[UdfDef, ...]] = {
    "Tickets": (
        UdfDef("FN Work Order ID", "Field Nation Work Order", 1, length=100),
        UdfDef(
            "Dispatch Method", "Dispatch Method", 4,
            picklist=_values(("Field Nation", "Field Nation"), ("In-House", "In-House"),
                             system=False),
        ),
        UdfDef("Site Notes", "Site Notes", 1, length=1000),
    ),
}
