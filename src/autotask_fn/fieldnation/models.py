"""Typed, frozen models of Field Nation REST v2 objects.

Each model is an attrs class structured with a cattrs converter. Before cattrs sees an object,
a small *normaliser* folds the documented variants into one canonical shape (reference §3-§4):

- ids as strings or ints; sub-collections wrapped as ``{results: [...]}`` or bare lists;
- ``description`` as ``{"html": ...}`` or a plain string;
- time logs with ``in``/``out`` (legacy, canonical) or ``start``/``end`` (new narrative page);
- money and hours as strings (``"50.00"``) or numbers, always read into :class:`~decimal.Decimal`;
- expense statuses in either vocabulary (``new``/``disapproved`` or ``pending``/``rejected``),
  read into the words of :data:`~autotask_fn.fieldnation.wire.DEFAULT_WIRE`;
- dates as ``{"utc": "YYYY-MM-DD HH:mm:ss"}``, ISO strings, or nested ``{"created": {"utc"}}``.

Unknown fields are ignored, and every model keeps the object it was read from in ``raw``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from autotask_fn._redact import redact_url
from autotask_fn.fieldnation.wire import (
    DEFAULT_WIRE,
    FN_DATETIME_FORMAT,
    INTERNAL_MESSAGE_TYPES,
    PUBLIC_MESSAGE_AUDIENCES,
)

Raw = dict[str, Any]
T = TypeVar("T")


# --------------------------------------------------------------------------- date helpers


def fn_datetime(dt: datetime) -> dict[str, str]:
    """Render ``dt`` in the exact form Field Nation requires: ``{"utc": "YYYY-MM-DD HH:mm:ss"}``.

    Naive datetimes are rejected (``ValueError``): the reference is silent on how FN would read
    them, and guessing a zone silently shifts a technician's appointment.
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("fn_datetime needs a timezone-aware datetime")
    return {"utc": dt.astimezone(UTC).strftime(FN_DATETIME_FORMAT)}


def parse_fn_datetime(obj: object) -> datetime | None:
    """Read a Field Nation date into an aware UTC datetime, or ``None`` when absent/unreadable.

    Accepts ``{"utc": "YYYY-MM-DD HH:mm:ss"}``, ``{"utc": <ISO 8601>}``, a bare string in either
    form, unix seconds, and the nested ``{"created": {"utc": ...}}`` form of time-log ends.
    A ``{"local": {...}}``-only object carries no zone and reads as ``None``.
    """
    if obj is None or isinstance(obj, bool):
        return None
    if isinstance(obj, datetime):
        try:
            return obj.astimezone(UTC) if obj.tzinfo else obj.replace(tzinfo=UTC)
        except OverflowError:
            return None
    if isinstance(obj, int | float):
        try:
            return datetime.fromtimestamp(float(obj), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(obj, Mapping):
        for key in ("utc", "created", "time", "datetime", "date"):
            if key in obj:
                found = parse_fn_datetime(obj[key])
                if found is not None:
                    return found
        return None
    if not isinstance(obj, str):
        return None
    text = obj.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, FN_DATETIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # astimezone overflows at the ends of the calendar (0001-01-01T00:00+05:00)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


# --------------------------------------------------------------------------- value helpers


def to_int(value: object) -> int | None:
    """An id as int whether it came as ``12``, ``"12"`` or ``12.0``; ``None`` otherwise."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().removeprefix("-").isdecimal():
        # isdecimal, not isdigit: "²" is a digit that int() refuses (ValueError)
        return int(value.strip())
    return None


def to_decimal(value: object) -> Decimal | None:
    """Money/hours as Decimal from a string or a number (floats via ``str``, never binary)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Mapping):  # {"amount": ...} wrappers
        return to_decimal(value.get("amount", value.get("value")))
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def to_str(value: object) -> str | None:
    """Text or ``None``; numbers become their string form."""
    if value is None or isinstance(value, Mapping | list):
        return None
    return str(value)


def listed_in_full(value: object) -> bool:
    """True when a ``{metadata, results}`` envelope holds every row: ``metadata.total`` is
    given and no larger than the rows present. A bare list or a missing total is not known to
    be complete."""
    meta = value.get("metadata") if isinstance(value, Mapping) else None
    total = to_int(meta.get("total")) if isinstance(meta, Mapping) else None
    return total is not None and total <= len(results(value))


def results(value: object) -> list[Any]:
    """Unwrap a ``{results: [...]}`` sub-collection (or accept a bare list)."""
    if isinstance(value, Mapping):
        value = value.get("results")
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _mapping(value: object) -> Raw | None:
    return dict(value) if isinstance(value, Mapping) else None


def _html(value: object) -> str | None:
    if isinstance(value, Mapping):
        return to_str(value.get("html", value.get("text")))
    return to_str(value)


# --------------------------------------------------------------------------- models


@attrs.frozen(kw_only=True)
class Status:
    """A work order status (``id`` 1 Draft, 2 Published, 9 Routed, 3 Assigned, 7 Cancelled ...)."""

    id: int | None = None
    name: str | None = None
    code: str | None = None
    display: str | None = None
    sub_status: str | None = None
    """The assigned sub-state as text (published ``Status.sub_status`` is a string; an object
    ``{name, code}`` is read by its ``code``)."""
    raw: Raw = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class User:
    """A Field Nation user (buyer staff, provider, or the API user).

    Providers come as the published ``MinimalUser`` ``{id, first_name, last_name, thumbnail}``:
    ``email`` is ``None`` for them unless a response really carries one.
    """

    id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    name: str | None = None
    role: str | None = None
    thumbnail: str | None = None
    raw: Raw = attrs.field(factory=dict, repr=False)

    @property
    def display_name(self) -> str:
        """``name`` when given, else first and last name joined, else ``"user <id>"``."""
        if self.name:
            return self.name
        joined = " ".join(p for p in (self.first_name, self.last_name) if p)
        return joined or f"user {self.id}"


@attrs.frozen(kw_only=True)
class Company:
    """The buyer company a work order belongs to."""

    id: int | None = None
    name: str | None = None
    raw: Raw = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class Location:
    """Where the work happens."""

    mode: str | None = None
    display_name: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    raw: Raw = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class Schedule:
    """The service window: ``mode`` exact | between | hours (| asap), start/end in UTC."""

    mode: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    time_zone: str | None = None
    require_ontime: bool | None = None
    raw: Raw = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class TimeLog:
    """A provider's time log (check-in ``start`` to check-out ``end``)."""

    id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    hours: Decimal | None = None
    status: str | None = None
    logged_by: User | None = None
    time_zone: str | None = None
    verified: bool | None = None
    raw: Raw = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class Expense:
    """An expense on a work order. ``status`` uses :class:`~autotask_fn.fieldnation.wire.WireFormat`
    words (``new``/``approved``/``disapproved`` by default) whichever vocabulary came back."""

    id: int | None = None
    status: str | None = None
    amount: Decimal | None = None
    quantity: Decimal | None = None
    description: str | None = None
    category: str | None = None
    category_id: int | None = None
    author: User | None = None
    added: datetime | None = None
    status_description: str | None = None
    raw: Raw = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class Message:
    """A work order message (or a reply).

    ``audience`` is who the message is for, upper-cased: the published model's ``type`` when
    present, else the top-level ``role`` (the new documentation's example), and ``INTERNAL``
    whenever any of ``type``, ``role`` or ``internal`` says the message is internal.
    ``internal`` is False only for an audience documented as reaching providers
    (:data:`~autotask_fn.fieldnation.wire.PUBLIC_MESSAGE_AUDIENCES`): INTERNAL, STAFF_NOTE,
    unknown and missing audiences are internal. ``msg_id`` is read as text whether it came as
    ``612`` or ``"612"``; ``replies`` as a list or as a ``{metadata, results}`` envelope.
    """

    msg_id: str | None = None
    author: User | None = None
    text: str = ""
    created: datetime | None = None
    replies: list[Message] = attrs.field(factory=list)
    type: str | None = None
    role: str | None = None
    audience: str | None = None
    internal: bool = False
    raw: Raw = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class Attachment:
    """A file in an attachment folder."""

    id: int | None = None
    folder_id: int | None = None
    name: str | None = None
    link: str | None = attrs.field(default=None, repr=lambda v: repr(redact_url(v)) if v else
                                   repr(v))
    size_bytes: int | None = None
    status: str | None = None
    notes: str | None = None
    created: datetime | None = None
    raw: Raw = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class Folder:
    """An attachment folder (``document`` or ``slot``) and its files."""

    id: int | None = None
    name: str | None = None
    type: str | None = None
    files: list[Attachment] = attrs.field(factory=list)
    raw: Raw = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class Signature:
    """A captured signature; ``data`` is the data URI."""

    id: int | None = None
    name: str | None = None
    title: str | None = None
    data: str | None = None
    created: datetime | None = None
    raw: Raw = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class CustomField:
    """A custom field and its current value (values travel as strings).

    Field Nation groups custom fields in sections (published ``CustomFieldCategory``:
    ``{id, name, role, metadata, results: [fields]}``); ``section_id`` and ``section`` name the
    section a field was read from (``None`` for a field that came ungrouped).
    """

    id: int | None = None
    name: str | None = None
    value: str | None = None
    type: str | None = None
    role: str | None = None
    section_id: int | None = None
    section: str | None = None
    raw: Raw = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class Contact:
    """A work order contact (shape unconfirmed in the reference: name/phone/email/role)."""

    id: int | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    role: str | None = None
    raw: Raw = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class WorkOrder:
    """A work order with the sub-collections the full GET includes."""

    id: int
    title: str = ""
    description_html: str | None = None
    status: Status | None = None
    schedule: Schedule | None = None
    location: Location | None = None
    incident_id: str | None = None
    custom_fields: list[CustomField] = attrs.field(factory=list)
    time_logs: list[TimeLog] = attrs.field(factory=list)
    folders: list[Folder] = attrs.field(factory=list)
    signatures: list[Signature] = attrs.field(factory=list)
    contacts: list[Contact] = attrs.field(factory=list)
    incomplete: frozenset[str] = attrs.field(factory=frozenset)
    """Sub-collections (of :data:`PAGED_SUB_COLLECTIONS`) not known to be complete here: absent,
    without ``metadata.total``, or with more rows in total than came (Field Nation embeds at
    most one page). Nothing may be deleted because a row is missing from one of these."""
    assignee: User | None = None
    company: Company | None = None
    type_of_work: str | None = None
    """The name of the type of work (published ``type_of_work {id, name, industry}``; the
    primary entry of a legacy ``types_of_work`` list)."""
    raw: Raw = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_api(cls, obj: Mapping[str, Any]) -> WorkOrder:
        """Read a work order JSON object (raises ``ValueError`` when it has no usable id)."""
        return structure(obj, cls)

    @property
    def attachments(self) -> list[Attachment]:
        """Every file of every folder."""
        return [f for folder in self.folders for f in folder.files]


# --------------------------------------------------------------------------- normalisers

#: Sub-collections a work order embeds one page of, each also readable page by page at
#: ``/workorders/{id}/<name>``.
PAGED_SUB_COLLECTIONS = ("time_logs", "attachments", "signatures", "contacts")



def _norm_status(obj: Raw) -> Raw:
    sub = obj.get("sub_status")
    if isinstance(sub, Mapping):  # tolerated: {name, code}
        sub = sub.get("code", sub.get("name"))
    return {"id": to_int(obj.get("id")), "name": to_str(obj.get("name")),
            "code": to_str(obj.get("code")), "display": to_str(obj.get("display")),
            "sub_status": to_str(sub) or None}


def _norm_user(obj: Raw) -> Raw:
    inner = obj.get("user")
    src = inner if isinstance(inner, Mapping) and "id" not in obj else obj
    return {"id": to_int(src.get("id", src.get("user_id"))),
            "first_name": to_str(src.get("first_name", src.get("firstName"))),
            "last_name": to_str(src.get("last_name", src.get("lastName"))),
            "email": to_str(src.get("email")) or None, "name": to_str(src.get("name")),
            "role": to_str(src.get("role")), "thumbnail": to_str(src.get("thumbnail"))}


def _user_or_none(value: object) -> Raw | None:
    if isinstance(value, int | str) and to_int(value) is not None:
        return {"id": value}
    obj = _mapping(value)
    if not obj:
        return None
    norm = _norm_user(obj)
    if norm["id"] in (None, 0) and not any(norm[k] for k in ("first_name", "last_name", "name")):
        return None
    return obj


def _norm_company(obj: Raw) -> Raw:
    return {"id": to_int(obj.get("id")), "name": to_str(obj.get("name"))}


def _norm_location(obj: Raw) -> Raw:
    coords = _mapping(obj.get("coordinates")) or {}
    return {
        "mode": to_str(obj.get("mode")), "display_name": to_str(obj.get("display_name")),
        **{k: to_str(obj.get(k)) for k in ("address1", "address2", "city", "state", "zip",
                                            "country")},
        "latitude": to_decimal(coords.get("latitude")),
        "longitude": to_decimal(coords.get("longitude")),
    }


def _norm_schedule(obj: Raw) -> Raw:
    window = _mapping(obj.get("service_window")) or obj
    tz = obj.get("time_zone", window.get("time_zone"))
    ontime = obj.get("require_ontime", window.get("require_ontime"))
    return {
        "mode": to_str(window.get("mode")),
        "start": parse_fn_datetime(window.get("start")),
        "end": parse_fn_datetime(window.get("end")),
        "time_zone": _zone_name(tz),
        "require_ontime": ontime if isinstance(ontime, bool) else None,
    }


def _zone_name(value: object) -> str | None:
    if isinstance(value, Mapping):
        return to_str(value.get("name", value.get("short", value.get("id"))))
    return to_str(value)


def _norm_time_log(obj: Raw) -> Raw:
    start_raw = obj["in"] if obj.get("in") is not None else obj.get("start")
    end_raw = obj["out"] if obj.get("out") is not None else obj.get("end")
    start, end = parse_fn_datetime(start_raw), parse_fn_datetime(end_raw)
    hours = to_decimal(obj.get("hours"))
    if hours is None and start is not None and end is not None and end >= start:
        # Derived, not invented: FN itself reports hours as the in/out difference.
        hours = (Decimal((end - start).total_seconds()) / Decimal(3600)).quantize(
            Decimal("0.0001"))
    by = obj.get("logged_by")
    if by is None and obj.get("user_id") is not None:
        by = {"id": obj["user_id"]}
    verified = obj.get("verified")
    return {"id": to_int(obj.get("id")), "start": start, "end": end, "hours": hours,
            "status": to_str(obj.get("status")), "logged_by": _user_or_none(by),
            "time_zone": _zone_name(obj.get("time_zone")),
            "verified": verified if isinstance(verified, bool) else None}


def _norm_expense(obj: Raw) -> Raw:
    category = obj.get("category")
    company_expense = _mapping(obj.get("company_expense")) or {}
    if isinstance(category, Mapping):
        label = to_str(category.get("label", category.get("name")))
        category_id = to_int(category.get("id"))
    else:
        label, category_id = to_str(category), None
    label = label or to_str(company_expense.get("description"))
    return {"id": to_int(obj.get("id")),
            "status": DEFAULT_WIRE.normalise_expense_status(obj.get("status")),
            "amount": to_decimal(obj.get("amount")), "quantity": to_decimal(obj.get("quantity")),
            "description": _html(obj.get("description")), "category": label,
            "category_id": category_id, "author": _user_or_none(obj.get("author")),
            "added": parse_fn_datetime(obj.get("added", obj.get("created"))),
            "status_description": to_str(obj.get("status_description"))}


def message_audience(obj: Mapping[str, Any]) -> str | None:
    """The audience of a message object: ``INTERNAL`` when ``type``, ``role`` or ``internal``
    says so, else ``type`` (the published enum), else ``role``; upper-cased, ``None`` if none.
    """
    found = [text.strip().upper() for text in (to_str(obj.get("type")), to_str(obj.get("role")))
             if text and text.strip()]
    if obj.get("internal") is True or any(a in INTERNAL_MESSAGE_TYPES for a in found):
        return "INTERNAL"
    return found[0] if found else None


def _norm_message(obj: Raw) -> Raw:
    audience = message_audience(obj)
    msg_id = obj.get("msg_id")
    return {"msg_id": to_str(msg_id if msg_id is not None else obj.get("id")),
            "author": _user_or_none(obj.get("from", obj.get("author"))),
            "text": to_str(obj.get("message", obj.get("text"))) or "",
            "created": parse_fn_datetime(obj.get("created")),
            "replies": results(obj.get("replies")), "type": to_str(obj.get("type")),
            "role": to_str(obj.get("role")), "audience": audience,
            "internal": audience not in PUBLIC_MESSAGE_AUDIENCES}


def _norm_attachment(obj: Raw) -> Raw:
    file = _mapping(obj.get("file")) or {}
    return {"id": to_int(obj.get("id")), "folder_id": to_int(obj.get("folder_id")),
            "name": to_str(file.get("name", obj.get("name"))),
            "link": to_str(file.get("link", obj.get("link"))),
            "size_bytes": to_int(file.get("size_bytes", obj.get("size_bytes"))),
            "status": to_str(obj.get("status")), "notes": to_str(obj.get("notes")),
            "created": parse_fn_datetime(obj.get("created"))}


def _norm_folder(obj: Raw) -> Raw:
    folder_id = to_int(obj.get("id"))
    files_src = obj.get("results", obj.get("files", obj.get("attachments")))
    files = [f if f.get("folder_id") is not None else {**f, "folder_id": folder_id}
             for f in results(files_src)]
    return {"id": folder_id, "name": to_str(obj.get("name")), "type": to_str(obj.get("type")),
            "files": files}


def _norm_signature(obj: Raw) -> Raw:
    return {"id": to_int(obj.get("id")), "name": to_str(obj.get("name")),
            "title": to_str(obj.get("title")),
            "data": to_str(obj.get("data", obj.get("signature"))),
            "created": parse_fn_datetime(obj.get("created"))}


def _norm_custom_field(obj: Raw) -> Raw:
    return {"id": to_int(obj.get("id")), "name": to_str(obj.get("name", obj.get("label"))),
            "value": to_str(obj.get("value")), "type": to_str(obj.get("type")),
            "role": to_str(obj.get("role")), "section_id": to_int(obj.get("section_id")),
            "section": to_str(obj.get("section"))}


def _norm_contact(obj: Raw) -> Raw:
    return {k: to_str(obj.get(k)) for k in ("name", "phone", "email", "role")} | {
        "id": to_int(obj.get("id"))}


def _is_section(item: Mapping[str, Any]) -> bool:
    # A section (published CustomFieldCategory) holds its fields in ``results``; a field never
    # does (published CustomField has no ``results``), whatever its section's id is.
    return isinstance(item.get("results"), list)


def _custom_fields(value: object, section: Mapping[str, Any] | None = None) -> list[Any]:
    """Every custom field of every section, in order (sections flattened, ids kept)."""
    out: list[Any] = []
    for item in results(value):
        if _is_section(item):
            out.extend(_custom_fields(item, item))
        elif section is not None:
            out.append({**item, "section_id": section.get("id"),
                        "section": section.get("name")})
        else:
            out.append(item)
    return out


def _type_of_work(obj: Raw) -> str | None:
    single = obj.get("type_of_work")
    if isinstance(single, Mapping):
        return to_str(single.get("name"))
    many = [t for t in obj.get("types_of_work") or [] if isinstance(t, Mapping)]
    primary = [t for t in many if t.get("isPrimary") or t.get("is_primary")] or many
    return to_str(primary[0].get("name")) if primary else None


def _norm_work_order(obj: Raw) -> Raw:
    wo_id = to_int(obj.get("id", obj.get("work_order_id")))
    if wo_id is None:
        raise ValueError("work order object has no usable 'id'")
    status = obj.get("status")
    if isinstance(status, int | str):
        status = {"id": status}
    return {
        "id": wo_id, "title": to_str(obj.get("title")) or "",
        "description_html": _html(obj.get("description")),
        "status": _mapping(status), "schedule": _mapping(obj.get("schedule")),
        "location": _mapping(obj.get("location")),
        "incident_id": to_str(obj.get("incident_id")) or None,
        "custom_fields": _custom_fields(obj.get("custom_fields")),
        "time_logs": results(obj.get("time_logs")),
        "folders": results(obj.get("attachments", obj.get("folders"))),
        "signatures": results(obj.get("signatures")),
        "contacts": results(obj.get("contacts")),
        "incomplete": frozenset(name for name in PAGED_SUB_COLLECTIONS if not listed_in_full(
            obj.get(name, obj.get("folders") if name == "attachments" else None))),
        "assignee": _user_or_none(obj.get("assignee")),
        "company": _mapping(obj.get("company")),
        "type_of_work": _type_of_work(obj),
    }


_NORMALISERS: dict[type[Any], Callable[[Raw], Raw]] = {
    Status: _norm_status, User: _norm_user, Company: _norm_company, Location: _norm_location,
    Schedule: _norm_schedule, TimeLog: _norm_time_log, Expense: _norm_expense,
    Message: _norm_message, Attachment: _norm_attachment, Folder: _norm_folder,
    Signature: _norm_signature, CustomField: _norm_custom_field, Contact: _norm_contact,
    WorkOrder: _norm_work_order,
}

converter = cattrs.Converter()
"""The cattrs converter that structures every Field Nation model (after normalising)."""

converter.register_structure_hook(Decimal, lambda v, _: v if isinstance(v, Decimal)
                                  else to_decimal(v))
converter.register_structure_hook(datetime, lambda v, _: v if isinstance(v, datetime)
                                  else parse_fn_datetime(v))

_GENERATED: dict[type[Any], Callable[[Raw, type[Any]], Any]] = {}


def _hook_for(cls: type[Any]) -> Callable[[Any, type[Any]], Any]:
    normalise = _NORMALISERS[cls]

    def hook(obj: Any, _: type[Any]) -> Any:
        if isinstance(obj, cls):
            return obj
        if not isinstance(obj, Mapping):
            raise ValueError(f"expected a JSON object for {cls.__name__}, got {type(obj).__name__}")
        raw = dict(obj)
        data = normalise(raw)
        data["raw"] = raw
        return _GENERATED[cls](data, cls)

    return hook


# Register every wrapper first so that generated functions (including Message.replies, which
# refers to Message itself) resolve nested models through the normalising hooks.
for _cls in _NORMALISERS:
    converter.register_structure_hook(_cls, _hook_for(_cls))
for _cls in _NORMALISERS:
    _GENERATED[_cls] = make_dict_structure_fn(_cls, converter)


def structure(obj: Any, cls: type[T]) -> T:
    """Read ``obj`` into model ``cls``; raises ``ValueError`` when it cannot be read."""
    try:
        return converter.structure(obj, cls)
    except ValueError:
        raise
    except (cattrs.BaseValidationError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"cannot read {cls.__name__}: {exc}") from None
