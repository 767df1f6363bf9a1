"""The tenant's state: tables of records, options, seeded ids and the seeding itself."""

from __future__ import annotations

import copy
from typing import Any

import attrs

from autotask_fn.testing.autotask import picklists as pl
from autotask_fn.testing.autotask.clock import FakeClock
from autotask_fn.testing.autotask.limits import SlidingWindow
from autotask_fn.testing.autotask.schema import (
    ENTITIES,
    TICKET_ATTACHMENTS_2024,
    EntitySpec,
)
from autotask_fn.testing.autotask.schema import entity as find_entity
from autotask_fn.testing.autotask.values import format_datetime
from autotask_fn.testing.contract import contract_rule, contract_value

#: The name of the company every tenant has at id 0 (its own organisation).
ROOT_COMPANY_NAME = "Fake Tenant (root company)"


@attrs.define
class TenantOptions:
    """Tenant settings that change business rules and limits (mutable; see ``set_tenant_option``).

    ``attachment_file_limit``: the reference gives 6-7 MB per file; the fake takes the
    stricter 6,000,000 bytes of decoded data. ``callout_signature``: which text the webhook
    signature covers, ``"sent_bytes"`` or ``"dotnet_rendering"`` (see ``webhooks.py``).
    ``hourly_limit_status`` and ``hourly_limit_text``: how the hourly threshold is refused
    (429 by default; another error status such as 500 is as plausible; the text defaults to
    the fake's own wording, ``{limit}`` is filled in). ``locked_text`` and
    ``attachment_budget_text`` replace the fake's own (undocumented) wordings of a refusal to
    change a locked record and of the spent attachment byte budget (``{limit}``,
    ``{minutes}``, ``{used}`` are filled in), so tests can try others.

    ``ticket_attachment_ids``: TicketAttachments has ``ticketID``, ``ticketNoteID`` and
    ``timeEntryID``, a query must name a ``ticketID`` and returns the attachments of the
    ticket's notes and time entries too (vendor: "Changes to Attachment entities", 2021.1).
    ``False`` makes the entity look like the 2024 Swagger copy (no such fields; a query by
    ``parentID`` returns the ticket's own attachments only).
    """

    allow_time_span_midnight: bool = False
    allow_role_override: bool = False
    require_queue_or_resource: bool = True
    thread_limit: int = contract_value("AT-THREAD-LIMIT", 3)
    hourly_threshold: int = contract_value("AT-HOURLY-THRESHOLD", 10_000)
    hourly_limit_status: int = 429
    hourly_limit_text: str | None = None
    locked_text: str | None = None
    attachment_budget_text: str | None = None
    attachment_file_limit: int = contract_value("AT-ATTACH-FILE-SIZE", 6_000_000)
    attachment_window_bytes: int = contract_value("AT-ATTACH-WINDOW", 10_000_000)
    attachment_window_seconds: int = contract_value("AT-ATTACH-WINDOW", 300)
    callout_signature: str = "sent_bytes"
    ticket_attachment_ids: bool = True


@attrs.frozen
class Seed:
    """Ids of the records every new fake tenant starts with."""

    company_id: int
    location_id: int
    contact_id: int
    api_resource_id: int
    tech_resource_id: int
    ui_resource_id: int
    inactive_resource_id: int
    role_id: int
    tech_role_id: int
    queue_id: int
    billing_code_id: int
    expense_billing_code_id: int
    material_billing_code_id: int
    project_id: int
    task_id: int


class Tenant:
    """Records by entity and id, plus the counters the API derives numbers from.

    Not thread-safe by itself: the app holds its lock around every use.
    """

    USERNAME = "api-user@example.com"
    TECH_EMAIL = "tech@example.com"

    def __init__(
        self, clock: FakeClock, options: TenantOptions, username: str | None = None
    ) -> None:
        self.clock = clock
        self.options = options
        self.username = username or self.USERNAME
        self.tables: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in ENTITIES}
        self.resource_roles: dict[int, set[int]] = {}
        #: This tenant's own user-defined fields (beyond the seeded ones), by entity.
        self.extra_udfs: dict[str, tuple[pl.UdfDef, ...]] = {}
        #: ``(entity, action)`` pairs the API user's security level does not grant.
        self.denied: set[tuple[str, str]] = set()
        #: This tenant's own picklists, replacing the seeded ones: ``(entity, field)`` -> values.
        self.own_picklists: dict[tuple[str, str], tuple[pl.PicklistValue, ...]] = {}
        self._next_id = 29_700_000
        self._ticket_numbers: dict[str, int] = {}
        self.attachment_window = SlidingWindow(options.attachment_window_seconds)
        self.seed = self._seed()

    # -- metadata ------------------------------------------------------------------
    def udf_defs(self, entity: str) -> tuple[pl.UdfDef, ...]:
        """The UDF definitions of ``entity`` in this tenant (seeded ones, then its own)."""
        name = self.spec(entity).name
        return (*pl.UDFS.get(name, ()), *self.extra_udfs.get(name, ()))

    def picklist(self, entity: str, field: str) -> tuple[pl.PicklistValue, ...] | None:
        """The values of a picklist field in this tenant (its own, else the seeded ones)."""
        key = (self.spec(entity).name, field)
        return self.own_picklists.get(key, pl.PICKLISTS.get(key))

    def allows(self, entity: str, action: str) -> bool:
        """Whether the API user's security level grants ``action`` on ``entity``."""
        return (self.spec(entity).name, action) not in self.denied

    # -- records -------------------------------------------------------------------
    def spec(self, entity: str) -> EntitySpec:
        """The entity spec for a root name (case-insensitive); ``KeyError`` when unknown."""
        spec = find_entity(entity)
        if spec is None:
            raise KeyError(f"unknown entity {entity!r}")
        if spec.name == "TicketAttachments" and not self.options.ticket_attachment_ids:
            return TICKET_ATTACHMENTS_2024
        return spec

    def new_id(self) -> int:
        """A fresh id (unique across entities, as a fake's ids need not be dense)."""
        self._next_id += 1
        return self._next_id

    def blank(self, spec: EntitySpec) -> dict[str, Any]:
        """A record with every field null and every UDF null."""
        record: dict[str, Any] = {f.name: None for f in spec.fields}
        if spec.has_udfs:
            record["userDefinedFields"] = [
                {"name": u.name, "value": None} for u in self.udf_defs(spec.name)
            ]
        return record

    def insert(self, entity: str, fields: dict[str, Any]) -> int:
        """Store a record as given (no business rules); returns its id."""
        spec = self.spec(entity)
        record = self.blank(spec)
        for key, value in fields.items():
            field = spec.field(key)
            if key.lower() == "userdefinedfields":
                record["userDefinedFields"] = merge_udfs(record.get("userDefinedFields"), value)
            else:
                record[field.name if field else key] = value
        record_id = int(record["id"]) if record.get("id") is not None else self.new_id()
        record["id"] = record_id
        self.tables[spec.name][record_id] = record
        return record_id

    def get(self, entity: str, record_id: int) -> dict[str, Any] | None:
        """The stored record (not a copy) or ``None``."""
        return self.tables[self.spec(entity).name].get(record_id)

    def copy_of(self, entity: str, record_id: int) -> dict[str, Any] | None:
        """A deep copy of a stored record, or ``None``."""
        record = self.get(entity, record_id)
        return copy.deepcopy(record) if record is not None else None

    def all(self, entity: str) -> list[dict[str, Any]]:
        """Stored records of an entity ordered by id (not copies)."""
        table = self.tables[self.spec(entity).name]
        return [table[k] for k in sorted(table)]

    def now(self) -> str:
        """The fake clock as an API datetime string."""
        return format_datetime(self.clock.now())

    def next_ticket_number(self) -> str:
        """``T<yyyymmdd>.<nnnn>``, counting per day of the fake clock."""
        day = self.clock.now().strftime("%Y%m%d")
        self._ticket_numbers[day] = self._ticket_numbers.get(day, 0) + 1
        return f"T{day}.{self._ticket_numbers[day]:04d}"

    # -- seeding -------------------------------------------------------------------
    def _seed_root_company(self, owner: int, now: str) -> None:
        self.insert("Companies", _root_company(owner, now))

    def _seed(self) -> Seed:
        now = self.now()
        role = self.insert("Roles", {"name": "Engineer", "hourlyRate": 120.0,
                                     "isActive": True, "isSystemRole": False})
        tech_role = self.insert("Roles", {"name": "Field Technician", "hourlyRate": 95.0,
                                          "isActive": True, "isSystemRole": False})
        api = self.insert("Resources", {
            "firstName": "API", "lastName": "User", "userName": "api-user",
            "email": self.username, "isActive": True, "licenseType": 7,
            "resourceType": "Employee", "userType": 17, "defaultServiceDeskRoleID": role,
        })
        tech = self.insert("Resources", {
            "firstName": "Field", "lastName": "Tech", "userName": "ftech",
            "email": self.TECH_EMAIL, "isActive": True, "licenseType": 1,
            "resourceType": "Employee", "userType": 1, "defaultServiceDeskRoleID": tech_role,
        })
        ui = self.insert("Resources", {
            "firstName": "Dana", "lastName": "Dispatcher", "userName": "ddispatch",
            "email": "dispatcher@example.com", "isActive": True, "licenseType": 1,
            "resourceType": "Employee", "userType": 1, "defaultServiceDeskRoleID": role,
        })
        gone = self.insert("Resources", {
            "firstName": "Former", "lastName": "Employee", "userName": "former",
            "email": "former@example.com", "isActive": False, "licenseType": 1,
            "resourceType": "Employee", "userType": 1, "defaultServiceDeskRoleID": role,
        })
        self.resource_roles = {api: {role}, tech: {tech_role, role}, ui: {role}, gone: {role}}
        self._seed_root_company(ui, now)
        company = self.insert("Companies", {
            "companyName": "Contoso Retail", "companyNumber": "C-0001", "companyType": 1,
            "ownerResourceID": ui, "phone": "+1 555 0100", "address1": "1 Main Street",
            "city": "Springfield", "state": "IL", "postalCode": "62701", "countryID": 237,
            "isActive": True, "createDate": now,
        })
        location = self.insert("CompanyLocations", {
            "companyID": company, "name": "Store 42", "address1": "42 Market Street",
            "city": "Springfield", "state": "IL", "postalCode": "62704", "countryID": 237,
            "isActive": True, "isPrimary": True, "isTaxExempt": False,
        })
        contact = self.insert("Contacts", {
            "companyID": company, "companyLocationID": location, "firstName": "Sam",
            "lastName": "Manager", "emailAddress": "sam.manager@contoso.example",
            "phone": "+1 555 0142", "isActive": 1, "primaryContact": True, "createDate": now,
        })
        billing = self.insert("BillingCodes", {
            "name": "Field Labor", "description": "Remote and on-site labour",
            "billingCodeType": 2, "useType": 1, "isActive": True,
        })
        expense_code = self.insert("BillingCodes", {
            "name": "Travel & Materials", "description": "Charge and expense category code",
            "billingCodeType": 2, "useType": 4, "isActive": True,
        })
        # An id below the sequence, so the ids of everything else stay as they were.
        material_code = self.insert("BillingCodes", {
            "id": 29_699_001, "name": "Parts & Materials",
            "description": "Material cost code for charges",
            "billingCodeType": 2, "useType": pl.USE_TYPE_MATERIAL, "isActive": True,
            "unitCost": 0, "unitPrice": 0,
        })
        project = self.insert("Projects", {
            "projectName": "Store refresh", "projectNumber": "P20260001", "companyID": company,
            "projectType": 4, "status": 1, "startDateTime": now, "endDateTime": now,
            "createDateTime": now, "creatorResourceID": ui,
        })
        task = self.insert("Tasks", {
            "projectID": project, "title": "Install shelving", "status": 1, "taskType": 1,
            "assignedResourceID": tech, "assignedResourceRoleID": tech_role,
            "taskNumber": "T-0001", "createDateTime": now, "creatorResourceID": ui,
        })
        return Seed(
            company_id=company, location_id=location, contact_id=contact, api_resource_id=api,
            tech_resource_id=tech, ui_resource_id=ui, inactive_resource_id=gone,
            role_id=role, tech_role_id=tech_role, queue_id=pl.QUEUE_FIELD_SERVICES,
            billing_code_id=billing, expense_billing_code_id=expense_code,
            material_billing_code_id=material_code,
            project_id=project, task_id=task,
        )


@contract_rule("AT-COMPANY-ZERO")
def _root_company(owner: int, now: str) -> dict[str, Any]:
    """The tenant's own company: every Autotask tenant has it at id 0."""
    return {
        "id": 0, "companyName": ROOT_COMPANY_NAME, "companyNumber": "0", "companyType": 1,
        "ownerResourceID": owner, "phone": "+1 555 0199", "address1": "100 Head Office Way",
        "city": "Springfield", "state": "IL", "postalCode": "62701", "countryID": 237,
        "isActive": True, "createDate": now,
    }


def merge_udfs(current: Any, given: Any) -> list[dict[str, Any]]:
    """``current`` UDF entries with the named ones in ``given`` replaced (or appended)."""
    out = [dict(u) for u in current or ()]
    for item in given or ():
        name = str(item.get("name", ""))
        for entry in out:
            if str(entry["name"]).lower() == name.lower():
                entry["value"] = item.get("value")
                break
        else:
            out.append({"name": name, "value": item.get("value")})
    return out


