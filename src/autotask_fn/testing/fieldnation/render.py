"""Field Nation JSON views of the fake's records, as a given viewer sees them.

Sub-collections are wrapped as ``{correlation_id, actions, metadata, results}``. Folders
carry their files in ``results`` as well::

    {"id", "name", "type", "min_files", "max_files", "min_bytes", "max_bytes", "actions",
     "results": [{"id", "folder_id", "file": {"name", "link", "size_bytes"}, "notes",
                  "created": {"utc"}, "status", "status_description",
                  "show_before_assignment", "author": {...}}]}

(``visible_to_provider`` is an update field of the reference; the published Attachment has
no such key on read, so the fake applies it without showing it.)

A work order embeds at most one page (25 rows) of each sub-collection, with the
``metadata.total`` of all of them; the rest is read from the sub-resource's own endpoint.

Messages are rendered in the shape of Field Nation's published Message model
(``fieldnation/mulesoft-v2-connector``): an integer ``msg_id``, the create ``type`` and the
audience in the top-level ``role`` (as the new documentation's example shows), and
``replies`` as a ``{metadata, results}`` envelope whose items have the same fields. There is
no ``internal`` field: nothing in either source has one. ``state.message_shape =
"documented"`` switches to the messages page's example instead (string ids, the audience
only in ``role``, replies as a plain list).

Shapes follow Field Nation's published models (``fieldnation/mulesoft-v2-connector``, see
``tests/fieldnation/published/``): people are ``MinimalUser`` ``{id, first_name, last_name,
thumbnail}`` (no e-mail; only the manager carries one), custom fields come in sections,
expense ``amount`` is a number, ``status.sub_status`` a string, ``type_of_work`` an object and
``assignee`` ``{user, status_id, work_order_id}``. Fields the published models lack but the
reference documents (``incident_id``, ``location.display_name``, ``schedule.require_ontime``,
signature ``title``) are contract rows of their own.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from autotask_fn.testing.contract import contract_rule, contract_value
from autotask_fn.testing.fieldnation import lifecycle as lc
from autotask_fn.testing.fieldnation.activity import HIDDEN_FROM_PROVIDERS
from autotask_fn.testing.fieldnation.company import COMPANY_NAME
from autotask_fn.testing.fieldnation.files import UPLOAD_STATES
from autotask_fn.testing.fieldnation.problems import bad_request
from autotask_fn.testing.fieldnation.records import (
    Contact,
    Expense,
    Folder,
    Message,
    Signature,
    StoredFile,
    TimeLog,
    User,
    WorkOrder,
)
from autotask_fn.testing.fieldnation.state import FieldNationState
from autotask_fn.testing.fieldnation.timefmt import utc_obj

LinkBuilder = Callable[[StoredFile], str]

#: The keys of published ``Location`` the fake keeps from a create/update body, and the
#: documented ``display_name`` (a contract row of its own).
_LOCATION_KEYS = ("mode", "address1", "address2", "city", "state", "zip", "country", "type",
                  "display_name", "saved_location", "notes")

#: Sections ``columns`` may name (``id`` always comes back).
SECTIONS = (
    "title", "description", "confidential", "status", "incident_id", "location", "schedule",
    "type_of_work", "pay", "manager", "company", "assignee", "project", "template",
    "custom_fields", "contacts", "time_logs", "attachments", "signatures", "messages",
    "milestones", "updated",
)
#: Sections of a list row when no ``columns`` are given (no sub-collections).
LIST_SECTIONS = (
    "title", "status", "incident_id", "location", "schedule", "type_of_work", "pay",
    "manager", "company", "assignee", "project", "template", "milestones", "updated",
)


@contract_rule("FN-SHAPE-ENVELOPE-CORRELATION-ID")
def correlation_id(value: Any) -> str:
    """A 40-hex version hash of a sub-object, as Field Nation puts on sub-objects."""
    data = json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def page_meta(total: int, page: int, per_page: int) -> dict[str, int]:
    """``{total, per_page, pages, page}``."""
    return {"total": total, "per_page": per_page, "pages": max(1, math.ceil(total / per_page)),
            "page": page}


#: Rows of a sub-collection embedded in a work order: one page (the list default of 25).
EMBEDDED_ROWS = contract_value("FN-SUBCOLLECTION-EMBEDDED-PAGE", 25,
                               name=__name__ + ".EMBEDDED_ROWS")


@contract_rule("FN-SUBCOLLECTION-EMBEDDED-PAGE")
def collection(results: Sequence[Any], actions: Sequence[str] = (), page: int = 1,
               per_page: int | None = None) -> dict[str, Any]:
    """A sub-collection envelope ``{correlation_id, actions, metadata, results}``; embedded
    (no ``per_page``) it holds the first :data:`EMBEDDED_ROWS` rows and the full total."""
    size = per_page or EMBEDDED_ROWS
    window = list(results[(page - 1) * size: page * size])
    return {"correlation_id": correlation_id(list(results)), "actions": list(actions),
            "metadata": page_meta(len(results), page, size), "results": window}


#: Custom field sections (published ``CustomFieldCategory``) by the role that fills them:
#: ``(section id, name, role)``. Section ids and names are the fake's; their form is published.
CUSTOM_FIELD_SECTIONS = contract_value("FN-CUSTOM-FIELD-SECTIONS", {
    "buyer": (1, "Buyer custom fields", "buyer"),
    "provider": (2, "Provider custom fields", "assigned_provider"),
}, name="render.CUSTOM_FIELD_SECTIONS")


@contract_rule("FN-PROVIDER-NO-EMAIL")
def user_ref(user: User) -> dict[str, Any]:
    """A person as published ``MinimalUser``: ``{id, first_name, last_name, thumbnail}``."""
    return {"id": user.id, "first_name": user.first_name, "last_name": user.last_name,
            "thumbnail": None}


def manager_ref(user: User) -> dict[str, Any]:
    """The work order manager (published ``Manager``: ``{id, first_name, last_name, email,
    phone}``)."""
    return {"id": user.id, "first_name": user.first_name, "last_name": user.last_name,
            "email": user.email, "phone": None}


@contract_rule("FN-WO-COLUMNS")
def columns_arg(raw: str | None) -> tuple[str, ...] | None:
    """Parse ``columns=a,b``; unknown section names are refused (stricter than silence)."""
    if raw is None or not raw.strip():
        return None
    names = tuple(c.strip() for c in raw.split(",") if c.strip() and c.strip() != "id")
    unknown = [c for c in names if c not in SECTIONS]
    if unknown:
        raise bad_request("Unknown columns: " + ", ".join(unknown) + ".")
    return names


class Renderer:
    """Turns records into JSON for one viewer."""

    def __init__(self, state: FieldNationState, viewer: User, link: LinkBuilder) -> None:
        self.state = state
        self.viewer = viewer
        self.link = link

    # -- work order ------------------------------------------------------------------
    def work_order(self, wo: WorkOrder, sections: Sequence[str] | None = None) -> dict[str, Any]:
        """The work order with ``sections`` (all when ``None``)."""
        wanted = SECTIONS if sections is None else sections
        out: dict[str, Any] = {"id": wo.id}
        for name in wanted:
            out[name] = getattr(self, f"_s_{name}")(wo)
        return out

    def _s_title(self, wo: WorkOrder) -> str:
        return wo.title

    def _s_description(self, wo: WorkOrder) -> dict[str, Any]:
        return {"html": wo.description_html}

    def _s_confidential(self, wo: WorkOrder) -> dict[str, Any] | None:
        if self.viewer.role == "provider" and wo.assignee_id != self.viewer.id:
            return None  # shown only after assignment
        return {"html": wo.confidential_html}

    def _s_status(self, wo: WorkOrder) -> dict[str, Any]:
        status = lc.status_object(wo.status, wo.sub_status, bool(wo.routed_ids))
        status["correlation_id"] = correlation_id(status)
        return status

    @contract_rule("FN-SHAPE-INCIDENT-ID")
    def _s_incident_id(self, wo: WorkOrder) -> str | None:
        return wo.incident_id

    @contract_rule("FN-SHAPE-LOCATION-DISPLAY-NAME", "FN-SHAPE-PUBLISHED")
    def _s_location(self, wo: WorkOrder) -> dict[str, Any]:
        # Only the fields of the published Location (plus the documented display_name);
        # coordinates are always present, unknown (null) without a geocoder.
        location = {k: wo.location[k] for k in _LOCATION_KEYS if k in wo.location}
        coords = wo.location.get("coordinates")
        location["coordinates"] = {
            "latitude": None, "longitude": None, "exact": False,
            **({k: coords[k] for k in ("latitude", "longitude", "exact") if k in coords}
               if isinstance(coords, dict) else {})}
        location["work_order_id"] = wo.id
        location["correlation_id"] = correlation_id(wo.location)
        return location

    @contract_rule("FN-SHAPE-SCHEDULE-REQUIRE-ONTIME")
    def _s_schedule(self, wo: WorkOrder) -> dict[str, Any]:
        schedule = {"service_window": None, "require_ontime": False, **wo.schedule}
        schedule["time_zone"] = {"id": 1, "name": "UTC", "offset": 0}
        schedule["work_order_id"] = wo.id
        schedule["correlation_id"] = correlation_id(wo.schedule)
        return schedule

    def _s_type_of_work(self, wo: WorkOrder) -> dict[str, Any] | None:
        # Published TypeOfWork {id, name, industry}: the primary entry of the create list.
        primary = [t for t in wo.types_of_work if t.get("isPrimary")] or wo.types_of_work
        if not primary:
            return None
        tid = primary[0]["id"]
        return {"id": tid, "name": self.state.types_of_work[tid], "industry": None}

    def _s_pay(self, wo: WorkOrder) -> dict[str, Any] | None:
        return dict(wo.pay) if wo.pay else None

    def _s_manager(self, wo: WorkOrder) -> dict[str, Any]:
        return manager_ref(self.state.user(wo.manager_id))

    def _s_company(self, wo: WorkOrder) -> dict[str, Any]:
        return {"id": self.state.seed.company_id, "name": COMPANY_NAME}

    def _s_assignee(self, wo: WorkOrder) -> dict[str, Any] | None:
        # Published Assignee: {user: MinimalUser, status_id, work_order_id, ...}.
        if wo.assignee_id is None:
            return None
        return {"user": user_ref(self.state.user(wo.assignee_id)),
                "status_id": lc.status_id(wo.status), "work_order_id": wo.id}

    def _s_project(self, wo: WorkOrder) -> dict[str, Any] | None:
        pid = wo.project_id
        return None if pid is None else {"id": pid, "name": self.state.projects[pid]}

    def _s_template(self, wo: WorkOrder) -> dict[str, Any] | None:
        tid = wo.template_id
        return None if tid is None else {"id": tid, "name": self.state.templates[tid]}

    def _s_milestones(self, wo: WorkOrder) -> dict[str, Any]:
        # Published Milestones: when the work order was created.
        return {"created": utc_obj(wo.created)}

    def _s_updated(self, wo: WorkOrder) -> dict[str, str] | None:
        # In no published model; shown as the contract row FN-WO-UPDATED-MOVES describes.
        return utc_obj(wo.updated)

    def _s_custom_fields(self, wo: WorkOrder) -> dict[str, Any]:
        return collection(self.custom_field_sections(wo),
                          ["edit"] if wo.status in UPLOAD_STATES else [])

    def _s_contacts(self, wo: WorkOrder) -> dict[str, Any]:
        return collection([self.contact(c) for c in wo.contacts], ["add"])

    def _s_time_logs(self, wo: WorkOrder) -> dict[str, Any]:
        return collection([self.time_log(t) for t in wo.time_logs],
                          ["add"] if wo.status == lc.ASSIGNED else [])

    def _s_attachments(self, wo: WorkOrder) -> dict[str, Any]:
        envelope = collection([self.folder(wo, f) for f in wo.folders],
                              ["upload"] if wo.status in UPLOAD_STATES else [])
        envelope["sum"] = {"unreviewed": sum(
            1 for f in wo.folders for s in f.files if s.status == "PENDING")}
        return envelope

    def _s_signatures(self, wo: WorkOrder) -> dict[str, Any]:
        return collection([self.signature(s) for s in wo.signatures],
                          ["add"] if wo.status in UPLOAD_STATES else [])

    @contract_rule("FN-MESSAGES-COUNT-ONLY", "FN-WO-MESSAGE-COUNT")
    def _s_messages(self, wo: WorkOrder) -> dict[str, Any]:
        # The full work order carries the message count only (reference §3).
        visible = [m for m in wo.messages
                   if self.viewer.role == "buyer" or m.type not in HIDDEN_FROM_PROVIDERS]
        return {"correlation_id": correlation_id([m.msg_id for m in visible]),
                "actions": ["add"], "metadata": page_meta(len(visible), 1, 25)}

    # -- sub-objects -----------------------------------------------------------------
    @contract_rule("FN-CUSTOM-FIELD-SECTIONS")
    def custom_field_sections(self, wo: WorkOrder) -> list[dict[str, Any]]:
        """Custom fields grouped in sections (published ``CustomFieldCategory``:
        ``{id, name, role, metadata, results}``), one per role that fills them."""
        out = []
        for filled_by, (section_id, name, role) in CUSTOM_FIELD_SECTIONS.items():
            fields = [self.custom_field(wo, cf_id)
                      for cf_id, d in self.state.custom_field_defs.items()
                      if d["filled_by"] == filled_by]
            if fields:
                out.append({"id": section_id, "name": name, "role": role,
                            "metadata": page_meta(len(fields), 1, max(len(fields), 25)),
                            "results": fields})
        return out

    def custom_field(self, wo: WorkOrder, cf_id: int) -> dict[str, Any]:
        """One custom field with this work order's value (``None`` when unset), as published
        ``CustomField`` (who fills it in ``role``, ``required`` among ``flags``)."""
        definition = self.state.custom_field_defs[cf_id]
        filled_by = definition["filled_by"]
        return {"id": cf_id, "name": definition["name"], "tip": None,
                "type": definition["type"], "role": CUSTOM_FIELD_SECTIONS[filled_by][2],
                "options": [], "flags": ["required"] if definition["required"] else [],
                "value": wo.custom_values.get(cf_id),
                "category": CUSTOM_FIELD_SECTIONS[filled_by][1],
                "order": list(self.state.custom_field_defs).index(cf_id) + 1,
                "dependency": None, "actions": ["edit"]}

    def contact(self, contact: Contact) -> dict[str, Any]:
        """A contact."""
        return {"id": contact.id, "name": contact.name, "phone": contact.phone,
                "email": contact.email, "role": contact.role, "notes": contact.notes}

    def time_log(self, log: TimeLog) -> dict[str, Any]:
        """A time log in the canonical ``in``/``out`` shape (see :mod:`.activity`)."""
        hours = 0.0
        if log.end is not None:
            hours = round((log.end - log.start).total_seconds() / 3600, 4)
        return {
            "id": log.id,
            "in": {"created": utc_obj(log.start)},
            "out": None if log.end is None else {"created": utc_obj(log.end)},
            "hours": hours,
            "status": "checked_in" if log.end is None else "checked_out",
            "logged_by": user_ref(self.state.user(log.logged_by)),
            "time_zone": {"id": 1, "name": "UTC", "offset": 0},
            "verified": log.verified,
            "was_late": False,
        }

    @contract_rule("FN-EXPENSE-AMOUNT-NUMBER", "FN-EXPENSE-RECEIPT-READ")
    def expense(self, expense: Expense) -> dict[str, Any]:
        """An expense as published ``Expense`` (``amount`` a number, ``category`` ``{id,
        name}``). The receipt given on create is kept but, by default, not shown: the
        published model has no receipt on read. ``state.receipts_on_read`` shows it as the
        vendor's Expenses page does (``"receipt_url"``) or as a file object (``"receipt"``)."""
        label, _kind = self.state.expense_categories[expense.category_id]
        out = {
            "id": expense.id, "status": expense.status,
            "status_description": expense.status_description,
            "amount": float(expense.amount), "quantity": expense.quantity,
            "description": expense.description,
            "category": {"id": expense.category_id, "name": label},
            "company_expense": {"id": expense.category_id, "description": label},
            "author": user_ref(self.state.user(expense.author_id)),
            "added": utc_obj(expense.added),
        }
        shown = self.state.receipts_on_read
        if shown == "receipt":
            out["receipt"] = None if expense.receipt is None else self.file(expense.receipt)
        elif shown == "receipt_url":
            out["receipt_url"] = None if expense.receipt is None else self.link(expense.receipt)
        return out

    @contract_rule("FN-MESSAGE-AUDIENCE", "FN-MESSAGE-SHAPE")
    def message(self, message: Message, parent: Message | None = None) -> dict[str, Any]:
        """A message in the published shape; replies as a ``{metadata, results}`` envelope.

        With ``state.message_shape == "documented"`` the shape of the messages page's example
        instead: ``msg_id`` a string, the audience only in ``role``, ``replies`` a list.
        """
        author = self.state.user(message.author_id)
        if self.state.message_shape == "documented":
            return {"msg_id": message.msg_id,
                    "from": {"id": author.id, "name": author.name, "role": author.role},
                    "message": message.text, "role": message.type, "read": False,
                    "created": utc_obj(message.created),
                    **({} if parent else {"replies": [self.message(r, message)
                                                      for r in message.replies]})}
        out: dict[str, Any] = {
            "id": int(message.msg_id),
            "msg_id": int(message.msg_id),
            "from": {"id": author.id, "name": author.name, "role": author.role},
            "role": message.type,
            "type": message.type,
            "message": message.text,
            "created": utc_obj(message.created),
            "read": False,
        }
        if parent is not None:
            out["parent_id"] = int(parent.msg_id)
        else:
            replies = [self.message(r, message) for r in message.replies]
            out["replies"] = {"metadata": page_meta(len(replies), 1, max(len(replies), 25)),
                              "results": replies}
        return out

    def folder(self, wo: WorkOrder, folder: Folder) -> dict[str, Any]:
        """A folder with its files (providers see only files visible to them)."""
        files = [s for s in folder.files
                 if self.viewer.role == "buyer" or s.visible_to_provider
                 or s.author_id == self.viewer.id]
        out: dict[str, Any] = {
            "id": folder.id, "name": folder.name, "type": folder.type,
            "actions": ["upload"] if wo.status in UPLOAD_STATES else [],
            "results": [self.file(s) for s in files],
        }
        if folder.type == "slot":
            out.update(min_files=0, max_files=999, min_bytes=0,
                       max_bytes=self.state.max_file_bytes, task=None)
        return out

    def file(self, stored: StoredFile) -> dict[str, Any]:
        """A file: ``{id, file: {name, link, size_bytes}, created, status, ...}``."""
        return {
            "id": stored.id, "folder_id": stored.folder_id,
            "file": {"name": stored.name, "link": self.link(stored),
                     "size_bytes": len(stored.content)},
            "notes": stored.notes, "created": utc_obj(stored.created),
            "status": stored.status, "status_description": stored.status_description,
            "show_before_assignment": stored.show_before_assignment,
            "author": user_ref(self.state.user(stored.author_id)),
        }

    @contract_rule("FN-SHAPE-SIGNATURE-TITLE")
    def signature(self, signature: Signature) -> dict[str, Any]:
        """A signature (``data`` holds the data URI on read)."""
        return {"id": signature.id, "name": signature.name, "title": signature.title,
                "data": signature.data, "created": utc_obj(signature.created)}
