"""Provider activity on a work order: check-in/out, time logs, expenses and messages.

Time log shape (the fake's one documented form; reference §4 calls ``in``/``out`` canonical)::

    {"id": 5007,
     "in":  {"created": {"utc": "2026-01-05 09:00:00"}},
     "out": {"created": {"utc": "2026-01-05 11:30:00"}} | null,   # null while checked in
     "hours": 2.5,                      # decimal hours, 4 places
     "status": "checked_in" | "checked_out",
     "logged_by": {"id", "first_name", "last_name", "email"},
     "time_zone": {"id": 1, "name": "UTC", "offset": 0},
     "verified": false,                 # true once the work order is approved
     "was_late": false}

Writes accept ``in``/``out`` (or ``start``/``end``) as ``{"created": {"utc": ...}}`` or as a
bare ``{"utc": ...}``; plain strings are refused. Time logs and expenses have no webhook of
their own; check-in emits ``workorder.status.checked_in`` and ``workorder.task_completed``,
check-out ``workorder.status.checked_out``; messages emit ``workorder.message_posted``.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from autotask_fn.testing.contract import contract_rule, contract_value
from autotask_fn.testing.fieldnation import lifecycle as lc
from autotask_fn.testing.fieldnation.company import CompanyState
from autotask_fn.testing.fieldnation.problems import bad_request, forbidden, not_found
from autotask_fn.testing.fieldnation.records import (
    Expense,
    Message,
    StoredFile,
    TimeLog,
    User,
    WorkOrder,
)
from autotask_fn.testing.fieldnation.timefmt import parse_utc_obj

EXPENSE_STATUSES = frozenset({"new", "approved", "disapproved"})
#: The create ``type`` values (reference §4; the published Message model's enum).
MESSAGE_TYPES = contract_value("FN-MESSAGE-TYPES", frozenset({
    "INTERNAL", "ASSIGNEDTECH", "REQUESTEDTECHS", "SPECIFICTECH", "FROMTECH", "REPLY",
    "TECHTOMANAGER", "ROUTEDTECHS", "REPLYTOTHREAD", "STAFF_NOTE",
}), name=__name__ + ".MESSAGE_TYPES")
#: Hidden from providers (reference §4).
HIDDEN_FROM_PROVIDERS = contract_value("FN-MESSAGE-HIDDEN", frozenset({"INTERNAL", "STAFF_NOTE"}),
                                       name=__name__ + ".HIDDEN_FROM_PROVIDERS")
#: What a provider may send; the docs do not list it, the fake takes the provider-side types.
PROVIDER_MESSAGE_TYPES = frozenset({"FROMTECH", "TECHTOMANAGER", "REPLY", "REPLYTOTHREAD"})


def _instant(body: dict[str, Any], names: tuple[str, str], required: bool) -> datetime | None:
    for name in names:
        if name in body:
            value = body[name]
            if isinstance(value, dict) and "created" in value:
                value = value["created"]
            return parse_utc_obj(value, name)
    if required:
        raise bad_request(f"'{names[0]}' is required.")
    return None


class ActivityOps(CompanyState):
    """Time logs, check-in/out, expenses and messages."""

    # -- assigned sub-states ---------------------------------------------------------------
    #: Sub-states a test may set directly, with the event each emits. On hold has no
    #: confirmed event name, so it emits nothing (stricter than guessing a name).
    SUB_STATUS_EVENTS: dict[str, str | None] = {
        "confirmed": "workorder.status.confirmed",
        "on_my_way": "workorder.status.on_my_way",
        "at_risk": "workorder.status.at_risk",
        "delayed": "workorder.status.delayed",
        "on_hold": None,
    }

    def set_sub_status(self, wo_id: int, code: str, actor: User) -> WorkOrder:
        """Move an assigned, not checked-in work order to a sub-state (confirm, on my way...)."""
        if code not in self.SUB_STATUS_EVENTS:
            raise bad_request(f"Unknown sub-status {code!r}.")
        wo = self.work_order(wo_id, actor)
        self.require_worker(wo, actor)
        if wo.status != lc.ASSIGNED or wo.open_time_log() is not None:
            raise bad_request(f"Cannot set {code} on this work order now.")
        wo.sub_status = code
        self.touch(wo)
        event = self.SUB_STATUS_EVENTS[code]
        if event:
            self.emit(event, wo, actor, lc.status_id(wo.status))
        return wo

    # -- time logs -------------------------------------------------------------------
    def _time_log(self, wo: WorkOrder, log_id: int) -> TimeLog:
        found = next((t for t in wo.time_logs if t.id == log_id), None)
        if found is None:
            raise not_found(f"Time log {log_id}")
        return found

    def _require_time_editable(self, wo: WorkOrder, actor: User) -> None:
        self.require_worker(wo, actor)
        allowed = {lc.ASSIGNED} if actor.role == "provider" else {lc.ASSIGNED, lc.WORK_DONE}
        if wo.status not in allowed:
            raise bad_request(
                f"Time cannot be logged on a work order in status {lc.STATUSES[wo.status][1]}.")

    def check_in(self, wo_id: int, actor: User, at: datetime | None = None) -> TimeLog:
        """Open a time log and move the sub-status to checked in."""
        wo = self.work_order(wo_id, actor)
        self._require_time_editable(wo, actor)
        if wo.status != lc.ASSIGNED:
            raise bad_request("Only an assigned work order can be checked in.")
        if wo.open_time_log() is not None:
            raise bad_request("The provider is already checked in.")
        log = TimeLog(id=self.next_id(), start=at or self.clock.now(), end=None,
                      logged_by=actor.id)
        wo.time_logs.append(log)
        wo.sub_status = "checked_in"
        self.touch(wo)
        sid = lc.status_id(wo.status)
        self.emit("workorder.status.checked_in", wo, actor, sid)
        self.emit("workorder.task_completed", wo, actor, sid)
        return log

    def check_out(self, wo_id: int, actor: User, at: datetime | None = None) -> TimeLog:
        """Close the open time log and move the sub-status to checked out."""
        wo = self.work_order(wo_id, actor)
        self._require_time_editable(wo, actor)
        log = wo.open_time_log()
        if log is None:
            raise bad_request("The provider is not checked in.")
        end = at or self.clock.now()
        if end < log.start:
            raise bad_request("Check-out cannot be before check-in.")
        log.end = end
        wo.sub_status = "checked_out"
        self.touch(wo)
        self.emit("workorder.status.checked_out", wo, actor, lc.status_id(wo.status))
        return log

    def create_time_log(self, wo_id: int, payload: Any, actor: User) -> TimeLog:
        """``POST /time_logs`` with both ``in`` and ``out`` (no event)."""
        wo = self.work_order(wo_id, actor)
        self._require_time_editable(wo, actor)
        body = payload if isinstance(payload, dict) else {}
        start = _instant(body, ("in", "start"), required=True)
        end = _instant(body, ("out", "end"), required=True)
        assert start is not None
        assert end is not None
        if end < start:
            raise bad_request("'out' cannot be before 'in'.")
        log = TimeLog(id=self.next_id(), start=start, end=end, logged_by=actor.id)
        wo.time_logs.append(log)
        self.touch(wo)
        return log

    def update_time_log(self, wo_id: int, log_id: int, payload: Any, actor: User) -> TimeLog:
        """``PUT /time_logs/{id}``: change ``in`` and/or ``out`` (no event)."""
        wo = self.work_order(wo_id, actor)
        self._require_time_editable(wo, actor)
        log = self._time_log(wo, log_id)
        if log.verified:
            raise bad_request("A verified time log cannot be changed.")
        body = payload if isinstance(payload, dict) else {}
        start = _instant(body, ("in", "start"), required=False) or log.start
        end = _instant(body, ("out", "end"), required=False) or log.end
        if end is not None and end < start:
            raise bad_request("'out' cannot be before 'in'.")
        log.start, log.end = start, end
        self.touch(wo)
        return log

    def delete_time_log(self, wo_id: int, log_id: int, actor: User) -> None:
        """``DELETE /time_logs/{id}`` (no event)."""
        wo = self.work_order(wo_id, actor)
        self._require_time_editable(wo, actor)
        log = self._time_log(wo, log_id)
        if log.verified:
            raise bad_request("A verified time log cannot be deleted.")
        wo.time_logs.remove(log)
        if log.end is None and wo.sub_status == "checked_in":
            wo.sub_status = None
        self.touch(wo)

    # -- expenses --------------------------------------------------------------------
    def _expense(self, wo: WorkOrder, expense_id: int) -> Expense:
        found = next((e for e in wo.expenses if e.id == expense_id), None)
        if found is None:
            raise not_found(f"Expense {expense_id}")
        return found

    @staticmethod
    def _amount(value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise bad_request("'amount' must be a decimal string like \"50.00\".")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise bad_request("'amount' must be a decimal string like \"50.00\".") from None
        if not amount.is_finite() or amount <= 0:
            raise bad_request("'amount' must be greater than 0.")
        return amount.quantize(Decimal("0.01"))

    @staticmethod
    def _quantity(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad_request("'quantity' must be a positive integer.")
        return value

    def _category(self, value: Any) -> int:
        if value is None:
            return self.default_expense_category
        ident = value.get("id") if isinstance(value, dict) else None
        if ident not in self.expense_categories:
            raise bad_request(f"Unknown expense category {ident!r}.")
        assert isinstance(ident, int)
        return ident

    def add_expense(self, wo_id: int, payload: Any, actor: User) -> Expense:
        """``POST /expenses``: ``description`` and ``amount`` required (no event)."""
        wo = self.work_order(wo_id, actor)
        self._require_time_editable(wo, actor)
        body = payload if isinstance(payload, dict) else {}
        description = body.get("description")
        if not isinstance(description, str) or not description.strip():
            raise bad_request("'description' is required.")
        if "amount" not in body:
            raise bad_request("'amount' is required.")
        expense = Expense(
            id=self.next_id(), description=description, amount=self._amount(body["amount"]),
            quantity=self._quantity(body.get("quantity", 1)),
            category_id=self._category(body.get("category")), author_id=actor.id,
            added=self.clock.now(),
        )
        if body.get("receipt") is not None:
            expense.receipt = self._receipt(body["receipt"], actor)
        wo.expenses.append(expense)
        self.touch(wo)
        return expense

    def _receipt(self, value: Any, actor: User) -> StoredFile:
        """A receipt ``{"name": "r.jpg", "data": "<base64>"}``, downloadable like any file."""
        name = value.get("name") if isinstance(value, dict) else None
        try:
            content = base64.b64decode(str(value.get("data") or ""), validate=True) \
                if isinstance(value, dict) else b""
        except (binascii.Error, ValueError):
            raise bad_request("'receipt.data' must be base64.") from None
        if not isinstance(name, str) or not name or not content:
            raise bad_request("'receipt' needs a name and base64 data.")
        stored = StoredFile(id=self.next_id(), folder_id=0, name=name, content=content,
                            token=secrets.token_hex(12), created=self.clock.now(),
                            author_id=actor.id, status="APPROVED")
        registry: dict[str, StoredFile] = getattr(self, "files_by_token")  # noqa: B009
        registry[stored.token] = stored
        return stored

    def update_expense(self, wo_id: int, expense_id: int, payload: Any, actor: User) -> Expense:
        """``PUT /expenses/{id}``: the buyer reviews (status), the author edits while new."""
        wo = self.work_order(wo_id, actor)
        self.require_worker(wo, actor)
        expense = self._expense(wo, expense_id)
        if wo.status not in {lc.ASSIGNED, lc.WORK_DONE}:
            raise bad_request("Expenses cannot be changed once the work order is approved.")
        body = payload if isinstance(payload, dict) else {}
        changes: dict[str, Any] = {}
        if "status" in body:
            if actor.role != "buyer":
                raise forbidden("Only the buyer reviews expenses.")
            if body["status"] not in EXPENSE_STATUSES:
                raise bad_request(f"'status' must be one of {sorted(EXPENSE_STATUSES)}.")
            changes["status"] = body["status"]
            changes["status_description"] = body.get("status_description")
        edits = {k for k in ("description", "amount", "quantity", "category") if k in body}
        if edits and actor.role == "provider" and expense.status != "new":
            raise bad_request("A reviewed expense cannot be edited.")
        if "description" in body:
            if not isinstance(body["description"], str) or not body["description"].strip():
                raise bad_request("'description' may not be empty.")
            changes["description"] = body["description"]
        if "amount" in body:
            changes["amount"] = self._amount(body["amount"])
        if "quantity" in body:
            changes["quantity"] = self._quantity(body["quantity"])
        if "category" in body:
            changes["category_id"] = self._category(body["category"])
        if body.get("receipt") is not None:
            changes["receipt"] = self._receipt(body["receipt"], actor)
        for attr, value in changes.items():
            setattr(expense, attr, value)
        self.touch(wo)
        return expense

    # -- messages --------------------------------------------------------------------
    @contract_rule("FN-MESSAGE-HIDDEN")
    def visible_messages(self, wo_id: int, actor: User) -> list[Message]:
        """Messages the actor may read (providers never see INTERNAL or STAFF_NOTE)."""
        wo = self.work_order(wo_id, actor)
        if actor.role == "provider":
            return [m for m in wo.messages if m.type not in HIDDEN_FROM_PROVIDERS]
        return list(wo.messages)

    def post_message(self, wo_id: int, payload: Any, actor: User) -> Message:
        """``POST /messages`` (emits ``workorder.message_posted``).

        ``type`` defaults to ASSIGNEDTECH for the buyer and FROMTECH for a provider (the docs
        give no default).
        """
        wo = self.work_order(wo_id, actor)
        body = payload if isinstance(payload, dict) else {}
        text = body.get("message")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("'message' is required.")
        kind = body.get("type", "FROMTECH" if actor.role == "provider" else "ASSIGNEDTECH")
        if kind not in MESSAGE_TYPES:
            raise bad_request(f"'type' must be one of {sorted(MESSAGE_TYPES)}.")
        if actor.role == "provider" and kind not in PROVIDER_MESSAGE_TYPES:
            raise forbidden(f"A provider cannot send a {kind} message.")
        message = Message(msg_id=str(self.next_id()), author_id=actor.id, text=text,
                          created=self.clock.now(), type=kind)
        wo.messages.append(message)
        self.touch(wo)
        self.emit("workorder.message_posted", wo, actor, lc.status_id(wo.status))
        return message

    def reply_message(self, wo_id: int, msg_id: str, payload: Any, actor: User) -> Message:
        """``POST /messages/{msg_id}``: a reply in the thread (emits ``message_posted``)."""
        parent = next((m for m in self.visible_messages(wo_id, actor) if m.msg_id == msg_id),
                      None)
        if parent is None:
            raise not_found(f"Message {msg_id}")
        wo = self.raw_work_order(wo_id)
        body = payload if isinstance(payload, dict) else {}
        text = body.get("message")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("'message' is required.")
        reply = Message(msg_id=str(self.next_id()), author_id=actor.id, text=text,
                        created=self.clock.now(), type=parent.type)
        parent.replies.append(reply)
        self.touch(wo)
        self.emit("workorder.message_posted", wo, actor, lc.status_id(wo.status))
        return reply
