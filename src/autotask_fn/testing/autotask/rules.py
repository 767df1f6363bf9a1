"""Validation and business rules applied to API writes, as the tenant would apply them.

Messages follow the reference where it quotes them ("When assigning a Resource, ...",
"Value does not reference an existing entity for <field> . ", "Reference value on field: ...");
elsewhere the wording is the fake's own (the reference does not give it).
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs

from autotask_fn._net import is_loopback_http
from autotask_fn.testing.autotask import picklists as pl
from autotask_fn.testing.autotask.errors import ApiError, validation
from autotask_fn.testing.autotask.schema import EntitySpec, FieldDef, ticket_field_name
from autotask_fn.testing.autotask.tenant import Tenant, merge_udfs
from autotask_fn.testing.autotask.values import coerce, parse_datetime
from autotask_fn.testing.contract import contract_rule, contract_value

ASSIGN_BOTH = (
    "When assigning a Resource, you must assign both a assignedResourceID and "
    "assignedResourceRoleID."
)
ATTACHMENT_TYPES = ("FILE_ATTACHMENT", "URL")  # FILE_LINK/FOLDER_LINK unconfirmed: refused
#: Refusals of changes to locked records. Autotask documents the locks, not their wording:
#: these texts are the fake's own; ``TenantOptions.locked_text`` replaces them all, so tests
#: can use other wordings.
LOCKED_TEXTS = contract_value("AT-LOCKED-TEXT", {
    "TimeEntries": "This time entry has been approved and can no longer be modified.",
    "TicketCharges": "This charge has been billed and can no longer be modified.",
    "ExpenseReports": "This expense report has been submitted and can no longer be modified.",
    "ExpenseItems": "The expense report has been submitted; its items can no longer be "
                    "modified.",
    "ExpenseItems:create": "The expense report has been submitted; items cannot be added.",
})
#: The refusal once the attachment byte budget is spent; undocumented wording (the fake's
#: own). ``TenantOptions.attachment_budget_text`` replaces it.
ATTACHMENT_BUDGET_TEXT = contract_value(
    "AT-ATTACHMENT-BUDGET",
    "Attachment upload limit exceeded: at most {limit} bytes may be uploaded per {minutes} "
    "minutes ({used} used); try again later.")


@attrs.frozen
class Write:
    """A parsed write body: typed writable fields, UDF entries (or None) and the id."""

    fields: dict[str, Any]
    udfs: list[dict[str, Any]] | None
    record_id: int | None


def parse_body(tenant: Tenant, spec: EntitySpec, body: Any) -> Write:
    """Check a write body's names, types and lengths; read-only fields are ignored.

    Unknown property names are refused (the real deserializer may ignore them; the reference
    is silent, so the fake takes the stricter path and catches typos).
    """
    if not isinstance(body, dict):
        raise validation("The request body must be a JSON object.")
    fields: dict[str, Any] = {}
    udfs: list[dict[str, Any]] | None = None
    record_id: int | None = None
    errors: list[str] = []
    for key, value in body.items():
        lower = str(key).lower()
        if lower == "id":
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise validation("id must be an integer.")
                record_id = value
            continue
        if lower == "userdefinedfields":
            udfs = _check_udfs(spec, value, tenant.udf_defs(spec.name))
            continue
        field = spec.field(str(key))
        if field is None:
            errors.append(f"Unknown field {key} for entity {spec.name}.")
            continue
        if field.read_only:
            continue
        if field.data_type == "boolean" and value is None:
            # Booleans must be true or false: null is an error too (reference §2).
            errors.append(f"Invalid value for field {field.name}: expected true or false.")
            continue
        try:
            typed = coerce(field, value)
        except ApiError as exc:
            errors.extend(exc.messages)
            continue
        if field.data_type == "string" and typed is not None and len(typed) > field.length:
            errors.append(
                f"Value for field {field.name} exceeds the maximum length of {field.length}."
            )
            continue
        fields[field.name] = typed
    if errors:
        raise validation(*errors)
    return Write(fields, udfs, record_id)


def _check_udfs(
    spec: EntitySpec, value: Any, defs: tuple[pl.UdfDef, ...]
) -> list[dict[str, Any]]:
    if not spec.has_udfs:
        raise validation(f"{spec.name} has no user-defined fields.")
    if not isinstance(value, list):
        raise validation("userDefinedFields must be an array of {name, value}.")
    known = {u.name.lower(): u for u in defs}
    out: list[dict[str, Any]] = []
    for item in value:
        if not isinstance(item, dict):
            raise validation("userDefinedFields entries must be objects.")
        entry = {str(k).lower(): v for k, v in item.items()}
        udf = known.get(str(entry.get("name", "")).lower())
        if udf is None:
            raise validation(f"Unknown user-defined field {entry.get('name')}.")
        val = entry.get("value")
        if val is not None and not isinstance(val, str):
            raise validation(f"The value of user-defined field {udf.name} must be a string.")
        if val is not None and udf.is_picklist and val not in {p.value for p in udf.picklist}:
            raise validation(f"Value does not reference an existing entity for {udf.name} . ")
        if val is not None and udf.length and len(val) > udf.length:
            raise validation(
                f"Value for user-defined field {udf.name} exceeds the maximum length of "
                f"{udf.length}."
            )
        out.append({"name": udf.name, "value": val})
    return out


@attrs.frozen
class Context:
    """Who is writing, through which parent, and when."""

    tenant: Tenant
    spec: EntitySpec
    actor_id: int
    parent_id: int | None
    old: dict[str, Any] | None  # the record before an update, None on create
    impersonator_id: int | None = None  # the API user when acting as ``actor_id``


def build_create(tenant: Tenant, spec: EntitySpec, write: Write, ctx: Context) -> dict[str, Any]:
    """The new record for a create: blank + body + parent id (validated, stamped)."""
    record = tenant.blank(spec)
    record.update(write.fields)
    if write.udfs is not None:
        record["userDefinedFields"] = merge_udfs(record.get("userDefinedFields"), write.udfs)
    _apply_parent(spec, record, ctx.parent_id)
    validate(ctx, record)
    record["id"] = tenant.new_id()
    stamp(ctx, record)
    return record


def build_update(write: Write, ctx: Context, replace: bool) -> dict[str, Any]:
    """The record after PATCH (given fields only) or PUT (omitted writable fields -> null)."""
    assert ctx.old is not None
    record = dict(ctx.old)
    if replace:
        for field in ctx.spec.fields:
            if not field.read_only and field.name != "id":
                record[field.name] = None
        if ctx.spec.parent is not None:
            record[ctx.spec.parent.field] = ctx.old[ctx.spec.parent.field]
    record.update(write.fields)
    if write.udfs is not None:
        record["userDefinedFields"] = merge_udfs(record.get("userDefinedFields"), write.udfs)
    _apply_parent(ctx.spec, record, ctx.parent_id)
    validate(ctx, record)
    stamp(ctx, record)
    return record


def _apply_parent(spec: EntitySpec, record: dict[str, Any], parent_id: int | None) -> None:
    if spec.parent is None or parent_id is None:
        return
    given = record.get(spec.parent.field)
    if given is not None and given != parent_id:
        raise validation(
            f"{spec.parent.field} {given} does not match the parent id {parent_id} in the URL."
        )
    record[spec.parent.field] = parent_id


# -- generic validation ---------------------------------------------------------------
def validate(ctx: Context, record: dict[str, Any]) -> None:
    """Required fields, picklists, references, then the entity's own rules."""
    errors: list[str] = []
    for field in ctx.spec.fields:
        value = record.get(field.name)
        if field.required and not field.read_only and (value is None or value == ""):
            if field.picklist:
                errors.append(f"Value does not reference an existing entity for {field.name} . ")
            else:
                errors.append(f"Missing Required Field: {field.name}.")
            continue
        if value is None or field.read_only:
            continue
        if field.picklist:
            message = _check_picklist(ctx.spec, field, record, ctx.tenant)
            if message:
                errors.append(message)
        elif field.reference and ctx.tenant.get(field.reference, int(value)) is None:
            errors.append(
                f"Reference value on field: {field.name} of type: {field.reference} does not "
                "exist or is invalid."
            )
    if errors:
        raise validation(*errors)
    rule = ENTITY_RULES.get(ctx.spec.name)
    if rule is not None:
        rule(ctx, record)


def _check_picklist(
    spec: EntitySpec, field: FieldDef, record: dict[str, Any], tenant: Tenant
) -> str | None:
    values = tenant.picklist(spec.name, field.name)
    if values is None:
        return None
    wanted = str(record[field.name])
    for entry in values:
        if entry.value == wanted and entry.is_active:
            parent_field = field.picklist_parent
            if parent_field and entry.parent_value != str(record.get(parent_field)):
                return (
                    f"Value does not reference an existing entity for {field.name} . "
                    f"({field.name} {wanted} does not belong to {parent_field} "
                    f"{record.get(parent_field)})"
                )
            return None
    return f"Value does not reference an existing entity for {field.name} . "


def _locked_text(tenant: Tenant, key: str) -> str:
    return tenant.options.locked_text or LOCKED_TEXTS[key]


@contract_rule("AT-LOCKED-TEXT")
def lock_reason(tenant: Tenant, spec: EntitySpec, record: dict[str, Any]) -> str | None:
    """Why a stored record refuses updates and deletes, or ``None``."""
    if spec.name == "TimeEntries" and record.get("billingApprovalDateTime"):
        return _locked_text(tenant, "TimeEntries")
    if spec.name == "TicketCharges" and record.get("isBilled"):
        return _locked_text(tenant, "TicketCharges")
    if spec.name == "ExpenseReports" and _report_locked(record):
        return _locked_text(tenant, "ExpenseReports")
    if spec.name == "ExpenseItems":
        report = tenant.get("ExpenseReports", int(record["expenseReportID"]))
        if report is not None and _report_locked(report):
            return _locked_text(tenant, "ExpenseItems")
    return None


@contract_rule("AT-EXPENSE-REPORT-OPEN")
def _report_locked(report: dict[str, Any]) -> bool:
    """Items may be added only while the report is In Progress or Rejected (by label: the
    ids are tenant data). A report without a status is judged by its ``submit`` flag."""
    status = report.get("status")
    if status is None:
        return bool(report.get("submit"))
    return pl.label_of("ExpenseReports", "status", status) not in pl.REPORT_OPEN_LABELS


# -- entity rules --------------------------------------------------------------------
def _resource_role(ctx: Context, resource_id: Any, role_id: Any, what: str) -> None:
    resource = ctx.tenant.get("Resources", int(resource_id))
    if resource is None:
        raise validation(
            f"Reference value on field: {what} of type: Resources does not exist or is invalid."
        )
    if not resource.get("isActive"):
        raise validation(f"Resource {resource_id} is inactive.")
    if role_id is not None and int(role_id) not in ctx.tenant.resource_roles.get(
        int(resource_id), set()
    ):
        raise validation(f"Role {role_id} is not a valid role for resource {resource_id}.")


def _belongs_to_company(ctx: Context, record: dict[str, Any]) -> None:
    company = record.get("companyID")
    for field, entity in (("companyLocationID", "CompanyLocations"), ("contactID", "Contacts")):
        value = record.get(field)
        if value is None or company is None:
            continue
        other = ctx.tenant.get(entity, int(value))
        if other is not None and other.get("companyID") != company:
            raise validation(f"{field} {value} does not belong to company {company}.")


def _ticket(ctx: Context, record: dict[str, Any]) -> None:
    resource, role = record.get("assignedResourceID"), record.get("assignedResourceRoleID")
    if (resource is None) != (role is None):
        raise validation(ASSIGN_BOTH)
    if resource is not None:
        _resource_role(ctx, resource, role, "assignedResourceID")
    if ctx.tenant.options.require_queue_or_resource and record.get("queueID") is None \
            and resource is None:
        raise validation("A ticket needs a queueID or an assigned resource (assignedResourceID).")
    _belongs_to_company(ctx, record)


def _task(ctx: Context, record: dict[str, Any]) -> None:
    resource, role = record.get("assignedResourceID"), record.get("assignedResourceRoleID")
    if (resource is None) != (role is None):
        raise validation(ASSIGN_BOTH)
    if resource is not None:
        _resource_role(ctx, resource, role, "assignedResourceID")


def _time_entry(ctx: Context, record: dict[str, Any]) -> None:
    tenant, options = ctx.tenant, ctx.tenant.options
    _resource_role(ctx, record["resourceID"], None, "resourceID")
    ticket_id, task_id = record.get("ticketID"), record.get("taskID")
    if ticket_id is not None and task_id is not None:
        raise validation("A time entry can reference a ticket or a task, not both.")
    start_raw, end_raw = record.get("startDateTime"), record.get("endDateTime")
    if (start_raw is None) != (end_raw is None):
        raise validation("startDateTime and endDateTime must be given together.")
    if start_raw is not None and end_raw is not None:
        start, end = parse_datetime(start_raw), parse_datetime(end_raw)
        if end <= start:
            raise validation("endDateTime must be after startDateTime.")
        # "Spanning midnight": the entry's end falls on another UTC date than its start.
        # An entry ending exactly at 00:00 is refused too (stricter; the docs are silent).
        if not options.allow_time_span_midnight and end.date() != start.date():
            raise validation("Time entries cannot span midnight (UTC).")
        if record.get("hoursWorked") is None:
            record["hoursWorked"] = round((end - start).total_seconds() / 3600, 4)
        if record.get("dateWorked") is None:
            record["dateWorked"] = _midnight(start_raw)
        elif parse_datetime(record["dateWorked"]).date() != start.date():
            raise validation("startDateTime must fall on dateWorked.")
    hours = record.get("hoursWorked")
    if hours is None:
        raise validation("Missing Required Field: hoursWorked.")
    if not 0 < float(hours) <= 24:
        raise validation("hoursWorked must be greater than 0 and no more than 24.")
    if record.get("dateWorked") is None:
        raise validation("Missing Required Field: dateWorked.")
    parent = (
        tenant.get("Tickets", int(ticket_id)) if ticket_id is not None
        else tenant.get("Tasks", int(task_id)) if task_id is not None else None
    )
    if parent is None:
        # General ("regular") time: the category is internalBillingCodeID; roleID is ignored.
        if record.get("internalBillingCodeID") is None:
            raise validation("Regular time needs internalBillingCodeID.")
        record["timeEntryType"] = 7
        return
    role = record.get("roleID")
    if role is None:
        raise validation("Missing Required Field: roleID (required for ticket and task time).")
    _resource_role(ctx, record["resourceID"], role, "resourceID")
    wanted = parent.get("assignedResourceRoleID")
    if not options.allow_role_override and wanted is not None and int(role) != int(wanted):
        raise validation(
            f"roleID {role} must match the assignedResourceRoleID {wanted} of the "
            f"{'ticket' if ticket_id is not None else 'task'}."
        )
    record["timeEntryType"] = 2 if ticket_id is not None else 6


def _midnight(value: str) -> str:
    return parse_datetime(value).strftime("%Y-%m-%dT00:00:00.00Z")


def _charge(ctx: Context, record: dict[str, Any]) -> None:
    if record.get("unitQuantity") is not None and float(record["unitQuantity"]) <= 0:
        raise validation("unitQuantity must be greater than 0.")
    _material_code(ctx, record)


@contract_rule("AT-CHARGE-MATERIAL-CODE")
def _material_code(ctx: Context, record: dict[str, Any]) -> None:
    """``billingCodeID`` must be a Material Cost Code (checked on create and when changed)."""
    code_id = record.get("billingCodeID")
    if code_id is None or (ctx.old is not None and ctx.old.get("billingCodeID") == code_id):
        return
    code = ctx.tenant.get("BillingCodes", int(code_id))
    if code is None or code.get("useType") != pl.USE_TYPE_MATERIAL:
        raise validation(
            f"billingCodeID {code_id} is not a Material Cost Code type allocation code.")


def _attachment(ctx: Context, record: dict[str, Any]) -> None:
    options = ctx.tenant.options
    kind = record.get("attachmentType")
    if kind not in ATTACHMENT_TYPES:
        raise validation(f"Value does not reference an existing entity for attachmentType . "
                         f"({kind!r} is not one of {', '.join(ATTACHMENT_TYPES)})")
    if kind == "URL":
        if record.get("data"):
            raise validation("A URL attachment cannot carry data.")
        if not str(record["fullPath"]).lower().startswith(("http://", "https://")):
            raise validation("fullPath of a URL attachment must be an http(s) URL.")
        record["fileSize"] = 0
        return
    data = record.get("data")
    if not data:
        raise validation("Missing Required Field: data (base64 file content).")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise validation("data is not valid base64.") from None
    if len(raw) > options.attachment_file_limit:
        raise validation(
            f"The attachment is {len(raw)} bytes; the API accepts at most "
            f"{options.attachment_file_limit} bytes per file."
        )
    now = ctx.tenant.clock.time()
    used = ctx.tenant.attachment_window.total(now)
    if used + len(raw) > options.attachment_window_bytes:
        raise validation((options.attachment_budget_text or ATTACHMENT_BUDGET_TEXT).format(
            limit=options.attachment_window_bytes,
            minutes=options.attachment_window_seconds // 60, used=used))
    record["fileSize"] = len(raw)


def _expense_item(ctx: Context, record: dict[str, Any]) -> None:
    report = ctx.tenant.get("ExpenseReports", int(record["expenseReportID"]))
    if report is not None and _report_locked(report):
        raise validation(_locked_text(ctx.tenant, "ExpenseItems:create"))


def _dates_in_order(ctx: Context, record: dict[str, Any]) -> None:
    if parse_datetime(record["endDateTime"]) < parse_datetime(record["startDateTime"]):
        raise validation("endDateTime must not be before startDateTime.")


def _service_call_ticket(ctx: Context, record: dict[str, Any]) -> None:
    for other in ctx.tenant.all("ServiceCallTickets"):
        if other["serviceCallID"] == record["serviceCallID"] \
                and other["ticketID"] == record["ticketID"]:
            raise validation("The ticket is already linked to this service call.")


@contract_rule("AT-CALLOUT-HTTPS-URL")
def check_callout_url(key: str, url: str) -> None:
    """Callouts go to port 443 (reference §8): plain http is refused, except to a loopback
    host (``127.0.0.1``, ``localhost``, ``[::1]``), which the fake accepts so a test can
    register a host it serves without TLS."""
    if not url.lower().startswith("https://") and not is_loopback_http(url):
        raise validation(f"{key} must be an https URL.")


def _webhook(ctx: Context, record: dict[str, Any]) -> None:
    for key in ("webhookUrl", "deactivationUrl"):
        check_callout_url(key, str(record[key]))
    events = [e for e in ("Create", "Update", "Delete") if record.get(f"isSubscribedTo{e}Events")]
    for other in ctx.tenant.all("TicketWebhooks"):
        if other["id"] == record.get("id"):
            continue
        if str(other["webhookUrl"]).lower() != str(record["webhookUrl"]).lower():
            continue
        if any(other.get(f"isSubscribedTo{e}Events") for e in events):
            raise validation(
                "A callout with the same entity, URL and event type already exists."
            )


def _webhook_field(ctx: Context, record: dict[str, Any]) -> None:
    if ticket_field_name(int(record["fieldID"])) is None:
        raise validation(f"fieldID {record['fieldID']} is not a Ticket field.")
    for other in ctx.tenant.all("TicketWebhookFields"):
        if other["id"] != record.get("id") and other["webhookID"] == record["webhookID"] \
                and other["fieldID"] == record["fieldID"]:
            raise validation("This field is already part of the webhook.")


def _excluded_resource(ctx: Context, record: dict[str, Any]) -> None:
    for other in ctx.tenant.all("TicketWebhookExcludedResources"):
        if other["webhookID"] == record["webhookID"] \
                and other["resourceID"] == record["resourceID"]:
            raise validation("This resource is already excluded from the webhook.")


ENTITY_RULES: dict[str, Callable[[Context, dict[str, Any]], None]] = {
    "Tickets": _ticket,
    "Tasks": _task,
    "TimeEntries": _time_entry,
    "TicketCharges": _charge,
    "TicketAttachments": _attachment,
    "ExpenseItems": _expense_item,
    "ServiceCalls": _dates_in_order,
    "Projects": _dates_in_order,
    "ServiceCallTickets": _service_call_ticket,
    "TicketWebhooks": _webhook,
    "TicketWebhookFields": _webhook_field,
    "TicketWebhookExcludedResources": _excluded_resource,
}


# -- system fields ------------------------------------------------------------------
def stamp(ctx: Context, record: dict[str, Any]) -> None:
    """Fill the read-only fields the server maintains (numbers, dates, creators)."""
    tenant, spec, now, creating = ctx.tenant, ctx.spec, ctx.tenant.now(), ctx.old is None
    name = spec.name
    if name == "Tickets":
        if creating:
            record.update(ticketNumber=tenant.next_ticket_number(), createDate=now,
                          creatorResourceID=ctx.actor_id, creatorType=1)
        record["lastActivityDate"] = now
        record["lastTrackedModificationDateTime"] = now
        record["lastActivityPersonType"] = 1
        if record.get("status") == pl.STATUS_COMPLETE:
            if not (ctx.old and ctx.old.get("status") == pl.STATUS_COMPLETE):
                record["completedDate"] = now
                record["completedByResourceID"] = ctx.actor_id
        else:
            record["completedDate"] = None
            record["completedByResourceID"] = None
    elif name == "TicketNotes":
        if creating:
            record.update(createDateTime=now, creatorResourceID=ctx.actor_id)
        record["lastActivityDate"] = now
    elif name == "TimeEntries":
        if creating:
            record.update(createDateTime=now, creatorUserID=ctx.actor_id)
        record.update(lastModifiedDateTime=now, lastModifiedUserID=ctx.actor_id)
        if record.get("hoursToBill") is None:
            record["hoursToBill"] = record["hoursWorked"]
    elif name == "TicketCharges":
        if creating:
            record.update(createDate=now, creatorResourceID=ctx.actor_id, isBilled=False)
        quantity = float(record.get("unitQuantity") or 0)
        record["extendedCost"] = round(quantity * float(record.get("unitCost") or 0), 4)
        record["billableAmount"] = round(quantity * float(record.get("unitPrice") or 0), 4)
    elif name == "TicketAttachments":
        record.update(parentType=4, attachDate=now, attachedByResourceID=ctx.actor_id,
                      isTaskAttachment=False)
        if ctx.spec.field("ticketID") is not None:  # posted under Tickets/{id}/Attachments
            record["ticketID"] = record["parentID"]
        record["contentType"] = (
            "text/uri-list" if record["attachmentType"] == "URL"
            else mimetypes.guess_type(str(record["fullPath"]))[0] or "application/octet-stream"
        )
    elif name == "ExpenseReports":
        if creating:
            record["status"] = pl.REPORT_IN_PROGRESS
        if record.get("submit") and not (ctx.old and ctx.old.get("submit")):
            record.update(status=pl.REPORT_AWAITING_APPROVAL, submitDate=now)
    elif name in ("ServiceCalls", "Projects", "Tasks") and creating:
        record.update(createDateTime=now, creatorResourceID=ctx.actor_id)
        if name == "Projects":
            record["projectNumber"] = f"P{record['id']}"
        if name == "Tasks":
            record["taskNumber"] = f"T{record['id']}"
    elif name == "TicketWebhooks" and creating:
        record.update(webhookGUID=str(uuid.UUID(int=tenant.new_id())),
                      ownerResourceID=ctx.actor_id, isReady=False)
    if ctx.impersonator_id is not None:
        key = "impersonatorCreatorResourceID" if creating else "impersonatorUpdaterResourceID"
        if spec.field(key) is not None:
            record[key] = ctx.impersonator_id
    if name == "ServiceCalls":
        span = parse_datetime(record["endDateTime"]) - parse_datetime(record["startDateTime"])
        record["duration"] = round(span / timedelta(hours=1), 4)
