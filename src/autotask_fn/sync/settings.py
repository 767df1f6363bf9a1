"""Connector settings: what a host configures, and their validation against the Autotask tenant.

:class:`ConnectorSettings` is a frozen attrs class of plain values (labels as people see them in
Autotask, ids, maps). Nothing is trusted until :meth:`ConnectorSettings.validate` has resolved
every label and id against the tenant's live metadata; it returns :class:`ValidatedSettings`
(the resolved picklist values and field lengths the sync writes with) or raises one
:class:`~autotask_fn.sync.errors.SettingsError` listing **every** fault found.

:class:`~autotask_fn.sync.SyncService` accepts either: given ``ValidatedSettings`` it uses them as
they are; given ``ConnectorSettings`` it validates them on construction (metadata reads, no
writes), so a service never runs on settings that were never checked.

Extending: a field whose value implements :class:`SettingsPart` (``resolve(at_client, name)``)
is validated together with the rest; its resolved values land in ``ValidatedSettings.parts``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import attrs

from autotask_fn.autotask.errors import AutotaskAuthError, AutotaskZoneError
from autotask_fn.sync.errors import SettingsError, SettingsFault
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.sync.outbound_settings import (
    AttachmentSettings,
    ExpenseSettings,
    OutboundCreateSettings,
    cross_faults,
)

if TYPE_CHECKING:
    from autotask_fn.autotask.client import AutotaskClient

__all__ = [
    "DEFAULT_STATUS_MAP",
    "TICKET_FIELDS",
    "ConnectorSettings",
    "SettingsPart",
    "ValidatedSettings",
]

#: Field Nation status codes mapped to Autotask status labels unless settings say otherwise.
DEFAULT_STATUS_MAP: Mapping[str, str] = {
    **dict.fromkeys(("assigned", "confirmed", "on_my_way", "checked_in", "checked_out",
                     "on_hold", "delayed", "at_risk"), "In Progress"),
    **dict.fromkeys(("work_done", "approved", "paid"), "Complete"),
}

#: Ticket facts the outbound sync can write (``ConnectorSettings.ticket_fields``).
TICKET_FIELDS = frozenset({"title", "description", "status", "schedule", "custom_fields"})

#: Errors that stop validation at once: nothing can be read, so listing "every setting that
#: does not fit" would only repeat one refused login (or unknown zone) many times.
_FATAL = (AutotaskAuthError, AutotaskZoneError)

#: The order actions are listed in by :meth:`ConnectorSettings.required_access`.
_ACTION_ORDER = ("query", "create", "update", "delete")

#: Metadata lengths the sync needs, resolved at validation: ``"Entity.field"``.
_LENGTH_FIELDS: Mapping[str, Sequence[str]] = {
    "Tickets": ("title", "description", "externalID"),
    "TicketNotes": ("title", "description"),
    "TimeEntries": ("summaryNotes", "internalNotes"),
}


@runtime_checkable
class SettingsPart(Protocol):
    """A group of settings that validates itself against the tenant (inbound, expenses ...)."""

    def resolve(self, at_client: AutotaskClient, name: str
                ) -> tuple[Sequence[SettingsFault], Mapping[str, Any]]:
        """Check against the tenant; return the faults (named ``<name>.<field>``) and the
        resolved values to keep in ``ValidatedSettings.parts[name]``."""
        ...


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _frozen_map(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return dict(value or {})


def _audiences(value: Iterable[str]) -> frozenset[str]:
    return frozenset(str(a).strip().upper() for a in value)


def _lower_keys(value: Mapping[str, int] | None) -> Mapping[str, int]:
    return {str(k).strip().lower(): int(v) for k, v in (value or {}).items()}


@attrs.frozen(kw_only=True)
class ConnectorSettings:
    """Everything a host configures for the outbound sync (Field Nation -> Autotask).

    Secrets (``webhook_secrets``) never appear in the repr.
    """

    webhook_secrets: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple, repr=False)
    """Secrets of the Field Nation webhooks that deliver to this host (several while rotating)."""

    legacy_webhook_signing: bool = False
    """Also accept deliveries of webhooks registered through Field Nation's legacy API, signed
    with ``Fn-Hash: md5(secret + body)`` instead of ``X-FN-Signature``. Off by default: md5 is
    weak; turn it on only while such webhooks remain."""

    status_map: Mapping[str, str] = attrs.field(
        factory=lambda: dict(DEFAULT_STATUS_MAP), converter=_frozen_map)
    """Field Nation status ``code`` -> Autotask ticket status *label*. Unmapped codes write no
    status."""

    ticket_fields: frozenset[str] = attrs.field(default=TICKET_FIELDS, converter=frozenset)
    """Which ticket facts follow the work order: title, description, status, schedule
    (``dueDateTime``), custom_fields (UDFs via ``custom_field_map``)."""

    due_date_from: Literal["end", "start"] = "end"
    """Which end of the Field Nation service window becomes the ticket ``dueDateTime``."""

    custom_field_map: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map)
    """Field Nation custom field *name* -> Autotask ticket user-defined field *name*."""

    message_public_audiences: frozenset[str] = attrs.field(
        default=frozenset(), converter=_audiences)
    """Message audiences (``type``/``role`` values) to publish as well, beyond those Field
    Nation documents as reaching providers (ASSIGNEDTECH, REQUESTEDTECHS, SPECIFICTECH,
    ROUTEDTECHS, FROMTECH, TECHTOMANAGER). Every other audience, and a missing one, becomes an
    internal note; INTERNAL and STAFF_NOTE cannot be listed."""

    note_type: str = "Task Notes"
    """TicketNote ``noteType`` label."""

    note_publish: str = "All Autotask Users"
    """TicketNote ``publish`` label for messages everyone may see."""

    note_publish_internal: str = "Internal Only"
    """TicketNote ``publish`` label for internal Field Nation messages (INTERNAL, STAFF_NOTE)."""

    resource_map: Mapping[str, int] = attrs.field(factory=dict, converter=_lower_keys)
    """Field Nation provider -> Autotask resource id. Keys are provider **user ids** (``2001``
    or ``"2001"``); an e-mail key (case-insensitive) applies only when a response carries the
    provider's e-mail, which Field Nation's published provider object
    (``{id, first_name, last_name, thumbnail}``) does not."""

    lookup_resources_by_email: bool = True
    """When a provider really comes with an e-mail that is not in ``resource_map``, look for an
    active Resource with that e-mail (one query per e-mail, cached)."""

    default_resource_id: int | None = None
    """Resource for time and expenses of providers with no mapped resource (marketplace
    providers usually have none); the provider's name goes into the entry's text. Required
    unless ``resource_map`` maps provider user ids."""

    role_policy: Literal["ticket", "fixed"] = "ticket"
    """``ticket``: the ticket's ``assignedResourceRoleID`` (Autotask's default rule);
    ``fixed``: always ``role_id`` (needs the tenant's "allow users to modify Role" option)."""

    role_id: int | None = None
    """The fixed role, and the fallback for tickets without an assigned role."""

    time_entry_marker_field: Literal["internalNotes", "summaryNotes"] = "internalNotes"
    """Where the time entry marker goes. ``summaryNotes`` prints on invoices."""

    time_entry_summary: str = "Field Nation work order {work_order_id} ({provider})"
    """Template of the required ``summaryNotes`` (fields: work_order_id, title, provider,
    time_log_id, part). Using ``{title}`` rewrites every time entry when the title changes."""

    time_billing_code_id: int | None = None
    """``billingCodeID`` of time entries (work type); ``None`` leaves it to Autotask."""

    max_attempts: int = 8
    """Attempts of an inbox entry before it moves to the dead letters."""

    backoff_base: float = 5.0
    """Seconds before the first retry; doubles each attempt (with jitter)."""

    backoff_max: float = 900.0
    """Longest wait between two attempts."""

    rate_limit_patience: float = 3900.0
    """Seconds an entry that keeps meeting rate limits (Autotask's hourly threshold, a 429)
    is retried before it may be dead-lettered: one 60-minute threshold window and a margin."""

    lock_ttl: float = 300.0
    """Seconds a per-work-order lock lives (a dead worker's lock expires after this); renewed
    before every write while a reconcile goes on."""

    max_time_log_hours: float = 24.0
    """A time log longer than this is bad input (one visit; a runaway log would otherwise
    become thousands of time entries): rejected with the field named, nothing written."""

    max_expense_amount: float = 100_000.0
    """An expense amount beyond this (either sign) is bad input."""

    max_expense_quantity: float = 10_000.0
    """An expense quantity beyond this is bad input."""

    max_webhook_bytes: int = 1_000_000
    """Webhook bodies larger than this are refused (413) and nothing is stored."""

    sweep_statuses: frozenset[str] | None = attrs.field(
        default=None, converter=attrs.converters.optional(frozenset))
    """Field Nation status codes a sweep reconciles (``None``: every linked work order)."""

    sweep_skip_statuses: frozenset[str] = attrs.field(
        default=frozenset({"paid", "cancelled", "deleted"}), converter=frozenset)
    """A sweep does not even read work orders whose last synced Field Nation status is one of
    these (finished work); events still sync them."""

    sweep_trust_message_count: bool = False
    """A sweep skips a work order's ``/messages`` read while the message count the work order
    carries is what it was at the last sync (``FN-WO-MESSAGE-COUNT``). A reply to an existing
    message does not change the count: it is synced by its webhook event or with the work
    order's next change, not by a sweep. Off by default."""

    sweep_trust_updated: bool = False
    """A sweep skips a work order's ``/expenses`` read (expenses, charges, receipts) while its
    ``updated`` time is what it was at the last sync (``FN-WO-UPDATED-MOVES``, unconfirmed:
    Field Nation does not document what moves it). Off by default."""

    outbound_create: bool = False
    """Superseded by :attr:`create`: set alone it is refused at validation; use
    ``create=OutboundCreateSettings(enabled=True, ...)`` to create tickets."""

    inbound: InboundSettings = attrs.field(factory=InboundSettings)
    """Autotask -> Field Nation imports (``import_ticket``, Autotask webhooks); validated with
    the rest (see :meth:`InboundSettings.resolve`)."""

    expenses: ExpenseSettings = attrs.field(factory=ExpenseSettings)
    """Expenses -> expense reports or ticket charges (see :class:`ExpenseSettings`)."""

    attachments: AttachmentSettings = attrs.field(factory=AttachmentSettings)
    """Files, receipts and signatures -> ticket attachments (see :class:`AttachmentSettings`)."""

    create: OutboundCreateSettings = attrs.field(factory=OutboundCreateSettings)
    """Outbound create: a ticket for an unlinked work order (see
    :class:`OutboundCreateSettings`; off by default)."""

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> ConnectorSettings:
        """Build settings from plain data (a TOML ``[settings]`` table, JSON ...).

        Unknown keys raise ``ValueError`` naming them; a nested table for a field whose
        default is itself a settings object (e.g. ``inbound``) builds that object the same way.
        """
        known = {f.name: f for f in attrs.fields(cls)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown}; known: {sorted(known)}")
        values: dict[str, Any] = {}
        for name, value in raw.items():
            default = known[name].default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                nested: type = default.factory  # e.g. InboundSettings
            else:
                nested = type(default)
            if isinstance(value, Mapping) and attrs.has(nested):
                builder = getattr(nested, "from_mapping", None)
                value = builder(value) if callable(builder) else nested(**value)
            values[name] = value
        return cls(**values)

    def check(self) -> list[SettingsFault]:
        """Faults visible without asking Autotask (ranges, unknown names)."""
        faults: list[SettingsFault] = []
        if self.max_attempts < 1:
            faults.append(SettingsFault("max_attempts", "must be at least 1"))
        if self.backoff_base <= 0 or self.backoff_max < self.backoff_base:
            faults.append(SettingsFault("backoff_base", "must be > 0 and <= backoff_max"))
        if self.lock_ttl <= 0:
            faults.append(SettingsFault("lock_ttl", "must be > 0"))
        for name in ("max_time_log_hours", "max_expense_amount", "max_expense_quantity",
                     "max_webhook_bytes"):
            if not getattr(self, name) > 0:
                faults.append(SettingsFault(name, "must be > 0"))
        unknown = set(self.ticket_fields) - TICKET_FIELDS
        if unknown:
            faults.append(SettingsFault("ticket_fields", f"unknown {sorted(unknown)}; "
                                        f"choose from {sorted(TICKET_FIELDS)}"))
        if self.role_policy == "fixed" and self.role_id is None:
            faults.append(SettingsFault("role_id", "role_policy 'fixed' needs a role_id"))
        if self.role_policy not in ("ticket", "fixed"):
            faults.append(SettingsFault("role_policy", "must be 'ticket' or 'fixed'"))
        if self.time_entry_marker_field not in ("internalNotes", "summaryNotes"):
            faults.append(SettingsFault("time_entry_marker_field",
                                        "must be 'internalNotes' or 'summaryNotes'"))
        if self.due_date_from not in ("end", "start"):
            faults.append(SettingsFault("due_date_from", "must be 'end' or 'start'"))
        try:
            self.time_entry_summary.format(work_order_id=1, title="t", provider="p",
                                           time_log_id=1, part=0)
        except (KeyError, IndexError, ValueError) as exc:
            faults.append(SettingsFault("time_entry_summary", f"bad template: {exc!r}"))
        hidden = sorted(self.message_public_audiences & {"INTERNAL", "STAFF_NOTE"})
        if hidden or "" in self.message_public_audiences:
            faults.append(SettingsFault("message_public_audiences",
                                        f"cannot publish {hidden or ['an empty audience']}: "
                                        "these messages are hidden from providers"))
        if any(not s for s in self.webhook_secrets):
            faults.append(SettingsFault("webhook_secrets", "contains an empty secret"))
        faults.extend(self._resource_faults())
        faults.extend(cross_faults(self))
        return faults

    def required_access(self) -> dict[str, tuple[str, ...]]:
        """What the API user's security level must grant for these settings:
        ``{entity: (actions...)}`` (actions among query, create, update, delete).

        Only enabled features count: the configured expense destination (expense reports
        *or* ticket charges), attachments when files, receipts or signatures sync, outbound
        create and the inbound imports as configured. Pass it to
        ``AutotaskClient.check_connection``.
        """
        need: dict[str, set[str]] = {}

        def add(entity: str, *actions: str) -> None:
            need.setdefault(entity, set()).update(actions)

        add("Tickets", "query", "update")  # ticket fields, markers
        add("TimeEntries", "query", "create", "update", "delete")
        add("TicketNotes", "query", "create", "update")
        add("Resources", "query")  # resource_map checks, look-ups by e-mail
        if self.role_id is not None:
            add("Roles", "query")
        expenses, files = self.expenses, self.attachments
        if expenses.enabled and expenses.destination == "ticket_charge":
            add("TicketCharges", "query", "create", "update", "delete")
        elif expenses.enabled:
            add("ExpenseReports", "query", "create", *(("update",) if expenses.submit_reports
                                                       else ()))
            add("ExpenseItems", "query", "create", "update")
        if files.sync_files or files.sync_signatures or (files.sync_receipts
                                                         and expenses.enabled):
            add("TicketAttachments", "query", "create", "delete")  # a replaced file: delete
        create = self.create
        if create.enabled:
            add("Tickets", "create")
            add("Companies", "query", *(("create",) if create.create_companies else ()))
            add("CompanyLocations", "query", *(("create",) if create.create_companies else ()))
            if create.service_object == "ServiceCall":
                add("ServiceCalls", "query", "create")
                add("ServiceCallTickets", "query", "create")
            elif create.service_object == "Project":
                add("Projects", "query")
        # Imports (SyncService.import_ticket) read the ticket's company, location, contact.
        add("Companies", "query")
        add("CompanyLocations", "query")
        add("Contacts", "query")
        inbound = self.inbound
        if inbound.service_object == "ServiceCalls":
            add("ServiceCalls", "query")
            add("ServiceCallTickets", "query")
        elif inbound.service_object == "Projects":
            add("Projects", "query")
            add("Tasks", "query")
        if inbound.import_attachments:
            add("TicketAttachments", "query")
        return {entity: tuple(a for a in _ACTION_ORDER if a in actions)
                for entity, actions in need.items()}

    def _resource_faults(self) -> list[SettingsFault]:
        bad = [k for k in self.resource_map if not (k.isdecimal() or "@" in k)]
        faults = [SettingsFault(f"resource_map[{k!r}]", "keys are Field Nation provider user "
                                "ids (or e-mails)") for k in bad]
        if self.default_resource_id is None and not any(k.isdecimal() for k in self.resource_map):
            faults.append(SettingsFault(
                "default_resource_id",
                "Field Nation providers carry no e-mail (only id and name), so no map covers "
                "them: map provider user ids in resource_map or set default_resource_id"))
        return faults

    def validate(self, at_client: AutotaskClient) -> ValidatedSettings:
        """Resolve every label and id against the tenant; raise one :class:`SettingsError`
        listing every fault, or return :class:`ValidatedSettings`.

        Reads field metadata (Tickets, TicketNotes, TimeEntries), ticket UDFs when
        ``custom_field_map`` is set, and the configured Resources and Role. Writes nothing.
        A refused login (:class:`~autotask_fn.autotask.errors.AutotaskAuthError`, naming the
        credential to check) or an unknown zone is raised as it is, not listed as faults.
        """
        faults = self.check()
        ticket_fields = _fields_by_name(at_client, "Tickets", faults)
        note_fields = _fields_by_name(at_client, "TicketNotes", faults)
        time_fields = _fields_by_name(at_client, "TimeEntries", faults)

        status_values: dict[str, int] = {}
        if "status" in self.ticket_fields:
            for code, label in self.status_map.items():
                value = _picklist_value(ticket_fields, "status", label)
                if value is None:
                    faults.append(SettingsFault(
                        f"status_map[{code!r}]",
                        f"{label!r} is not an active Autotask ticket status "
                        f"(known: {_labels(ticket_fields, 'status')})"))
                else:
                    status_values[code] = value
        note_type = _resolve_label(note_fields, "noteType", self.note_type, "note_type", faults)
        publish = _resolve_label(note_fields, "publish", self.note_publish, "note_publish",
                                 faults)
        publish_internal = _resolve_label(note_fields, "publish", self.note_publish_internal,
                                          "note_publish_internal", faults)
        if time_fields and self.time_entry_marker_field not in time_fields:
            faults.append(SettingsFault("time_entry_marker_field",
                                        f"TimeEntries has no field {self.time_entry_marker_field}"))

        if self.custom_field_map and "custom_fields" in self.ticket_fields:
            udf_names = _udf_names(at_client, "Tickets", faults)
            for fn_name, udf in self.custom_field_map.items():
                if udf_names is not None and udf not in udf_names:
                    faults.append(SettingsFault(f"custom_field_map[{fn_name!r}]",
                                                f"Tickets has no user-defined field {udf!r}"))

        resource_ids = sorted({*self.resource_map.values(),
                               *([self.default_resource_id] if self.default_resource_id else [])})
        active = _active_ids(at_client, "Resources", resource_ids, faults)
        if active is not None:
            for email, rid in self.resource_map.items():
                if rid not in active:
                    faults.append(SettingsFault(f"resource_map[{email!r}]",
                                                f"resource {rid} does not exist or is inactive"))
            if self.default_resource_id and self.default_resource_id not in active:
                faults.append(SettingsFault("default_resource_id",
                                            f"resource {self.default_resource_id} does not exist "
                                            "or is inactive"))
        if self.role_id is not None:
            roles = _active_ids(at_client, "Roles", [self.role_id], faults)
            if roles is not None and self.role_id not in roles:
                faults.append(SettingsFault("role_id",
                                            f"role {self.role_id} does not exist or is inactive"))

        parts: dict[str, Mapping[str, Any]] = {}
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            if isinstance(value, SettingsPart):
                part_faults, resolved = value.resolve(at_client, field.name)
                faults.extend(part_faults)
                parts[field.name] = resolved

        if faults:
            raise SettingsError(faults)
        lengths = {
            f"{entity}.{name}": int(info.get("length") or 0)
            for entity, by_name in (("Tickets", ticket_fields), ("TicketNotes", note_fields),
                                    ("TimeEntries", time_fields))
            for name, info in by_name.items()
            if name in _LENGTH_FIELDS[entity]
        }
        return ValidatedSettings(
            settings=self, status_values=status_values, note_type=note_type or 0,
            note_publish=publish or 0, note_publish_internal=publish_internal or 0,
            field_lengths=lengths, parts=parts,
        )


@attrs.frozen(kw_only=True)
class ValidatedSettings:
    """Settings checked against one Autotask tenant, with every label resolved to its value."""

    settings: ConnectorSettings
    status_values: Mapping[str, int] = attrs.field(factory=dict)
    """Field Nation status code -> Autotask status picklist value."""
    note_type: int = 0
    note_publish: int = 0
    note_publish_internal: int = 0
    field_lengths: Mapping[str, int] = attrs.field(factory=dict)
    """``"Entity.field"`` -> maximum length from metadata (0 or absent: unknown)."""
    parts: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    """Resolved values of :class:`SettingsPart` fields, by field name."""

    def length(self, entity: str, field: str) -> int | None:
        """The maximum length of a text field, or ``None`` when unknown."""
        return self.field_lengths.get(f"{entity}.{field}") or None


# ------------------------------------------------------------------ metadata helpers
# The client returns FieldInfo objects; these helpers read them as mappings or attributes so
# validation does not depend on one model spelling.

def _attr(obj: Any, *names: str) -> Any:
    for name in names:
        if isinstance(obj, Mapping):
            if name in obj:
                return obj[name]
        elif hasattr(obj, name):
            return getattr(obj, name)
    return None


def _as_info(field: Any) -> dict[str, Any]:
    values = _attr(field, "picklist_values", "picklistValues") or []
    return {
        "name": _attr(field, "name"),
        "length": _attr(field, "length"),
        "picklist": [
            {"value": _attr(v, "value"), "label": _attr(v, "label"),
             "active": _attr(v, "is_active", "isActive")}
            for v in values
        ],
    }


def _fields_by_name(at_client: AutotaskClient, entity: str, faults: list[SettingsFault]
                    ) -> dict[str, dict[str, Any]]:
    try:
        fields = at_client.fields(entity)
    except _FATAL:
        raise
    except Exception as exc:  # reported as a fault; validation lists everything at once
        faults.append(SettingsFault(f"autotask.{entity}", f"cannot read field metadata: {exc}"))
        return {}
    return {str(info["name"]): info for info in map(_as_info, fields) if info["name"]}


def _labels(fields: Mapping[str, Mapping[str, Any]], name: str) -> list[str]:
    info = fields.get(name) or {}
    return [str(v["label"]) for v in info.get("picklist", []) if v.get("active") is not False]


def _picklist_value(fields: Mapping[str, Mapping[str, Any]], name: str, label: str) -> int | None:
    info = fields.get(name) or {}
    wanted = label.strip().casefold()
    for v in info.get("picklist", []):
        if v.get("active") is False:
            continue
        if str(v.get("label") or "").strip().casefold() == wanted or str(v.get("value")) == label:
            try:
                return int(v["value"])
            except (TypeError, ValueError):
                return None
    return None


def _resolve_label(fields: Mapping[str, Mapping[str, Any]], name: str, label: str,
                   setting: str, faults: list[SettingsFault]) -> int | None:
    if not fields:
        return None
    value = _picklist_value(fields, name, label)
    if value is None:
        faults.append(SettingsFault(setting, f"{label!r} is not an active {name} value "
                                             f"(known: {_labels(fields, name)})"))
    return value


def _udf_names(at_client: AutotaskClient, entity: str,
               faults: list[SettingsFault]) -> set[str] | None:
    try:
        return {str(_attr(f, "name")) for f in at_client.udfs(entity)}
    except _FATAL:
        raise
    except Exception as exc:
        faults.append(SettingsFault(f"autotask.{entity}",
                                    f"cannot read user-defined fields: {exc}"))
        return None


def _active_ids(at_client: AutotaskClient, entity: str, ids: Iterable[int],
                faults: list[SettingsFault]) -> set[int] | None:
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    from autotask_fn.autotask.query import in_

    try:
        rows = list(at_client.query(entity, in_("id", wanted), include_fields=["id", "isActive"]))
    except _FATAL:
        raise
    except Exception as exc:
        faults.append(SettingsFault(f"autotask.{entity}", f"cannot read {entity}: {exc}"))
        return None
    return {int(r["id"]) for r in rows if r.get("isActive") not in (False, 0)}
