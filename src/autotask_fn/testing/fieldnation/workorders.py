"""Work order operations: create, partial update, schedule, location, custom fields, contacts
and the lifecycle actions (publish, route, assign, complete, approve, pay, cancel).

Every operation takes the acting :class:`~.records.User` and raises
:class:`~.problems.FakeApiError` for what Field Nation would refuse. Events are emitted
exactly where the real service emits webhooks; title, description, location, pay and contact
edits emit nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from autotask_fn.testing.fieldnation import lifecycle as lc
from autotask_fn.testing.fieldnation.company import CompanyState
from autotask_fn.testing.fieldnation.problems import bad_request, forbidden, not_found
from autotask_fn.testing.fieldnation.records import Contact, Folder, User, WorkOrder
from autotask_fn.testing.fieldnation.timefmt import parse_utc_obj, utc_obj

WINDOW_MODES = frozenset({"exact", "between", "hours", "asap"})
PAY_TYPES = frozenset({"fixed", "hourly", "device", "blended"})
#: States in which the buyer may still edit the work order (stricter than the docs, which are
#: silent: approved, paid, cancelled and deleted work orders are read-only in the fake).
EDITABLE = frozenset({lc.DRAFT, lc.PUBLISHED, lc.ROUTED, lc.ASSIGNED, lc.WORK_DONE})
#: Sections the buyer must fill in before publishing or routing. The reference is silent;
#: the fake takes the stricter reading of the UI's own checks.
REQUIRED_TO_PUBLISH = ("types_of_work", "schedule", "pay")


def _obj(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_request(f"'{field}' must be an object.")
    return value


def _ref_id(value: Any, field: str) -> int:
    ref = _obj(value, field)
    ident = ref.get("id")
    if isinstance(ident, bool) or not isinstance(ident, int):
        raise bad_request(f"'{field}.id' must be an integer.")
    return ident


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise bad_request(f"'{field}' must be a string.")
    return value


def _read_only(wo: WorkOrder) -> Exception:
    return bad_request(f"A work order in status {lc.STATUSES[wo.status][1]} cannot be edited.")


class WorkOrderOps(CompanyState):
    """Create/update and lifecycle of work orders."""

    # -- create / update -----------------------------------------------------------
    def create_work_order(self, payload: Any, actor: User) -> WorkOrder:
        """``POST /workorders``: only ``title`` is required; the new order is a Draft."""
        self.require_buyer(actor)
        body = _obj(payload, "body")
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise bad_request("'title' is required.")
        now = self.clock.now()
        wo = WorkOrder(
            id=self.next_work_order_id(), title=title, created=now, updated=now,
            created_by=actor.id, manager_id=actor.id,
            folders=[
                Folder(id=self.next_id(), name="Documents", type="document"),
                Folder(id=self.next_id(), name="Misc", type="slot"),
            ],
        )
        self._apply(wo, body, actor)
        self.work_orders[wo.id] = wo
        self.emit("workorder.created", wo, actor, lc.status_id(lc.DRAFT))
        return wo

    def update_work_order(self, wo_id: int, payload: Any, actor: User) -> WorkOrder:
        """``PUT /workorders/{id}``: only the fields sent change."""
        self.require_buyer(actor)
        wo = self.work_order(wo_id, actor)
        if wo.status not in EDITABLE:
            raise _read_only(wo)
        body = _obj(payload, "body")
        schedule_before = dict(wo.schedule)
        values_before = dict(wo.custom_values)
        self._apply(wo, body, actor)
        self.touch(wo)
        prev = lc.status_id(wo.status)
        if wo.schedule != schedule_before:
            self.emit("workorder.schedule_updated", wo, actor, prev)
        if wo.custom_values != values_before:
            self.emit("workorder.custom_field_value_updated", wo, actor, prev)
        return wo

    def _apply(self, wo: WorkOrder, body: dict[str, Any], actor: User) -> None:
        """Validate every recognised field first, then change the work order."""
        changes: dict[str, Any] = {}
        if "title" in body:
            title = _text(body["title"], "title")
            if not title.strip():
                raise bad_request("'title' may not be empty.")
            changes["title"] = title
        if "description" in body:
            changes["description_html"] = _text(
                _obj(body["description"], "description").get("html", ""), "description.html")
        if "confidential" in body:
            changes["confidential_html"] = _text(
                _obj(body["confidential"], "confidential").get("html", ""), "confidential.html")
        if "incident_id" in body:
            value = body["incident_id"]
            changes["incident_id"] = None if value is None else _text(value, "incident_id")
        if "location" in body:
            changes["location"] = {**wo.location, **self.check_location(body["location"])}
        if "schedule" in body:
            changes["schedule"] = self.check_schedule(body["schedule"], wo.schedule)
        if "types_of_work" in body:
            changes["types_of_work"] = self._check_types_of_work(body["types_of_work"])
        if "pay" in body:
            changes["pay"] = self._check_pay(body["pay"])
        if "manager" in body:
            manager = self.user(_ref_id(body["manager"], "manager"))
            if manager.role != "buyer":
                raise bad_request("'manager' must be a user of the buyer company.")
            changes["manager_id"] = manager.id
        for key, catalog in (("project", self.projects), ("template", self.templates)):
            if key in body:
                ident = _ref_id(body[key], key)
                if ident not in catalog:
                    raise bad_request(f"Unknown {key} {ident}.")
                changes[f"{key}_id"] = ident
        values = dict(wo.custom_values)
        if "custom_fields" in body:
            for cf_id, value in self._check_custom_values(body["custom_fields"]):
                values[cf_id] = value
        raw_contacts = body.get("contacts") or []
        if not isinstance(raw_contacts, list):
            raise bad_request("'contacts' must be a list.")
        contacts = [self.check_contact(c) for c in raw_contacts]
        for attr, value in changes.items():
            setattr(wo, attr, value)
        wo.custom_values = values
        wo.contacts.extend(contacts)

    def check_schedule(self, value: Any, current: dict[str, Any]) -> dict[str, Any]:
        """Validate a schedule; dates must be ``{"utc": "YYYY-MM-DD HH:mm:ss"}`` objects."""
        schedule = _obj(value, "schedule")
        out = dict(current)
        if "service_window" in schedule:
            window = _obj(schedule["service_window"], "schedule.service_window")
            mode = window.get("mode", "exact")
            if mode not in WINDOW_MODES:
                raise bad_request(
                    f"'schedule.service_window.mode' must be one of {sorted(WINDOW_MODES)}.")
            checked: dict[str, Any] = {"mode": mode}
            if mode != "asap":
                if "start" not in window:
                    raise bad_request("'schedule.service_window.start' is required.")
                start = parse_utc_obj(window["start"], "schedule.service_window.start")
                checked["start"] = utc_obj(start)
                if mode in {"between", "hours"}:
                    if "end" not in window:
                        raise bad_request(
                            f"'schedule.service_window.end' is required for mode '{mode}'.")
                    end = parse_utc_obj(window["end"], "schedule.service_window.end")
                    if end < start:
                        raise bad_request("The service window ends before it starts.")
                    checked["end"] = utc_obj(end)
            out["service_window"] = checked
        if "require_ontime" in schedule:
            if not isinstance(schedule["require_ontime"], bool):
                raise bad_request("'schedule.require_ontime' must be a boolean.")
            out["require_ontime"] = schedule["require_ontime"]
        return out

    @staticmethod
    def check_location(value: Any) -> dict[str, Any]:
        """Validate a location object (only its shape: strings where strings belong)."""
        location = _obj(value, "location")
        for key in ("mode", "address1", "address2", "city", "state", "zip", "country",
                    "display_name"):
            if key in location and location[key] is not None:
                _text(location[key], f"location.{key}")
        return dict(location)

    def _check_types_of_work(self, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not value:
            raise bad_request("'types_of_work' must be a non-empty list.")
        out: list[dict[str, Any]] = []
        for item in value:
            ident = _ref_id(item, "types_of_work[]")
            if ident not in self.types_of_work:
                raise bad_request(f"Unknown type of work {ident}.")
            primary = bool(item.get("isPrimary", item.get("is_primary", False)))
            out.append({"id": ident, "isPrimary": primary})
        if sum(t["isPrimary"] for t in out) > 1:
            raise bad_request("Only one type of work may be primary.")
        if not any(t["isPrimary"] for t in out):
            out[0]["isPrimary"] = True
        return out

    @staticmethod
    def _check_pay(value: Any) -> dict[str, Any]:
        pay = _obj(value, "pay")
        if pay.get("type") not in PAY_TYPES:
            raise bad_request(f"'pay.type' must be one of {sorted(PAY_TYPES)}.")
        base = _obj(pay.get("base", {}), "pay.base")
        try:
            amount = Decimal(str(base.get("amount")))
        except InvalidOperation:
            raise bad_request("'pay.base.amount' must be a number.") from None
        if not amount.is_finite() or amount < 0:
            raise bad_request("'pay.base.amount' must be a number of at least 0.")
        units = base.get("units", 1)
        if isinstance(units, bool) or not isinstance(units, int | float) or units <= 0:
            raise bad_request("'pay.base.units' must be a positive number.")
        return {"type": pay["type"], "base": {"amount": float(amount), "units": units}}

    def _check_custom_values(self, value: Any) -> list[tuple[int, str]]:
        items = value.get("results") if isinstance(value, dict) else value
        if not isinstance(items, list):
            raise bad_request("'custom_fields' must be a list of {id, value}.")
        out: list[tuple[int, str]] = []
        for item in items:
            ident = _ref_id(item, "custom_fields[]")
            if ident not in self.custom_field_defs:
                raise bad_request(f"Unknown custom field {ident}.")
            out.append((ident, _text(item.get("value"), f"custom_fields[{ident}].value")))
        return out

    def check_contact(self, value: Any) -> Contact:
        """Validate a contact (``name`` required; the rest optional strings)."""
        body = _obj(value, "contact")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise bad_request("'name' is required for a contact.")
        fields = {k: body.get(k) for k in ("phone", "email", "role", "notes")}
        for key, item in fields.items():
            if item is not None:
                _text(item, f"contact.{key}")
        return Contact(id=self.next_id(), name=name, **fields)

    # -- sections with their own endpoints -------------------------------------------
    def update_schedule(self, wo_id: int, payload: Any, actor: User) -> WorkOrder:
        """``PUT /workorders/{id}/schedule`` (emits ``workorder.schedule_updated``)."""
        body = _obj(payload, "body")
        return self.update_work_order(wo_id, {"schedule": body.get("schedule", body)}, actor)

    def update_location(self, wo_id: int, payload: Any, actor: User) -> WorkOrder:
        """``PUT /workorders/{id}/location`` (no event)."""
        body = _obj(payload, "body")
        return self.update_work_order(wo_id, {"location": body.get("location", body)}, actor)

    def set_custom_field(self, wo_id: int, cf_id: int, value: Any, actor: User) -> WorkOrder:
        """``PUT /custom_fields/{id}`` ``{value}``; providers may fill provider fields only.

        Emits ``workorder.custom_field_value_updated`` when the value changes.
        """
        wo = self.work_order(wo_id, actor)
        definition = self.custom_field_defs.get(cf_id)
        if definition is None:
            raise not_found(f"Custom field {cf_id}")
        if actor.role == "provider":
            self.require_provider(wo, actor)
            if definition["filled_by"] != "provider":
                raise forbidden("Providers may only fill in provider custom fields.")
        if wo.status not in EDITABLE:
            raise _read_only(wo)
        text = _text(value, "value")
        if wo.custom_values.get(cf_id) != text:
            wo.custom_values[cf_id] = text
            self.touch(wo)
            self.emit("workorder.custom_field_value_updated", wo, actor, lc.status_id(wo.status))
        return wo

    def add_contact(self, wo_id: int, payload: Any, actor: User) -> Contact:
        """``POST /contacts`` (no event)."""
        self.require_buyer(actor)
        wo = self.work_order(wo_id, actor)
        contact = self.check_contact(payload)
        wo.contacts.append(contact)
        self.touch(wo)
        return contact

    # -- lifecycle -------------------------------------------------------------------
    def _move(self, wo: WorkOrder, action: str, actor: User, event: str | None) -> None:
        previous = lc.status_id(wo.status)
        wo.status = lc.transition(wo.status, action)
        wo.sub_status = None
        self.touch(wo)
        if event:
            self.emit(event, wo, actor, previous)

    def publish(self, wo_id: int, actor: User) -> WorkOrder:
        """Draft -> Published (needs types of work, schedule and pay)."""
        self.require_buyer(actor)
        wo = self.work_order(wo_id, actor)
        lc.transition(wo.status, "publish")
        self._require_complete(wo)
        self._move(wo, "publish", actor, "workorder.status.published")
        return wo

    def unpublish(self, wo_id: int, actor: User) -> WorkOrder:
        """Published -> Draft."""
        self.require_buyer(actor)
        wo = self.work_order(wo_id, actor)
        self._move(wo, "unpublish", actor, "workorder.status.draft")
        return wo

    def route(self, wo_id: int, provider_id: int, actor: User) -> WorkOrder:
        """Route to one provider: ``workorder.routed`` per provider, ``status.routed`` once."""
        self.require_buyer(actor)
        wo = self.work_order(wo_id, actor)
        provider = self.provider(provider_id)
        lc.transition(wo.status, "route")
        self._require_complete(wo)
        previous = lc.status_id(wo.status)
        was_routed = wo.status == lc.ROUTED
        wo.status = lc.ROUTED
        if provider.id not in wo.routed_ids:
            wo.routed_ids.append(provider.id)
        self.touch(wo)
        self.emit("workorder.routed", wo, actor, previous)
        if not was_routed:
            self.emit("workorder.status.routed", wo, actor, previous)
        return wo

    def assign(self, wo_id: int, provider_id: int, actor: User) -> WorkOrder:
        """Published/Routed -> Assigned to ``provider_id``.

        The buyer assigns; a routed provider may also accept (assign itself).
        """
        wo = self.work_order(wo_id, actor)
        provider = self.provider(provider_id)
        if actor.role == "provider" and (actor.id != provider.id or actor.id not in wo.routed_ids):
            raise forbidden("A provider can only accept a work order routed to it.")
        lc.transition(wo.status, "assign")
        wo.assignee_id = provider.id
        wo.routed_ids = []
        wo.requested_ids = []
        self._move(wo, "assign", actor, "workorder.status.assigned")
        return wo

    def request(self, wo_id: int, provider: User) -> WorkOrder:
        """A provider requests a published work order (emits ``workorder.requested``)."""
        wo = self.raw_work_order(wo_id)
        if provider.role != "provider":
            raise forbidden("Only providers request work orders.")
        if wo.status != lc.PUBLISHED:
            raise bad_request("Only a published work order can be requested.")
        if provider.id not in wo.requested_ids:
            wo.requested_ids.append(provider.id)
            self.touch(wo)
            self.emit("workorder.requested", wo, provider, lc.status_id(wo.status))
        return wo

    def delete_draft(self, wo_id: int, actor: User) -> WorkOrder:
        """Soft-delete a Draft (status Deleted; emits ``workorder.status.deleted``)."""
        self.require_buyer(actor)
        wo = self.work_order(wo_id, actor)
        self._move(wo, "delete", actor, "workorder.status.deleted")
        return wo

    def complete(self, wo_id: int, actor: User) -> WorkOrder:
        """Assigned -> Work Done (provider marks complete; refused while checked in)."""
        wo = self.work_order(wo_id, actor)
        self.require_worker(wo, actor)
        lc.transition(wo.status, "complete")
        if wo.open_time_log() is not None:
            raise bad_request("Check out before marking the work order complete.")
        wo.job_status = "complete"
        self._move(wo, "complete", actor, "workorder.status.work_done")
        return wo

    def mark_incomplete(self, wo_id: int, reason: str | None, actor: User) -> WorkOrder:
        """Work Done -> Assigned (``DELETE /complete``; a reason is required).

        Which event Field Nation sends here is unconfirmed; the fake sends
        ``workorder.status.assigned`` with ``previous_status_id`` = Work Done.
        """
        wo = self.work_order(wo_id, actor)
        self.require_worker(wo, actor)
        if not reason:
            raise bad_request("A reason is required to mark a work order incomplete.")
        lc.transition(wo.status, "incomplete")
        wo.job_status = "incomplete"
        wo.incomplete_reason = reason
        self._move(wo, "incomplete", actor, "workorder.status.assigned")
        return wo

    def set_job_status(self, wo_id: int, payload: Any, actor: User) -> WorkOrder:
        """``PUT /job-status`` ``{status: complete|incomplete}``."""
        status = _obj(payload, "body").get("status")
        if status == "complete":
            return self.complete(wo_id, actor)
        if status != "incomplete":
            raise bad_request("'status' must be 'complete' or 'incomplete'.")
        wo = self.work_order(wo_id, actor)
        self.require_worker(wo, actor)
        if wo.status == lc.WORK_DONE:
            reason = _obj(payload, "body").get("reason") or "Marked incomplete"
            return self.mark_incomplete(wo_id, str(reason), actor)
        if wo.status != lc.ASSIGNED:
            raise bad_request("Only an assigned work order has a job status.")
        wo.job_status = "incomplete"
        self.touch(wo)
        return wo

    def approve(self, wo_id: int, actor: User) -> WorkOrder:
        """Work Done -> Approved; time logs become verified."""
        self.require_buyer(actor)
        wo = self.work_order(wo_id, actor)
        lc.transition(wo.status, "approve")
        for log in wo.time_logs:
            log.verified = True
        self._move(wo, "approve", actor, "workorder.status.approved")
        return wo

    def mark_paid(self, wo_id: int, actor: User) -> WorkOrder:
        """Approved -> Paid (Field Nation pays; only the test helper does this)."""
        wo = self.raw_work_order(wo_id)
        wo.paid = True
        self._move(wo, "pay", actor, "workorder.status.paid")
        return wo

    def cancel(self, wo_id: int, reason: str | None, actor: User) -> WorkOrder:
        """``DELETE /workorders/{id}``: cancel with a required ``cancel_reason``."""
        self.require_buyer(actor)
        wo = self.work_order(wo_id, actor)
        if not reason:
            raise bad_request("'cancel_reason' is required.")
        lc.transition(wo.status, "cancel")
        wo.cancel_reason = reason
        self._move(wo, "cancel", actor, "workorder.status.cancelled")
        return wo

    def _require_complete(self, wo: WorkOrder) -> None:
        missing = [
            name for name, present in (
                ("types_of_work", bool(wo.types_of_work)),
                ("schedule", bool(wo.schedule.get("service_window"))),
                ("pay", bool(wo.pay)),
            ) if not present
        ]
        if missing:
            raise bad_request(
                "The work order is missing required fields: " + ", ".join(missing) + ".")
