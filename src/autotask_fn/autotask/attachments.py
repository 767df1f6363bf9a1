"""A ticket's own attachments, however the tenant's TicketAttachments entity is shaped.

Since release 2021.1 (vendor page "Changes to Attachment entities") a TicketAttachments query
requires a value for ``ticketID`` and also returns the attachments of the ticket's notes and
time entries; the 2024 Swagger copy has no ``ticketID`` on the entity. So the query is made
by ``ticketID`` first and, when the tenant refuses that field, by ``parentID`` (the choice is
remembered on the client). Either way only the rows whose parent is the ticket itself are
kept, and the others are returned apart so callers can say what they left out. Autotask may
drop a filter condition it does not honour without a word, so the parent of every row is
checked here, whatever the filter said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from autotask_fn.autotask.errors import AutotaskQueryError, AutotaskValidationError
from autotask_fn.autotask.query import eq, id_value

if TYPE_CHECKING:
    from autotask_fn.autotask.client import AutotaskClient

__all__ = ["TicketAttachmentList", "attachment_owner", "ticket_attachments"]

ENTITY = "TicketAttachments"


def attachment_owner(row: dict[str, Any], ticket_id: int) -> str | None:
    """``None`` when the attachment's parent is the ticket itself, else what its parent is
    (``"ticket note 12"``, ``"time entry 7"``, ``"another parent (34)"``)."""
    note = id_value(row.get("ticketNoteID"))
    if note:
        return f"ticket note {note}"
    entry = id_value(row.get("timeEntryID"))
    if entry:
        return f"time entry {entry}"
    ticket = id_value(row.get("ticketID"))
    if ticket and ticket != ticket_id:
        return f"another ticket ({ticket})"
    parent = id_value(row.get("parentID"))
    if parent != ticket_id:
        return f"another parent ({parent})"
    return None


@attrs.frozen
class TicketAttachmentList:
    """The attachments a query for one ticket returned, sorted into the ticket's own and the
    rest (attachments of its notes or time entries, or rows of another parent)."""

    ticket_id: int
    own: tuple[dict[str, Any], ...]
    left_out: tuple[dict[str, Any], ...]
    queried_by: str
    """``ticketID`` or ``parentID``: the field the query filtered on."""

    def left_out_reasons(self) -> list[str]:
        """One line per row left out: ``"attachment 5 (title): on ticket note 12"``."""
        out = []
        for row in self.left_out:
            title = str(row.get("title") or "").strip()
            label = f"attachment {row.get('id')}" + (f" ({title})" if title else "")
            out.append(f"{label}: on {attachment_owner(row, self.ticket_id)}")
        return out


def ticket_attachments(client: AutotaskClient, ticket_id: int) -> TicketAttachmentList:
    """Query the attachments of ``ticket_id`` (by ``ticketID``, else ``parentID``).

    The first refusal of ``ticketID`` (a validation error) switches this client to
    ``parentID`` for good, once a ``parentID`` query has worked.
    """
    field = client._ticket_attachment_field
    rows: list[dict[str, Any]] | None = None
    if field == "ticketID":
        try:
            rows = list(client.query(ENTITY, eq("ticketID", ticket_id)))
        except (AutotaskValidationError, AutotaskQueryError):
            field = "parentID"
    if rows is None:
        rows = list(client.query(ENTITY, eq("parentID", ticket_id)))
        client._ticket_attachment_field = field
    own: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for row in rows:
        (own if attachment_owner(row, ticket_id) is None else others).append(row)
    return TicketAttachmentList(ticket_id, tuple(own), tuple(others), field)
