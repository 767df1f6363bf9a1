"""The live scenarios as steps, shared by the live suite (which asserts on each) and the
cassette replay (which checks the outcome the steps produce against the recorded one).

Each step works on :class:`livekit.Live` and keeps what later steps need in ``live.state``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from livekit import Live


def _first(values: Any, word: str | None = None) -> int:
    items = list(values)
    for v in items:
        if word and word in str(v.label).lower():
            return int(v.value)
    return int(items[0].value)


def query(live: Live, entity: str, field: str, value: int) -> list[dict[str, Any]]:
    """Records of ``entity`` whose ``field`` equals ``value``."""
    from autotask_fn.autotask import Filter

    return list(live.autotask.query(entity, Filter("eq", field, value)))


def attachments(live: Live, ticket: int) -> list[dict[str, Any]]:
    """The ticket's attachments, by ``ticketID`` or, where the tenant lacks it, ``parentID``."""
    from autotask_fn.autotask.errors import AutotaskValidationError

    try:
        return query(live, "TicketAttachments", "ticketID", ticket)
    except AutotaskValidationError:
        return query(live, "TicketAttachments", "parentID", ticket)


def counts(live: Live) -> dict[str, int]:
    """How many time entries, notes, attachments and expense items the ticket has."""
    ticket = live.state["ticket"]
    found = {entity: len(query(live, entity, "ticketID", ticket))
             for entity in ("TimeEntries", "TicketNotes", "ExpenseItems")}
    found["TicketAttachments"] = len(attachments(live, ticket))
    return found


def import_ticket(live: Live) -> dict[str, Any]:
    """Create a ticket marked with the run's marker and import it."""
    at = live.autotask
    fields: dict[str, Any] = {
        "title": f"[{live.marker}] live import", "description": "autotask-fn live suite",
        "companyID": 0 if at.get("Companies", 0) else int(next(at.query(
            "Companies", None, include_fields=["id"], max_records=1))["id"]),
        "status": _first(at.picklist("Tickets", "status").values, "new"),
        "priority": _first(at.picklist("Tickets", "priority").values),
        "queueID": _first(at.picklist("Tickets", "queueID").values),
        "dueDateTime": (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT16:00:00Z"),
    }
    ticket = at.create("Tickets", fields)
    live.created.append(("autotask", "Tickets", ticket))
    result = live.service.import_ticket(ticket)
    wo_id = int(result.work_order_id)
    live.created.append(("fieldnation", "workorders", wo_id))
    live.state.update(ticket=ticket, work_order=wo_id)
    title = str(live.fieldnation.get_work_order(wo_id).title)
    return {"ticket": ticket, "work_order": wo_id, "title_has_marker": live.marker in title}


def flow_back(live: Live, provider: int) -> dict[str, int]:
    """The provider's time, a public message, an expense, a file and a signature on the work
    order, then one sync: what arrived on the ticket."""
    fn, wo = live.fieldnation, live.state["work_order"]
    if str(getattr(fn.get_work_order(wo).status, "name", "")).lower() in ("draft", ""):
        fn.publish(wo)
    fn.assign(wo, provider)
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    fn.create_time_log(wo, start, start + timedelta(hours=1))
    fn.post_message(wo, f"[{live.marker}] a public note", type="ASSIGNEDTECH")
    fn.create_expense(wo, "12.50", f"[{live.marker}] parking")
    folder = next(iter(fn.list_folders(wo)))
    fn.upload_file(wo, folder.id, "live.pdf", b"%PDF-1.4 autotask-fn live suite")
    fn._call("POST", f"/workorders/{wo}/signatures", json={
        "name": "Site Manager", "title": "Manager",
        "signature": "data:image/png;base64,iVBORw0KGgo="})
    live.service.sync_work_order(wo)
    return counts(live)


def re_import(live: Live) -> dict[str, Any]:
    """Import the same ticket and sync the work order again: nothing may change."""
    before = counts(live)
    result = live.service.import_ticket(live.state["ticket"])
    live.service.sync_work_order(live.state["work_order"])
    return {"same_work_order": int(result.work_order_id) == live.state["work_order"],
            "unchanged": counts(live) == before}


def duplicate_delivery(live: Live) -> dict[str, Any]:
    """Deliver one signed webhook twice: stored once, processed once, nothing written."""
    secret = live.service.settings.webhook_secrets[0]
    body = json.dumps({"event": {"name": "workorder.status.work_done",
                                 "params": {"work_order_id": live.state["work_order"]}},
                       "timestamp": datetime.now(UTC).isoformat()}).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-FN-Signature": f"sha256={signature}",
               "X-FN-Delivery-Id": f"{uuid.uuid4()}:1"}
    before = counts(live)
    first = live.service.handle_fieldnation_webhook(body, headers)
    again = live.service.handle_fieldnation_webhook(body, headers)
    report = live.service.process_pending()
    return {"first": [first.status, first.duplicate], "again": [again.status, again.duplicate],
            "processed": report.processed, "unchanged": counts(live) == before}


def links(live: Live) -> list[list[Any]]:
    """What the store linked (kind, Autotask entity), in a stable order."""
    return sorted([lk.kind, lk.at_entity] for lk in live.store.list_links())
