"""End-to-end scenarios on live tenants (or the served fakes): ``python -m pytest -m live``.

Run in order within the module: import, work flowing back, a no-op re-import, a duplicated
delivery. Every record carries the run's marker; the module's fixture cleans up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from livekit import Live

pytestmark = pytest.mark.live

_STATE: dict[str, int] = {}


def _first(values: Any, word: str | None = None) -> int:
    items = list(values)
    for v in items:
        if word and word in str(v.label).lower():
            return int(v.value)
    return int(items[0].value)


def _query(live: Live, entity: str, field: str, value: int) -> list[dict[str, Any]]:
    from autotask_fn.autotask import Filter

    return list(live.autotask.query(entity, Filter("eq", field, value)))


def test_a_ticket_is_imported_into_a_work_order(live: Live) -> None:
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
    _STATE.update(ticket=ticket, work_order=wo_id)
    work_order = live.fieldnation.get_work_order(wo_id)
    assert live.marker in str(work_order.title)


def test_time_notes_an_expense_a_file_and_a_signature_flow_back(live: Live) -> None:
    provider = os.environ.get("AUTOTASK_FN_LIVE_PROVIDER_ID")
    if not provider:
        pytest.skip("set AUTOTASK_FN_LIVE_PROVIDER_ID (a test provider of the Field Nation "
                    "sandbox) so the work order can be assigned and worked")
    fn, wo = live.fieldnation, _STATE["work_order"]
    work_order = fn.get_work_order(wo)
    if str(getattr(work_order.status, "name", "")).lower() in ("draft", ""):
        fn.publish(wo)
    fn.assign(wo, int(provider))
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
    ticket = _STATE["ticket"]
    assert _query(live, "TimeEntries", "ticketID", ticket)
    notes = _query(live, "TicketNotes", "ticketID", ticket)
    assert any(live.marker in str(n.get("description")) for n in notes)
    attachments = _attachments(live, ticket)
    assert len(attachments) >= 2  # the file and the signature
    assert _query(live, "ExpenseItems", "ticketID", ticket)
    _STATE["writes"] = _count(live)


def _attachments(live: Live, ticket: int) -> list[dict[str, Any]]:
    """The ticket's attachments, by ``ticketID`` or, where the tenant lacks it, ``parentID``."""
    from autotask_fn.autotask.errors import AutotaskValidationError

    try:
        return _query(live, "TicketAttachments", "ticketID", ticket)
    except AutotaskValidationError:
        return _query(live, "TicketAttachments", "parentID", ticket)


def _count(live: Live) -> int:
    ticket = _STATE["ticket"]
    return len(_attachments(live, ticket)) + sum(
        len(_query(live, entity, "ticketID", ticket))
        for entity in ("TimeEntries", "TicketNotes", "ExpenseItems"))


def test_a_re_import_and_a_re_sync_change_nothing(live: Live) -> None:
    before = _count(live)
    result = live.service.import_ticket(_STATE["ticket"])
    assert int(result.work_order_id) == _STATE["work_order"]
    live.service.sync_work_order(_STATE["work_order"])
    assert _count(live) == before


def test_a_duplicated_delivery_is_applied_once(live: Live) -> None:
    secrets = live.service.settings.webhook_secrets
    if not secrets:
        pytest.skip("no [settings] webhook_secrets: a delivery cannot be signed")
    body = json.dumps({"event": {"name": "workorder.status.work_done",
                                 "params": {"work_order_id": _STATE["work_order"]}},
                       "timestamp": datetime.now(UTC).isoformat()}).encode()
    signature = hmac.new(secrets[0].encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-FN-Signature": f"sha256={signature}",
               "X-FN-Delivery-Id": f"{uuid.uuid4()}:1"}
    before = _count(live)
    first = live.service.handle_fieldnation_webhook(body, headers)
    again = live.service.handle_fieldnation_webhook(body, headers)
    assert (first.status, first.duplicate) == (200, False)
    assert (again.status, again.duplicate) == (200, True)
    report = live.service.process_pending()
    assert report.processed == 1
    assert _count(live) == before
