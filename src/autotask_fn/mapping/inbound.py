"""Autotask -> Field Nation: turn a ticket (or service call, or project task) into a work order.

Pure functions on plain dicts, gathered in :class:`InboundMapper` so a host can subclass it and
override one piece (say, :meth:`InboundMapper.description_lines`) without touching the rest.
Nothing here makes a request: the importer (:mod:`autotask_fn.sync.inbound`) fetches the
records, hands them over as an :class:`InboundRecord`, and writes what comes back.

The work order is described in *parts* (``title``, ``description``, ``schedule``,
``location``, ``contacts``, ``incident_id`` and one per custom field); each part is hashed, so a
re-import writes only the parts whose hash changed.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from autotask_fn.sync.errors import SyncInputError
from autotask_fn.sync.inbound_settings import InboundSettings

#: field name -> (picklist value as text -> label)
Picklists = Mapping[str, Mapping[str, str]]

#: Maximum title length Field Nation accepts (documented nowhere; kept conservative).
TITLE_MAX = 255

#: Work order parts that are top-level fields of the Field Nation work order.
WORK_ORDER_PARTS = ("title", "description", "schedule", "location", "contacts", "incident_id")


class InboundMappingError(SyncInputError):
    """An Autotask record cannot become a work order; ``field`` names the culprit.

    A :class:`~autotask_fn.sync.errors.SyncInputError`: retrying does not help until the record
    is fixed in Autotask, so an inbox entry failing with it goes to the dead letters.
    """

    def __init__(self, message: str, *, field: str, entity: str, entity_id: int | None):
        super().__init__(field, message)
        self.entity = entity
        """The Autotask entity it belongs to (``Tickets``, ``Companies`` ...)."""
        self.entity_id = entity_id
        """The id of that record, when known."""


class MissingAddressError(InboundMappingError):
    """The company (and its location) has no street address: a work order needs one."""


class UnmappablePicklistError(InboundMappingError):
    """A picklist value has no label in the Autotask metadata (or no mapping)."""


@attrs.frozen
class InboundRecord:
    """Everything one import needs, already fetched: the raw Autotask records.

    ``entity``/``id`` name the imported object (a ticket, service call or project); ``ticket``
    is the ticket the work order is linked to (for a project: the configured task).
    """

    entity: str
    id: int
    ticket: Mapping[str, Any]
    company: Mapping[str, Any] | None = None
    location: Mapping[str, Any] | None = None
    contact: Mapping[str, Any] | None = None
    service_call: Mapping[str, Any] | None = None
    tickets: Sequence[Mapping[str, Any]] = ()
    """For a service call: every ticket of the call (the first one is :attr:`ticket`)."""
    project: Mapping[str, Any] | None = None
    picklists: Picklists = attrs.field(factory=dict)
    """Ticket (or task) field picklists: field -> value -> label."""
    udf_picklists: Picklists = attrs.field(factory=dict)
    """UDF picklists: UDF name -> value -> label (a UDF that is a picklist stores its value)."""


#: Date-time text split into the part before the fraction, the fraction and the zone.
_AT_DATETIME = re.compile(r"(?P<head>.*?)(?:\.(?P<frac>\d+))?(?P<zone>[Zz]|[+-]\d\d(?::?\d\d)?)?")


def parse_autotask_datetime(value: str) -> datetime:
    """Parse an Autotask UTC datetime (``2018-01-23T10:00:00.00Z``, any fraction) as aware.

    A text without a zone is UTC (as Autotask documents); an explicit offset is honoured,
    also after a fraction of any length. Raises ``ValueError`` when it is not a date-time.
    """
    found = _AT_DATETIME.fullmatch(value.strip())
    if found is None:  # pragma: no cover - the pattern matches any text
        raise ValueError(f"not an Autotask date-time: {value!r}")
    text = found["head"]
    if found["frac"]:
        text += "." + (found["frac"] + "000000")[:6]
    zone = found["zone"] or ""
    text += "+00:00" if zone in ("Z", "z") else zone
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"not an Autotask date-time: {value!r}") from None


def _int_or_none(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdecimal() else None


def fn_utc(moment: datetime) -> dict[str, str]:
    """The ``{"utc": "YYYY-MM-DD HH:mm:ss"}`` form Field Nation schedules require."""
    return {"utc": moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")}


def part_hash(value: Any) -> str:
    """A stable hash of a JSON-able value (dict key order does not matter)."""
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


def text_to_html(text: str) -> str:
    """Plain text as the minimal HTML Field Nation descriptions hold (escaped, ``<br>``)."""
    return "<br>".join(html.escape(line, quote=False) for line in text.split("\n"))


def _udf_values(record: Mapping[str, Any]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for item in record.get("userDefinedFields") or ():
        name = item.get("name")
        if name:
            value = item.get("value")
            out[str(name)] = None if value is None else str(value)
    return out


def _clean(value: Any) -> str:
    return "" if value is None else str(value).strip()


class InboundMapper:
    """Maps an :class:`InboundRecord` onto Field Nation work order parts.

    Every method is a pure function of its arguments and the settings; override any of them in
    a subclass and pass an instance to the importer.
    """

    def __init__(self, settings: InboundSettings | None = None) -> None:
        self.settings = settings or InboundSettings()

    # -- picklists ---------------------------------------------------------------------
    def picklist_label(
        self, record: InboundRecord, field: str, value: Any, *, entity: str = "Tickets"
    ) -> str | None:
        """The label of a picklist value; ``None`` for an empty value.

        Raises :class:`UnmappablePicklistError` (naming the field) when the value has no label.
        """
        if value is None or value == "":
            return None
        labels = record.picklists.get(field)
        if labels is None:
            raise UnmappablePicklistError(
                f"{entity}.{field}: no picklist metadata for this field",
                field=field, entity=entity, entity_id=record.id,
            )
        label = labels.get(str(value))
        if label is None:
            raise UnmappablePicklistError(
                f"{entity}.{field}: value {value!r} is not in the picklist",
                field=field, entity=entity, entity_id=record.id,
            )
        return label

    def status_label(self, record: InboundRecord) -> str | None:
        """Label of the ticket (or task) status."""
        return self.picklist_label(record, "status", record.ticket.get("status"),
                                   entity=record.entity)

    def priority_label(self, record: InboundRecord) -> str | None:
        """Label of the ticket priority (tasks have none)."""
        if "priority" not in record.ticket:
            return None
        return self.picklist_label(record, "priority", record.ticket.get("priority"),
                                   entity=record.entity)

    def udf_values(self, record: InboundRecord) -> dict[str, str]:
        """Mapped user-defined fields -> display value (picklist UDFs show their label)."""
        raw = _udf_values(record.ticket)
        out: dict[str, str] = {}
        for field in self.settings.field_map:
            value = raw.get(field.udf)
            if value is None or value == "":
                continue
            labels = record.udf_picklists.get(field.udf)
            if labels is not None:
                label = labels.get(value)
                if label is None:
                    raise UnmappablePicklistError(
                        f"{record.entity} user-defined field {field.udf}: value {value!r} "
                        "is not in the picklist",
                        field=field.udf, entity=record.entity, entity_id=record.id,
                    )
                value = label
            out[field.udf] = value
        return out

    # -- parts ---------------------------------------------------------------------------
    def number(self, record: InboundRecord) -> str:
        """The reference shown on the work order (``incident_id``): ticket or project number."""
        if record.project is not None:
            return _clean(record.project.get("projectNumber")) or f"P{record.id}"
        return _clean(record.ticket.get("ticketNumber")) or f"T{record.ticket.get('id')}"

    def title(self, record: InboundRecord) -> str:
        """Work order title: the ticket title (project: ``<project> - <task>``)."""
        if record.project is not None:
            text = " - ".join(
                t for t in (_clean(record.project.get("projectName")),
                            _clean(record.ticket.get("title"))) if t
            )
        else:
            text = _clean(record.ticket.get("title"))
        text = " ".join(text.split()) or self.number(record)
        return text[:TITLE_MAX]

    def description_lines(self, record: InboundRecord) -> list[str]:
        """The description as plain-text lines (header, body, company, contact, UDF lines)."""
        kind = {"Projects": "project", "ServiceCalls": "service call"}.get(
            record.entity, "ticket"
        )
        lines = [f"Autotask {kind} {self.number(record)}"]
        status = self.status_label(record)
        if status:
            lines.append(f"Status: {status}")
        priority = self.priority_label(record)
        if priority:
            lines.append(f"Priority: {priority}")
        body = [_clean(record.ticket.get("description"))]
        if record.service_call is not None:
            body.insert(0, _clean(record.service_call.get("description")))
            for ticket in record.tickets:
                body.append(
                    f"- {_clean(ticket.get('ticketNumber'))}: {_clean(ticket.get('title'))}"
                )
        if record.project is not None:
            body.insert(0, _clean(record.project.get("description")))
        body = [b for b in body if b]
        if body:
            lines.append("")
            lines.extend("\n".join(body).replace("\r\n", "\n").split("\n"))
        extra: list[str] = []
        if record.company is not None and _clean(record.company.get("companyName")):
            extra.append(f"Company: {_clean(record.company.get('companyName'))}")
        contact = self.contact(record)
        if contact:
            bits = [contact["name"], contact.get("phone", ""), contact.get("email", "")]
            extra.append("Contact: " + ", ".join(b for b in bits if b))
        values = self.udf_values(record)
        for field in self.settings.field_map:
            if field.label is not None and field.udf in values:
                extra.append(f"{field.label}: {values[field.udf]}")
        if extra:
            lines.append("")
            lines.extend(extra)
        return lines

    def description(self, record: InboundRecord) -> dict[str, str]:
        """The ``description`` object (``{"html": ...}``) built from the text lines."""
        return {"html": text_to_html("\n".join(self.description_lines(record)))}

    def schedule(self, record: InboundRecord) -> dict[str, Any] | None:
        """The schedule from the due date (service call / task: its start and end).

        In ``between`` mode the window runs from the ticket's ``createDate`` (a stable start,
        so re-imports do not move it) to the due time.
        """
        start_raw = end_raw = None
        source, source_entity = record.ticket, record.entity
        if record.service_call is not None:
            source, source_entity = record.service_call, "ServiceCalls"
            start_raw = record.service_call.get("startDateTime")
            end_raw = record.service_call.get("endDateTime")
        elif record.project is not None:
            source_entity = "Tasks"
            start_raw = record.ticket.get("startDateTime")
            end_raw = record.ticket.get("endDateTime")

        def when(raw: object, field: str, entity: str, where: Mapping[str, Any]) -> datetime:
            try:
                return parse_autotask_datetime(str(raw))
            except ValueError:
                raise InboundMappingError(
                    f"{entity}.{field}: {str(raw)[:60]!r} is not a date-time", field=field,
                    entity=entity, entity_id=_int_or_none(where.get("id")),
                ) from None

        if start_raw and end_raw:
            return {"service_window": {
                "mode": "between",
                "start": fn_utc(when(start_raw, "startDateTime", source_entity, source)),
                "end": fn_utc(when(end_raw, "endDateTime", source_entity, source)),
            }}
        due_raw = record.ticket.get("dueDateTime")
        if due_raw:
            due = when(due_raw, "dueDateTime", "Tasks" if record.project else "Tickets",
                       record.ticket)
        elif end_raw or start_raw:
            due = when(end_raw or start_raw, "endDateTime" if end_raw else "startDateTime",
                       source_entity, source)
        else:
            return None
        created = record.ticket.get("createDate")
        if self.settings.schedule_mode == "between" and created:
            start = when(created, "createDate", "Tasks" if record.project else "Tickets",
                         record.ticket)
            if start < due:
                return {"service_window": {"mode": "between", "start": fn_utc(start),
                                           "end": fn_utc(due)}}
        return {"service_window": {"mode": "exact", "start": fn_utc(due)}}

    def location(self, record: InboundRecord) -> dict[str, Any]:
        """The location from the company location (else the company address).

        Raises :class:`MissingAddressError` naming ``address1`` when neither has a street.
        """
        source: Mapping[str, Any] | None = None
        entity = "Companies"
        for candidate, name in ((record.location, "CompanyLocations"),
                                (record.company, "Companies")):
            if candidate is not None and _clean(candidate.get("address1")):
                source, entity = candidate, name
                break
        if source is None:
            where = record.location if record.location is not None else record.company
            raise MissingAddressError(
                "the company has no street address (Companies/CompanyLocations.address1); "
                "a work order needs a location",
                field="address1",
                entity="CompanyLocations" if record.location is not None else "Companies",
                entity_id=None if where is None else where.get("id"),
            )
        country_id = source.get("countryID")
        country = self.settings.country_map.get(int(country_id), self.settings.default_country) \
            if country_id not in (None, "") else self.settings.default_country
        company_name = _clean((record.company or {}).get("companyName"))
        display = company_name or _clean(source.get("name") or source.get("companyName"))
        if entity == "CompanyLocations" and company_name and _clean(source.get("name")):
            display = f"{company_name} - {_clean(source.get('name'))}"
        return {
            "mode": "custom",
            "display_name": display,
            "address1": _clean(source.get("address1")),
            "address2": _clean(source.get("address2")),
            "city": _clean(source.get("city")),
            "state": _clean(source.get("state")),
            "zip": _clean(source.get("postalCode")),
            "country": country,
        }

    def contact(self, record: InboundRecord) -> dict[str, str] | None:
        """Contact name, phone and email (``None`` when the ticket has no contact)."""
        c = record.contact
        if not c:
            return None
        name = " ".join(p for p in (_clean(c.get("firstName")), _clean(c.get("lastName"))) if p)
        phone = _clean(c.get("phone")) or _clean(c.get("mobilePhone"))
        email = _clean(c.get("emailAddress"))
        if not (name or phone or email):
            return None
        return {"name": name or email, "phone": phone, "email": email}

    def contacts(self, record: InboundRecord) -> list[dict[str, str]]:
        """The work order ``contacts`` list (the ticket contact, as the site contact)."""
        contact = self.contact(record)
        return [] if contact is None else [{**contact, "role": "Site contact"}]

    def custom_fields(self, record: InboundRecord) -> dict[int, str]:
        """Field Nation custom field id -> value, for UDFs mapped to custom fields."""
        values = self.udf_values(record)
        return {
            f.custom_field_id: values[f.udf]
            for f in self.settings.field_map
            if f.custom_field_id is not None and f.udf in values
        }

    def action(self, record: InboundRecord) -> str | None:
        """The action the action map gives for the current status (``None``: no action)."""
        if not self.settings.action_map:
            return None
        label = self.status_label(record)
        return None if label is None else self.settings.action_map.get(label)

    # -- whole work order ---------------------------------------------------------------
    def parts(self, record: InboundRecord) -> dict[str, Any]:
        """Every mapped part: the top-level work order fields, then ``cf:<id>`` custom fields.

        A part whose value is ``None`` (no due date) is left out. Validation happens here:
        an error leaves nothing written.
        """
        parts: dict[str, Any] = {
            "title": self.title(record),
            "description": self.description(record),
            "schedule": self.schedule(record),
            "location": self.location(record),
            "contacts": self.contacts(record),
            "incident_id": self.number(record),
        }
        for cf_id, value in self.custom_fields(record).items():
            parts[f"cf:{cf_id}"] = value
        return {k: v for k, v in parts.items() if v is not None}

    def create_payload(self, parts: Mapping[str, Any]) -> dict[str, Any]:
        """The ``POST /workorders`` body: the top-level parts plus the settings' defaults."""
        payload = {k: v for k, v in parts.items() if k in WORK_ORDER_PARTS}
        s = self.settings
        if s.template_id is not None:
            payload["template"] = {"id": s.template_id}
        if s.type_of_work_id is not None:
            payload["types_of_work"] = [{"id": s.type_of_work_id, "isPrimary": True}]
        if s.pay is not None:
            payload["pay"] = dict(s.pay)
        if s.manager_id is not None:
            payload["manager"] = {"id": s.manager_id}
        return payload

    def changed_parts(
        self, parts: Mapping[str, Any], previous_hashes: Mapping[str, str]
    ) -> dict[str, Any]:
        """The parts whose hash differs from the hashes last written."""
        return {k: v for k, v in parts.items() if previous_hashes.get(k) != part_hash(v)}

    @staticmethod
    def part_hashes(parts: Mapping[str, Any]) -> dict[str, str]:
        """Hash of every part (what is kept in the link to diff the next import against)."""
        return {k: part_hash(v) for k, v in parts.items()}


__all__ = [
    "TITLE_MAX",
    "WORK_ORDER_PARTS",
    "InboundMapper",
    "InboundMappingError",
    "InboundRecord",
    "MissingAddressError",
    "Picklists",
    "UnmappablePicklistError",
    "fn_utc",
    "parse_autotask_datetime",
    "part_hash",
    "text_to_html",
]
