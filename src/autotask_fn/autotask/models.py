"""Typed models of the Autotask entities the connector uses.

One generic machinery (:class:`Model`) and small entity classes declaring their fields.
Attributes are snake_case, the wire names camelCase (``company_id`` <-> ``companyID``; an
explicit ``wire=`` overrides the rule). Every attribute defaults to :data:`UNSET`, so
``to_api()`` sends exactly what was set, and ``None`` is a real value ("clear this field").
``from_api`` keeps unknown fields in ``extra`` and UDFs in ``udfs`` (``{name: value}``).

>>> t = Ticket(title="Printer jam", company_id=5)
>>> t.to_api()
{'title': 'Printer jam', 'companyID': 5}
"""

# ruff: noqa: RUF009  (attribute declarations call the field helper `f`, which wraps attrs.field)
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any, ClassVar, Final, TypeVar

import attrs

from autotask_fn.autotask.metadata import udf_dict
from autotask_fn.autotask.query import to_wire

__all__ = [
    "UNSET",
    "Company",
    "CompanyLocation",
    "Contact",
    "ExpenseItem",
    "ExpenseReport",
    "Model",
    "Project",
    "Resource",
    "ServiceCall",
    "Task",
    "Ticket",
    "TicketAttachment",
    "TicketCharge",
    "TicketNote",
    "TimeEntry",
    "Unset",
    "wire_name",
]


class Unset(enum.Enum):
    """The type of :data:`UNSET`."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


#: "Not set": the attribute is left out of ``to_api()`` (unlike ``None``, which is sent).
UNSET: Final = Unset.UNSET

T = TypeVar("T", bound="Model")


def wire_name(attribute: str) -> str:
    """``company_id`` -> ``companyID``, ``due_date_time`` -> ``dueDateTime``, ``id`` -> ``id``."""
    head, *rest = attribute.split("_")
    return head + "".join("ID" if part == "id" else part[:1].upper() + part[1:] for part in rest)


def _parse_datetime(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return value  # keep what we cannot read rather than fail the whole record
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _parse_decimal(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return value


_PARSERS = {"datetime": _parse_datetime, "decimal": _parse_decimal}


def f(kind: str | None = None, *, wire: str | None = None) -> Any:
    """Declare a model attribute (default UNSET). ``kind`` = "datetime" or "decimal"."""
    return attrs.field(default=UNSET, kw_only=True, metadata={"kind": kind, "wire": wire})


@attrs.define(kw_only=True)
class Model:
    """Base of the typed entity models; subclasses set ``ENTITY`` and declare fields."""

    ENTITY: ClassVar[str] = ""

    id: int | Unset | None = f()
    #: User-defined fields by name (values are strings or None, as on the wire).
    udfs: dict[str, str | None] | Unset = f(wire="userDefinedFields")
    #: Fields of the answer this model does not declare (kept, never sent back).
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True, repr=False)

    @classmethod
    def _wire_map(cls) -> dict[str, attrs.Attribute[Any]]:
        cached: dict[str, attrs.Attribute[Any]] | None = cls.__dict__.get("_wire_cache")
        if cached is None:
            cached = {
                (a.metadata.get("wire") or wire_name(a.name)).lower(): a
                for a in attrs.fields(cls)
                if a.name != "extra"
            }
            cls._wire_cache = cached  # type: ignore[attr-defined]
        return cached

    @classmethod
    def from_api(cls: type[T], data: dict[str, Any]) -> T:
        """Build from an API record; unknown fields go to ``extra`` (names matched loosely)."""
        wire = cls._wire_map()
        values: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            attribute = wire.get(key.lower())
            if attribute is None:
                extra[key] = value
            elif attribute.name == "udfs":
                values["udfs"] = udf_dict(value)
            else:
                parser = _PARSERS.get(attribute.metadata.get("kind") or "")
                values[attribute.name] = parser(value) if parser else value
        return cls(**values, extra=extra)

    def to_api(self) -> dict[str, Any]:
        """The JSON body for create/update: only attributes that were set, in wire format."""
        out: dict[str, Any] = {}
        for attribute in attrs.fields(type(self)):
            if attribute.name == "extra":
                continue
            value = getattr(self, attribute.name)
            if value is UNSET:
                continue
            name = attribute.metadata.get("wire") or wire_name(attribute.name)
            if attribute.name == "udfs":
                out[name] = [{"name": k, "value": v} for k, v in value.items()]
            else:
                out[name] = to_wire(value)
        return out


Int = int | None | Unset
Str = str | None | Unset
Bool = bool | None | Unset
DateTime = dt.datetime | None | Unset
Dec = Decimal | None | Unset


@attrs.define(kw_only=True)
class Ticket(Model):
    """A ticket (``Tickets``)."""

    ENTITY: ClassVar[str] = "Tickets"
    ticket_number: Str = f()
    title: Str = f()
    description: Str = f()
    company_id: Int = f()
    company_location_id: Int = f()
    contact_id: Int = f()
    status: Int = f()
    priority: Int = f()
    queue_id: Int = f()
    issue_type: Int = f()
    sub_issue_type: Int = f()
    ticket_type: Int = f()
    ticket_category: Int = f()
    source: Int = f()
    due_date_time: DateTime = f("datetime")
    estimated_hours: Dec = f("decimal")
    assigned_resource_id: Int = f()
    assigned_resource_role_id: Int = f()
    billing_code_id: Int = f()
    contract_id: Int = f()
    project_id: Int = f()
    external_id: Str = f()
    create_date: DateTime = f("datetime")
    completed_date: DateTime = f("datetime")
    last_activity_date: DateTime = f("datetime")


@attrs.define(kw_only=True)
class TimeEntry(Model):
    """A time entry (``TimeEntries``)."""

    ENTITY: ClassVar[str] = "TimeEntries"
    resource_id: Int = f()
    role_id: Int = f()
    ticket_id: Int = f()
    task_id: Int = f()
    time_entry_type: Int = f()
    date_worked: DateTime = f("datetime")
    start_date_time: DateTime = f("datetime")
    end_date_time: DateTime = f("datetime")
    hours_worked: Dec = f("decimal")
    hours_to_bill: Dec = f("decimal")
    summary_notes: Str = f()
    internal_notes: Str = f()
    billing_code_id: Int = f()
    internal_billing_code_id: Int = f()
    contract_id: Int = f()
    is_non_billable: Bool = f()
    show_on_invoice: Bool = f()
    create_date_time: DateTime = f("datetime")
    last_modified_date_time: DateTime = f("datetime")


@attrs.define(kw_only=True)
class TicketNote(Model):
    """A ticket note (``TicketNotes``, written via ``Tickets/{id}/Notes``)."""

    ENTITY: ClassVar[str] = "TicketNotes"
    ticket_id: Int = f()
    title: Str = f()
    description: Str = f()
    note_type: Int = f()
    publish: Int = f()
    create_date_time: DateTime = f("datetime")
    creator_resource_id: Int = f()
    last_activity_date: DateTime = f("datetime")


@attrs.define(kw_only=True)
class TicketCharge(Model):
    """A ticket charge/cost (``TicketCharges``, written via ``Tickets/{id}/Charges``)."""

    ENTITY: ClassVar[str] = "TicketCharges"
    ticket_id: Int = f()
    name: Str = f()
    description: Str = f()
    charge_type: Int = f()
    status: Int = f()
    product_id: Int = f()
    billing_code_id: Int = f()
    unit_quantity: Dec = f("decimal")
    unit_price: Dec = f("decimal")
    unit_cost: Dec = f("decimal")
    date_purchased: DateTime = f("datetime")
    is_billable_to_company: Bool = f()
    is_billed: Bool = f()
    notes: Str = f()


@attrs.define(kw_only=True)
class ExpenseReport(Model):
    """An expense report (``ExpenseReports``)."""

    ENTITY: ClassVar[str] = "ExpenseReports"
    name: Str = f()
    submitter_id: Int = f()
    week_ending: DateTime = f("datetime")
    status: Int = f()
    submit: Bool = f()
    approver_id: Int = f()
    amount_due: Dec = f("decimal")
    reimbursement_currency_id: Int = f()


@attrs.define(kw_only=True)
class ExpenseItem(Model):
    """An expense item (``ExpenseItems``, written via ``Expenses/{reportId}/Items``)."""

    ENTITY: ClassVar[str] = "ExpenseItems"
    expense_report_id: Int = f()
    expense_date: DateTime = f("datetime")
    expense_category: Int = f()
    description: Str = f()
    expense_currency_expense_amount: Dec = f("decimal")
    expense_currency_id: Int = f()
    company_id: Int = f()
    ticket_id: Int = f()
    task_id: Int = f()
    project_id: Int = f()
    work_type: Int = f()
    payment_type: Int = f()
    is_billable_to_company: Bool = f()
    is_reimbursable: Bool = f()
    have_receipt: Bool = f()
    miles: Dec = f("decimal")


@attrs.define(kw_only=True)
class TicketAttachment(Model):
    """A ticket attachment (``TicketAttachments``, created via ``Tickets/{id}/Attachments``)."""

    ENTITY: ClassVar[str] = "TicketAttachments"
    parent_id: Int = f()
    parent_type: Int = f()
    title: Str = f()
    attachment_type: Str = f()
    full_path: Str = f()
    data: Str = f()
    content_type: Str = f()
    file_size: Int = f()
    publish: Int = f()
    attach_date: DateTime = f("datetime")
    attached_by_resource_id: Int = f()
    ticket_id: Int = f()
    """The ticket (since release 2021.1; absent on tenants described by older metadata)."""
    ticket_note_id: Int = f()
    """Set when the attachment belongs to one of the ticket's notes."""
    time_entry_id: Int = f()
    """Set when the attachment belongs to one of the ticket's time entries."""


@attrs.define(kw_only=True)
class Company(Model):
    """A company/account (``Companies``)."""

    ENTITY: ClassVar[str] = "Companies"
    company_name: Str = f()
    company_number: Str = f()
    company_type: Int = f()
    owner_resource_id: Int = f()
    phone: Str = f()
    address1: Str = f()
    address2: Str = f()
    city: Str = f()
    state: Str = f()
    postal_code: Str = f()
    country_id: Int = f()
    is_active: Bool = f()
    parent_company_id: Int = f()


@attrs.define(kw_only=True)
class CompanyLocation(Model):
    """A company location (``CompanyLocations``, written via ``Companies/{id}/Locations``)."""

    ENTITY: ClassVar[str] = "CompanyLocations"
    company_id: Int = f()
    name: Str = f()
    address1: Str = f()
    address2: Str = f()
    city: Str = f()
    state: Str = f()
    postal_code: Str = f()
    country_id: Int = f()
    is_active: Bool = f()
    is_primary: Bool = f()


@attrs.define(kw_only=True)
class Contact(Model):
    """A contact (``Contacts``, written via ``Companies/{id}/Contacts``)."""

    ENTITY: ClassVar[str] = "Contacts"
    company_id: Int = f()
    company_location_id: Int = f()
    first_name: Str = f()
    last_name: Str = f()
    email_address: Str = f()
    phone: Str = f()
    mobile_phone: Str = f()
    #: An integer 0/1 in Autotask, not a boolean.
    is_active: Int = f()
    external_id: Str = f()


@attrs.define(kw_only=True)
class Resource(Model):
    """A resource/user (``Resources``; Autotask offers no create)."""

    ENTITY: ClassVar[str] = "Resources"
    first_name: Str = f()
    last_name: Str = f()
    user_name: Str = f()
    email: Str = f()
    is_active: Bool = f()
    license_type: Int = f()
    resource_type: Str = f()
    default_service_desk_role_id: Int = f()


@attrs.define(kw_only=True)
class ServiceCall(Model):
    """A service call (``ServiceCalls``)."""

    ENTITY: ClassVar[str] = "ServiceCalls"
    company_id: Int = f()
    company_location_id: Int = f()
    start_date_time: DateTime = f("datetime")
    end_date_time: DateTime = f("datetime")
    duration: Dec = f("decimal")
    status: Int = f()
    is_complete: Int = f()
    description: Str = f()


@attrs.define(kw_only=True)
class Project(Model):
    """A project (``Projects``)."""

    ENTITY: ClassVar[str] = "Projects"
    project_name: Str = f()
    project_number: Str = f()
    company_id: Int = f()
    project_type: Int = f()
    status: Int = f()
    start_date_time: DateTime = f("datetime")
    end_date_time: DateTime = f("datetime")
    project_lead_resource_id: Int = f()
    contract_id: Int = f()


@attrs.define(kw_only=True)
class Task(Model):
    """A project task (``Tasks``, written via ``Projects/{id}/Tasks``)."""

    ENTITY: ClassVar[str] = "Tasks"
    project_id: Int = f()
    phase_id: Int = f()
    title: Str = f()
    description: Str = f()
    status: Int = f()
    task_type: Int = f()
    task_number: Str = f()
    assigned_resource_id: Int = f()
    assigned_resource_role_id: Int = f()
    billing_code_id: Int = f()
    department_id: Int = f()
    estimated_hours: Dec = f("decimal")
    start_date_time: DateTime = f("datetime")
    end_date_time: DateTime = f("datetime")
