"""Settings of the second half of the outbound direction: expenses, attachments, outbound create.

Each class is a :class:`~autotask_fn.sync.settings.SettingsPart`: a field of
``ConnectorSettings`` (``expenses``, ``attachments``, ``create``) that checks itself against the
tenant in ``ConnectorSettings.validate`` and leaves its resolved picklist values in
``ValidatedSettings.parts[<field name>]``::

    ConnectorSettings(
        expenses=ExpenseSettings(destination="ticket_charge", trigger="approved",
                                 billing_code_map={"Parts": 29683000}),
        attachments=AttachmentSettings(embed_limit=4 * 1024 * 1024),
        create=OutboundCreateSettings(enabled=True, queue="Field Services",
                                      default_company_id=174),
    )

Settings that only make sense together are checked together by :func:`cross_faults` (called
from ``ConnectorSettings.check``): a TicketCharge destination needs the Ticket service object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from autotask_fn.sync.errors import SettingsFault

if TYPE_CHECKING:
    from autotask_fn.autotask.client import AutotaskClient

__all__ = [
    "DEFAULT_EMBED_LIMIT",
    "AttachmentSettings",
    "ExpenseSettings",
    "OutboundCreateSettings",
    "cross_faults",
    "settings_part",
]

#: ExpenseReports ``status`` labels under which items may be added or changed (vendor:
#: ExpenseItems REST page). Their ids are tenant data, resolved from the metadata.
OPEN_REPORT_LABELS = ("In Progress", "Rejected")
#: A TicketCharge's billing code must be of the Material Cost Code type (vendor: TicketCharges
#: REST page); the type is read from the BillingCodes ``useType`` picklist by this keyword.
MATERIAL_KEYWORD = "material"

#: Files up to this many raw bytes are embedded (about 6 MiB once base64-encoded).
DEFAULT_EMBED_LIMIT = 4_718_592  # 4.5 MiB

ExpenseDestination = Literal["expense_report", "ticket_charge"]
ExpenseTrigger = Literal["submitted", "approved"]
OutboundObject = Literal["Ticket", "ServiceCall", "Project"]


def _map(value: Mapping[Any, Any] | None) -> Mapping[Any, Any]:
    return dict(value or {})


def _attr(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _picklists(at_client: AutotaskClient, entity: str, name: str, faults: list[SettingsFault]
               ) -> dict[str, dict[str, int]] | None:
    """``{field: {casefolded label or value text: value}}`` of an entity's picklists."""
    try:
        fields = list(at_client.fields(entity))
    except Exception as exc:  # listed with the other faults, never raised alone
        faults.append(SettingsFault(f"{name}.autotask", f"cannot read {entity} metadata: {exc}"))
        return None
    out: dict[str, dict[str, int]] = {}
    for field in fields:
        values: dict[str, int] = {}
        for v in _attr(field, "picklist_values") or ():
            if _attr(v, "is_active") is False:
                continue
            try:
                value = int(_attr(v, "value"))
            except (TypeError, ValueError):
                continue
            values[str(_attr(v, "label") or "").strip().casefold()] = value
            values[str(value)] = value
        out[str(_attr(field, "name"))] = values
    return out


def _required(at_client: AutotaskClient, entity: str) -> set[str]:
    try:
        return {str(_attr(f, "name")) for f in at_client.fields(entity)
                if _attr(f, "is_required") and not _attr(f, "is_read_only")}
    except Exception:  # reported by _picklists already
        return set()


def _label(picks: Mapping[str, Mapping[str, int]] | None, field: str, label: str,
           setting: str, faults: list[SettingsFault], entity: str) -> int | None:
    if picks is None:
        return None
    value = picks.get(field, {}).get(label.strip().casefold())
    if value is None:
        faults.append(SettingsFault(setting, f"{label!r} is not an active {entity}.{field} value"))
    return value


def _exists(at_client: AutotaskClient, entity: str, ids: Sequence[int], setting: str,
            faults: list[SettingsFault]) -> None:
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return
    from autotask_fn.autotask.query import in_

    fields = ["id"] if entity == "Projects" else ["id", "isActive"]  # projects have a status
    try:
        rows = list(at_client.query(entity, in_("id", wanted), include_fields=fields))
    except Exception as exc:
        faults.append(SettingsFault(setting, f"cannot read {entity}: {exc}"))
        return
    found = {int(r["id"]) for r in rows if r.get("isActive") not in (False, 0)}
    for missing in sorted(set(wanted) - found):
        faults.append(SettingsFault(setting, f"{entity} {missing} does not exist or is inactive"))


@attrs.frozen(kw_only=True)
class ExpenseSettings:
    """Where Field Nation expenses go in Autotask, and how they are mapped."""

    enabled: bool = True
    """Sync expenses at all."""
    destination: ExpenseDestination = "expense_report"
    """``expense_report``: an ExpenseItem on the submitter's weekly ExpenseReport;
    ``ticket_charge``: a TicketCharge on the ticket (needs the Ticket service object)."""
    trigger: ExpenseTrigger = "submitted"
    """``submitted``: every expense not disapproved is synced as soon as it is seen;
    ``approved``: only once the buyer approved it."""
    category_map: Mapping[str, str] = attrs.field(factory=dict, converter=_map)
    """Field Nation category label -> ExpenseItem ``expenseCategory`` label."""
    default_category: str = "Other"
    """``expenseCategory`` label of categories not in :attr:`category_map`."""
    billing_code_map: Mapping[str, int] = attrs.field(factory=dict, converter=_map)
    """Field Nation category label -> Autotask billing code id (TicketCharge ``billingCodeID``)."""
    default_billing_code_id: int | None = None
    """Billing code of categories not in :attr:`billing_code_map` (``None``: none written)."""
    charge_type: str = "Operational"
    """TicketCharge ``chargeType`` label."""
    charge_status: str = "Delivered/Fulfilled"
    """TicketCharge ``status`` label."""
    billable: bool = True
    """``isBillableToCompany`` of items and charges."""
    reimbursable: bool = True
    """``isReimbursable`` of expense items."""
    payment_type: str | None = None
    """ExpenseItem ``paymentType`` label (``None``: left to Autotask)."""
    submit_reports: bool = False
    """Submit a report once its week has ended (a submitted report is locked)."""
    week_ending_day: int = 5
    """Weekday a report's week ends on (0 Monday ... 6 Sunday; Autotask's default: Saturday)."""
    report_name: str = "Field Nation expenses, week ending {week_ending}"
    """Name template of new reports (fields: ``week_ending``, ``resource_id``); the marker is
    appended."""

    def check(self, name: str) -> list[SettingsFault]:
        """Faults visible without the tenant."""
        faults: list[SettingsFault] = []
        if self.destination not in ("expense_report", "ticket_charge"):
            faults.append(SettingsFault(f"{name}.destination",
                                        "must be 'expense_report' or 'ticket_charge'"))
        if self.trigger not in ("submitted", "approved"):
            faults.append(SettingsFault(f"{name}.trigger", "must be 'submitted' or 'approved'"))
        if not 0 <= self.week_ending_day <= 6:
            faults.append(SettingsFault(f"{name}.week_ending_day",
                                        "must be 0 (Monday) to 6 (Sunday)"))
        try:
            self.report_name.format(week_ending="2026-01-03", resource_id=1)
        except (KeyError, IndexError, ValueError) as exc:
            faults.append(SettingsFault(f"{name}.report_name", f"bad template: {exc!r}"))
        return faults

    def resolve(self, at_client: AutotaskClient, name: str
                ) -> tuple[Sequence[SettingsFault], Mapping[str, Any]]:
        """Resolve category, charge and payment labels; check the billing codes exist.

        Resolved: ``categories`` (FN label -> value), ``default_category``, ``charge_type``,
        ``charge_status``, ``payment_type``, ``open_report_statuses`` (the ExpenseReports
        ``status`` values of :data:`OPEN_REPORT_LABELS`). For charges, every billing code must
        be a Material Cost Code; a fault names the codes that would fit.
        """
        faults = self.check(name)
        if not self.enabled:
            return faults, {}
        resolved: dict[str, Any] = {}
        if self.destination == "expense_report":
            picks = _picklists(at_client, "ExpenseItems", name, faults)
            resolved["categories"] = {
                fn: _label(picks, "expenseCategory", at, f"{name}.category_map[{fn!r}]",
                           faults, "ExpenseItems")
                for fn, at in self.category_map.items()}
            resolved["default_category"] = _label(picks, "expenseCategory", self.default_category,
                                                  f"{name}.default_category", faults,
                                                  "ExpenseItems")
            if self.payment_type is not None:
                resolved["payment_type"] = _label(picks, "paymentType", self.payment_type,
                                                  f"{name}.payment_type", faults, "ExpenseItems")
            reports = _picklists(at_client, "ExpenseReports", name, faults)
            resolved["open_report_statuses"] = [
                _label(reports, "status", label, f"{name}.destination", faults,
                       "ExpenseReports") for label in OPEN_REPORT_LABELS]
        else:
            picks = _picklists(at_client, "TicketCharges", name, faults)
            resolved["charge_type"] = _label(picks, "chargeType", self.charge_type,
                                             f"{name}.charge_type", faults, "TicketCharges")
            resolved["charge_status"] = _label(picks, "status", self.charge_status,
                                               f"{name}.charge_status", faults, "TicketCharges")
        codes = [*self.billing_code_map.values(),
                 *([self.default_billing_code_id] if self.default_billing_code_id else [])]
        _exists(at_client, "BillingCodes", codes, f"{name}.billing_code_map", faults)
        if self.destination == "ticket_charge" and codes:
            _material_codes(at_client, codes, f"{name}.billing_code_map", faults)
        return faults, resolved


def _material_codes(at_client: AutotaskClient, ids: Sequence[int], setting: str,
                    faults: list[SettingsFault]) -> None:
    """Fault every code in ``ids`` that is not a Material Cost Code, naming ones that are."""
    from autotask_fn.autotask.query import eq, in_

    picks = _picklists(at_client, "BillingCodes", setting, faults)
    if picks is None:
        return
    material = sorted({v for label, v in picks.get("useType", {}).items()
                       if MATERIAL_KEYWORD in label})
    if not material:
        faults.append(SettingsFault(setting, "the tenant's BillingCodes useType picklist has no "
                                             "Material Cost Code type"))
        return
    try:
        rows = list(at_client.query("BillingCodes", in_("id", sorted(set(ids))),
                                    include_fields=["id", "useType"]))
        wrong = sorted(int(r["id"]) for r in rows if r.get("useType") not in material)
        fitting = [] if not wrong else list(at_client.query(
            "BillingCodes", [in_("useType", material), eq("isActive", True)],
            include_fields=["id", "name"], max_records=5))
    except Exception as exc:
        faults.append(SettingsFault(setting, f"cannot read BillingCodes: {exc}"))
        return
    names = ", ".join(f"{r['id']} ({r.get('name')})" for r in fitting) or "none is active"
    for code in wrong:
        faults.append(SettingsFault(
            setting, f"BillingCodes {code} is not a Material Cost Code (TicketCharges need "
                     f"one); Material Cost Codes: {names}"))


@attrs.frozen(kw_only=True)
class AttachmentSettings:
    """How files, receipts and signatures become ticket attachments."""

    sync_files: bool = True
    """Send work order files (receipts and signatures follow their own switches)."""
    sync_receipts: bool = True
    """Send expense receipts (as attachments carrying the expense's marker)."""
    sync_signatures: bool = True
    """Send captured signatures (embedded, always public)."""
    embed_limit: int = DEFAULT_EMBED_LIMIT
    """Files up to this many raw bytes (Field Nation ``size_bytes``) are embedded; larger ones
    become a URL attachment (a link without a token) or a note with a link to the work order."""
    publish: str = "All Autotask Users"
    """``publish`` label of file and receipt attachments."""
    public_publish: str = "All Autotask Users"
    """``publish`` label that makes an attachment public (signatures always use it)."""
    work_order_url: str = "https://app.fieldnation.com/workorders/{work_order_id}"
    """Link written into the note that stands for a file that can be neither embedded nor
    linked (its URL carries a token)."""

    def resolve(self, at_client: AutotaskClient, name: str
                ) -> tuple[Sequence[SettingsFault], Mapping[str, Any]]:
        """Resolve the publish labels. Resolved: ``publish``, ``public_publish``."""
        faults: list[SettingsFault] = []
        if not 0 < self.embed_limit <= 6_000_000:
            faults.append(SettingsFault(f"{name}.embed_limit",
                                        "must be > 0 and at most 6,000,000 bytes (the API's "
                                        "per-file cap once base64-encoded is ~7 MB)"))
        try:
            self.work_order_url.format(work_order_id=1)
        except (KeyError, IndexError, ValueError) as exc:
            faults.append(SettingsFault(f"{name}.work_order_url", f"bad template: {exc!r}"))
        picks = _picklists(at_client, "TicketAttachments", name, faults)
        resolved = {
            "publish": _label(picks, "publish", self.publish, f"{name}.publish", faults,
                              "TicketAttachments"),
            "public_publish": _label(picks, "publish", self.public_publish,
                                     f"{name}.public_publish", faults, "TicketAttachments"),
        }
        return faults, resolved


@attrs.frozen(kw_only=True)
class OutboundCreateSettings:
    """Creating the Autotask record of a work order that has none (off by default)."""

    enabled: bool = False
    """Create a ticket (or the configured service object) for unlinked work orders."""
    service_object: OutboundObject = "Ticket"
    """``Ticket``; ``ServiceCall`` (ticket + service call + their link; child writes on the
    ticket); ``Project`` (a ticket in :attr:`project_id`; its time and files go to that
    ticket, since time cannot attach to a project)."""
    queue: str | None = "Field Services"
    """Ticket ``queueID`` label."""
    status: str = "New"
    """Ticket ``status`` label of new tickets."""
    priority: str = "Medium"
    """Ticket ``priority`` label."""
    default_company_id: int | None = None
    """Company of work orders whose company is not found (and not created)."""
    find_companies: bool = True
    """Look for an active company named like the work order's company."""
    create_companies: bool = False
    """Create a missing company (and a location from the work order's address)."""
    company_owner_resource_id: int | None = None
    """``ownerResourceID`` of created companies (required with :attr:`create_companies`)."""
    company_type: str = "Customer"
    """``companyType`` label of created companies."""
    company_phone: str = "-"
    """``phone`` of created companies (Autotask requires one; Field Nation has none)."""
    assigned_resource_id: int | None = None
    """Resource assigned to new tickets (with :attr:`assigned_role_id`, so time can use it)."""
    assigned_role_id: int | None = None
    """Role assigned with :attr:`assigned_resource_id`."""
    service_call_status: str = "New"
    """ServiceCall ``status`` label."""
    project_id: int | None = None
    """The project of the Project service object (required there)."""
    project_task_id: int | None = None
    """A task of :attr:`project_id` named in the new ticket's description (optional)."""
    extra_fields: Mapping[str, Any] = attrs.field(factory=dict, converter=_map)
    """Further ticket fields the tenant requires (e.g. ``{"issueType": 1}``)."""

    def resolve(self, at_client: AutotaskClient, name: str
                ) -> tuple[Sequence[SettingsFault], Mapping[str, Any]]:
        """Resolve labels, check ids, and check every field the tenant requires is covered.

        Resolved: ``queue``, ``status``, ``priority``, ``company_type``,
        ``service_call_status``. Nothing is read when creation is off.
        """
        faults: list[SettingsFault] = []
        if not self.enabled:
            return faults, {}
        if self.service_object not in ("Ticket", "ServiceCall", "Project"):
            faults.append(SettingsFault(f"{name}.service_object",
                                        "must be 'Ticket', 'ServiceCall' or 'Project'"))
        picks = _picklists(at_client, "Tickets", name, faults)
        resolved: dict[str, Any] = {
            "status": _label(picks, "status", self.status, f"{name}.status", faults, "Tickets"),
            "priority": _label(picks, "priority", self.priority, f"{name}.priority", faults,
                               "Tickets"),
            "queue": (_label(picks, "queueID", self.queue, f"{name}.queue", faults, "Tickets")
                      if self.queue else None),
        }
        if self.default_company_id is None and not self.create_companies:
            faults.append(SettingsFault(f"{name}.default_company_id",
                                        "needed unless create_companies is on: a ticket "
                                        "needs a company"))
        if self.queue is None and self.assigned_resource_id is None:
            faults.append(SettingsFault(f"{name}.queue",
                                        "a ticket needs a queue or an assigned resource"))
        if (self.assigned_resource_id is None) != (self.assigned_role_id is None):
            faults.append(SettingsFault(f"{name}.assigned_role_id",
                                        "set both assigned_resource_id and assigned_role_id"))
        if self.create_companies:
            if self.company_owner_resource_id is None:
                faults.append(SettingsFault(f"{name}.company_owner_resource_id",
                                            "needed when create_companies is on"))
            company_picks = _picklists(at_client, "Companies", name, faults)
            resolved["company_type"] = _label(company_picks, "companyType", self.company_type,
                                              f"{name}.company_type", faults, "Companies")
        if self.service_object == "ServiceCall":
            call_picks = _picklists(at_client, "ServiceCalls", name, faults)
            resolved["service_call_status"] = _label(
                call_picks, "status", self.service_call_status, f"{name}.service_call_status",
                faults, "ServiceCalls")
        if self.service_object == "Project" and self.project_id is None:
            faults.append(SettingsFault(f"{name}.project_id",
                                        "the Project service object needs a project_id"))
        covered = {"title", "description", "companyID", "status", "priority", "queueID",
                   "dueDateTime", "externalID", "companyLocationID", "assignedResourceID",
                   "assignedResourceRoleID", "projectID", *self.extra_fields}
        for field in sorted(_required(at_client, "Tickets") - covered):
            faults.append(SettingsFault(f"{name}.extra_fields",
                                        f"the tenant requires Tickets.{field}; give a value"))
        if self.default_company_id is not None:
            _exists(at_client, "Companies", [self.default_company_id],
                    f"{name}.default_company_id", faults)
        resources = [r for r in (self.assigned_resource_id, self.company_owner_resource_id)
                     if r is not None]
        _exists(at_client, "Resources", resources, f"{name}.assigned_resource_id", faults)
        if self.assigned_role_id is not None:
            _exists(at_client, "Roles", [self.assigned_role_id], f"{name}.assigned_role_id",
                    faults)
        if self.project_id is not None:
            _exists(at_client, "Projects", [self.project_id], f"{name}.project_id", faults)
        return faults, resolved


def cross_faults(settings: Any) -> list[SettingsFault]:
    """Faults of settings that only make sense together (``ConnectorSettings.check`` calls
    this): a TicketCharge destination needs the Ticket service object, in both directions;
    the ``outbound_create`` flag needs the ``create`` settings."""
    faults: list[SettingsFault] = []
    create_part = getattr(settings, "create", None)
    if getattr(settings, "outbound_create", False) and not (
            isinstance(create_part, OutboundCreateSettings) and create_part.enabled):
        faults.append(SettingsFault(
            "outbound_create", "set create=OutboundCreateSettings(enabled=True, ...) with the "
            "queue, company and service object to use"))
    expenses = getattr(settings, "expenses", None)
    if isinstance(expenses, ExpenseSettings) and expenses.enabled \
            and expenses.destination == "ticket_charge":
        create = getattr(settings, "create", None)
        inbound = getattr(settings, "inbound", None)
        outbound_object = create.service_object if isinstance(create, OutboundCreateSettings) \
            else "Ticket"
        inbound_object = getattr(inbound, "service_object", "Tickets")
        if outbound_object != "Ticket" or inbound_object != "Tickets":
            faults.append(SettingsFault(
                "expenses.destination",
                "'ticket_charge' needs the Ticket service object (create.service_object "
                f"is {outbound_object!r}, inbound.service_object is {inbound_object!r}); "
                "use 'expense_report'"))
    return faults


def settings_part(validated: Any, name: str, cls: type[Any], at_client: AutotaskClient | None = None
                  ) -> tuple[Any, Mapping[str, Any]]:
    """The settings part ``name`` of validated settings and its resolved values.

    Settings validated without that part (a ``ConnectorSettings`` subclass that dropped it)
    get the part's defaults, resolved against ``at_client`` on every call; a fault there
    raises ``SettingsError``.
    """
    part = getattr(validated.settings, name, None)
    if isinstance(part, cls):
        return part, validated.parts.get(name, {})
    from autotask_fn.sync.errors import SettingsError

    part = cls()
    faults, resolved = part.resolve(at_client, name)
    if faults:
        raise SettingsError(faults)
    return part, resolved
