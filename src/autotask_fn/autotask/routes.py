"""Which URL each entity uses for each verb, and which verbs Autotask allows at all.

Child entities (notes, charges, attachments, expense items, ...) are read through their own
root (``/TicketNotes/{id}``, ``/TicketNotes/query``) but created, updated and deleted only
through the parent (``/Tickets/{ticketId}/Notes``). The table follows the provider Swagger and
the reference notes (``autotask-rest.md`` section 3). Entities not in the table are sent to
their root URL for every verb and Autotask decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from autotask_fn.autotask.errors import AutotaskUnsupportedOperation

__all__ = ["ROUTES", "Route", "route_for"]


@attrs.frozen
class Route:
    """How one entity is addressed.

    ``parent``/``child`` are the URL segments of the parent route (``Tickets`` / ``Notes``);
    ``parent_fields`` are the record fields that hold the parent id (first match wins).
    """

    entity: str
    can_create: bool = True
    can_update: bool = True
    can_delete: bool = False
    parent: str | None = None
    child: str | None = None
    parent_fields: tuple[str, ...] = ()

    @property
    def is_child(self) -> bool:
        """True when writes go through the parent URL."""
        return self.parent is not None

    def parent_id_from(self, fields: Mapping[str, Any]) -> int | None:
        """The parent id held in ``fields`` (field names compared case-insensitively)."""
        lowered = {k.lower(): v for k, v in fields.items()}
        for name in self.parent_fields:
            value = lowered.get(name.lower())
            if value is not None:
                return int(value)
        return None

    def write_path(self, parent_id: int | None) -> str:
        """The path (relative to ``V1.0/``) for POST/PATCH/PUT."""
        if self.parent is None:
            return self.entity
        if parent_id is None:
            raise AutotaskUnsupportedOperation(
                f"{self.entity} are written through {self.parent}/{{id}}/{self.child}: pass "
                f"parent_id or set {' or '.join(self.parent_fields)} in the fields",
                entity=self.entity,
            )
        return f"{self.parent}/{int(parent_id)}/{self.child}"

    def delete_path(self, record_id: int, parent_id: int | None) -> str:
        """The path for DELETE."""
        return f"{self.write_path(parent_id)}/{int(record_id)}"


def _child(entity: str, parent: str, child: str, *fields: str, **verbs: bool) -> Route:
    return Route(entity, parent=parent, child=child, parent_fields=fields, **verbs)


_TABLE = [
    Route("Tickets"),
    _child("TicketNotes", "Tickets", "Notes", "ticketID"),
    _child("TicketCharges", "Tickets", "Charges", "ticketID", can_delete=True),
    _child("TicketAttachments", "Tickets", "Attachments", "parentID", "ticketID",
           can_update=False, can_delete=True),
    _child("TicketNoteAttachments", "TicketNotes", "Attachments", "parentID", "ticketNoteID",
           can_update=False, can_delete=True),
    _child("TicketSecondaryResources", "Tickets", "SecondaryResources", "ticketID",
           can_update=False, can_delete=True),
    Route("TimeEntries", can_delete=True),
    _child("TimeEntryAttachments", "TimeEntries", "Attachments", "parentID", "timeEntryID",
           can_update=False, can_delete=True),
    Route("ExpenseReports"),
    _child("ExpenseItems", "Expenses", "Items", "expenseReportID"),
    Route("Companies"),
    _child("CompanyLocations", "Companies", "Locations", "companyID", can_delete=True),
    _child("Contacts", "Companies", "Contacts", "companyID", can_delete=True),
    _child("CompanyNotes", "Companies", "Notes", "companyID"),
    Route("Resources", can_create=False),
    Route("Roles"),
    Route("BillingCodes", can_create=False, can_update=False),
    Route("ServiceCalls", can_delete=True),
    _child("ServiceCallTickets", "ServiceCalls", "Tickets", "serviceCallID",
           can_update=False, can_delete=True),
    Route("Projects"),
    _child("Tasks", "Projects", "Tasks", "projectID"),
    _child("ProjectNotes", "Projects", "Notes", "projectID"),
    _child("ProjectCharges", "Projects", "Charges", "projectID", can_delete=True),
    Route("TicketWebhooks", can_delete=True),
    _child("TicketWebhookFields", "TicketWebhooks", "Fields", "webhookID", can_delete=True),
    _child("TicketWebhookUdfFields", "TicketWebhooks", "UdfFields", "webhookID", can_delete=True),
    _child("TicketWebhookExcludedResources", "TicketWebhooks", "ExcludedResources", "webhookID",
           can_update=False, can_delete=True),
    Route("WebhookEventErrorLogs", can_create=False, can_update=False, can_delete=True),
]

#: Known routes by lower-cased entity name.
ROUTES: dict[str, Route] = {r.entity.lower(): r for r in _TABLE}


def route_for(entity: str) -> Route:
    """The route of ``entity`` (case-insensitive); unknown entities get a permissive root."""
    known = ROUTES.get(entity.lower())
    if known is not None:
        return known
    return Route(entity, can_create=True, can_update=True, can_delete=True)


def require(route: Route, verb: str) -> None:
    """Raise :class:`AutotaskUnsupportedOperation` when Autotask does not offer ``verb``."""
    allowed = {"create": route.can_create, "update": route.can_update,
               "replace": route.can_update, "delete": route.can_delete}[verb]
    if not allowed:
        raise AutotaskUnsupportedOperation(
            f"Autotask does not allow {verb} on {route.entity}", entity=route.entity
        )
