"""Test helpers on the fake: act as the provider or the buyer without HTTP.

Every helper runs the same domain operation as the REST endpoint (same checks, same
refusals as :class:`~.problems.FakeApiError`, same webhooks). Provider helpers act as the
work order's assignee (or the seeded provider when nobody is assigned yet); buyer helpers
act as the API user.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from autotask_fn.testing.fieldnation.auth import Tokens
from autotask_fn.testing.fieldnation.clock import FakeClock
from autotask_fn.testing.fieldnation.problems import FakeApiError
from autotask_fn.testing.fieldnation.records import User
from autotask_fn.testing.fieldnation.state import FieldNationState
from autotask_fn.testing.fieldnation.timefmt import utc_obj
from autotask_fn.testing.fieldnation.webhooks import WebhookHub

T = TypeVar("T")

#: A 1x1 transparent PNG, the default signature image.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

#: What :meth:`TestHelpers.create_work_order` fills in when not given, so that the order can
#: be published and assigned straight away (the REST API itself only requires a title).
HELPER_DEFAULTS: dict[str, Any] = {
    "types_of_work": [{"id": 11, "isPrimary": True}],
    "schedule": {"service_window": {"mode": "exact", "start": {"utc": "2026-01-06 14:00:00"}}},
    "pay": {"type": "fixed", "base": {"amount": 150.0, "units": 1}},
    "location": {"mode": "custom", "address1": "1 Main St", "city": "Springfield",
                 "state": "IL", "zip": "62701", "country": "US"},
}


class TestHelpers:
    """Provider-side and buyer-side shortcuts, mixed into ``FakeFieldNation``."""

    __test__ = False  # not a pytest class

    state: FieldNationState
    clock: FakeClock
    hub: WebhookHub
    tokens: Tokens

    def _run(self, action: Callable[[], T]) -> T:  # pragma: no cover - overridden
        raise NotImplementedError

    # -- actors --------------------------------------------------------------------
    def _provider_for(self, wo_id: int, provider_id: int | None = None) -> User:
        if provider_id is not None:
            return self.state.provider(provider_id)
        wo = self.state.raw_work_order(wo_id)
        return self.state.user(wo.assignee_id or self.state.seed.provider_id)

    def _buyer(self) -> User:
        return self.state.api_user()

    def issue_token(self, username: str | None = None) -> str:
        """A live access token for ``username`` (default: the API user), without HTTP."""
        user = self.state.api_user() if username is None else next(
            (u for u in self.state.users.values() if u.username == username), None)
        if user is None:
            raise FakeApiError(401, "Invalid username or password.")
        return self._run(lambda: self.tokens.issue_for(user).value)

    # -- buyer side ----------------------------------------------------------------
    def create_work_order(self, **fields: Any) -> int:
        """Create a Draft (``title`` defaults to "Fake work order"); returns its id.

        Types of work, schedule, pay and location get publishable defaults unless given
        (pass ``minimal=True`` to send only what you pass).
        """
        minimal = bool(fields.pop("minimal", False))
        payload = {"title": "Fake work order", **({} if minimal else HELPER_DEFAULTS), **fields}
        return self._run(lambda: self.state.create_work_order(payload, self._buyer()).id)

    def update_work_order(self, wo_id: int, **fields: Any) -> None:
        """Partial update as the buyer (same events as ``PUT /workorders/{id}``)."""
        self._run(lambda: self.state.update_work_order(wo_id, fields, self._buyer()))

    def publish(self, wo_id: int) -> None:
        """Draft -> Published."""
        self._run(lambda: self.state.publish(wo_id, self._buyer()))

    def unpublish(self, wo_id: int) -> None:
        """Published -> Draft."""
        self._run(lambda: self.state.unpublish(wo_id, self._buyer()))

    def route(self, wo_id: int, provider_id: int | None = None) -> None:
        """Route to a provider (default: the seeded provider)."""
        target = provider_id or self.state.seed.provider_id
        self._run(lambda: self.state.route(wo_id, target, self._buyer()))

    def assign(self, wo_id: int, provider_id: int | None = None) -> None:
        """Assign to a provider (default: the seeded one); a Draft is published first."""
        target = provider_id or self.state.seed.provider_id

        def act() -> None:
            if self.state.raw_work_order(wo_id).status == "draft":
                self.state.publish(wo_id, self._buyer())
            self.state.assign(wo_id, target, self._buyer())

        self._run(act)

    def request_work_order(self, wo_id: int, provider_id: int | None = None) -> None:
        """A provider requests a published work order (emits ``workorder.requested``)."""
        provider = self.state.provider(provider_id or self.state.seed.provider_id)
        self._run(lambda: self.state.request(wo_id, provider))

    def delete_work_order(self, wo_id: int) -> None:
        """Soft-delete a Draft (status Deleted)."""
        self._run(lambda: self.state.delete_draft(wo_id, self._buyer()))

    def accept_route(self, wo_id: int, provider_id: int | None = None) -> None:
        """The routed provider accepts: Routed -> Assigned."""
        provider = self.state.provider(provider_id or self.state.seed.provider_id)
        self._run(lambda: self.state.assign(wo_id, provider.id, provider))

    def approve(self, wo_id: int) -> None:
        """Work Done -> Approved."""
        self._run(lambda: self.state.approve(wo_id, self._buyer()))

    def mark_incomplete(self, wo_id: int, reason: str = "Not finished") -> None:
        """Work Done -> Assigned."""
        self._run(lambda: self.state.mark_incomplete(wo_id, reason, self._buyer()))

    def mark_paid(self, wo_id: int) -> None:
        """Approved -> Paid (what Field Nation's payment run does)."""
        self._run(lambda: self.state.mark_paid(wo_id, self._buyer()))

    def cancel(self, wo_id: int, reason: str = "Cancelled by test") -> None:
        """Cancel the work order."""
        self._run(lambda: self.state.cancel(wo_id, reason, self._buyer()))

    def set_expense_status(self, wo_id: int, expense_id: int, status: str,
                           description: str | None = None) -> None:
        """Review an expense: ``new`` | ``approved`` | ``disapproved``."""
        payload = {"status": status, "status_description": description}
        self._run(lambda: self.state.update_expense(wo_id, expense_id, payload, self._buyer()))

    def set_file_status(self, wo_id: int, file_id: int, status: str,
                        description: str | None = None) -> None:
        """Review a file: ``PENDING`` | ``APPROVED`` | ``DENIED``."""
        def act() -> None:
            wo = self.state.raw_work_order(wo_id)
            folder_id = self.state.find_file(wo, file_id).folder_id
            payload = {"status": status, "status_description": description}
            self.state.update_file(wo_id, folder_id, file_id, payload, self._buyer())

        self._run(act)

    def delete_file(self, wo_id: int, file_id: int) -> None:
        """Delete a file (as the buyer)."""
        self._run(lambda: self.state.delete_file(wo_id, None, file_id, self._buyer()))

    def set_custom_field(self, wo_id: int, custom_field_id: int, value: str,
                         as_provider: bool = False) -> None:
        """Set a custom field value (emits ``workorder.custom_field_value_updated``)."""
        actor = self._provider_for(wo_id) if as_provider else self._buyer()
        self._run(lambda: self.state.set_custom_field(wo_id, custom_field_id, value, actor))

    def register_webhook(self, url: str, events: list[str], secret: str | None = None,
                         status: str = "active") -> str:
        """Register a webhook without HTTP; returns its id."""
        payload = {"url": url, "events": events, "secret": secret, "status": status}
        return self._run(lambda: self.hub.register(payload).id)

    # -- provider side -------------------------------------------------------------
    def confirm(self, wo_id: int) -> None:
        """The provider confirms the assignment (emits ``workorder.status.confirmed``)."""
        self.set_sub_status(wo_id, "confirmed")

    def on_my_way(self, wo_id: int) -> None:
        """The provider is on the way (emits ``workorder.status.on_my_way``)."""
        self.set_sub_status(wo_id, "on_my_way")

    def set_sub_status(self, wo_id: int, code: str) -> None:
        """Set an assigned sub-state: confirmed, on_my_way, at_risk, delayed or on_hold."""
        actor = self._provider_for(wo_id)
        self._run(lambda: self.state.set_sub_status(wo_id, code, actor))

    def check_in(self, wo_id: int, at: datetime | None = None) -> int:
        """Check the assignee in (``at`` defaults to the fake clock); returns the time log id."""
        actor = self._provider_for(wo_id)
        return self._run(lambda: self.state.check_in(wo_id, actor, at).id)

    def check_out(self, wo_id: int, at: datetime | None = None) -> int:
        """Check the assignee out; returns the closed time log's id."""
        actor = self._provider_for(wo_id)
        return self._run(lambda: self.state.check_out(wo_id, actor, at).id)

    def log_time(self, wo_id: int, start: datetime, end: datetime) -> int:
        """Add a closed time log (no webhook, as in Field Nation); returns its id."""
        actor = self._provider_for(wo_id)
        payload = {"in": {"created": utc_obj(start)}, "out": {"created": utc_obj(end)}}
        return self._run(lambda: self.state.create_time_log(wo_id, payload, actor).id)

    def edit_time_log(self, wo_id: int, time_log_id: int, start: datetime | None = None,
                      end: datetime | None = None) -> None:
        """Change a time log's start and/or end (no webhook)."""
        actor = self._provider_for(wo_id)
        payload: dict[str, Any] = {}
        if start is not None:
            payload["in"] = {"created": utc_obj(start)}
        if end is not None:
            payload["out"] = {"created": utc_obj(end)}
        self._run(lambda: self.state.update_time_log(wo_id, time_log_id, payload, actor))

    def delete_time_log(self, wo_id: int, time_log_id: int) -> None:
        """Delete a time log (no webhook)."""
        actor = self._provider_for(wo_id)
        self._run(lambda: self.state.delete_time_log(wo_id, time_log_id, actor))

    def add_expense(self, wo_id: int, amount: str | int | float, description: str,
                    category_id: int | None = None, quantity: int = 1,
                    receipt: bytes | None = None, receipt_name: str = "receipt.jpg") -> int:
        """Add an expense as the provider (no webhook), optionally with a receipt image;
        returns its id."""
        actor = self._provider_for(wo_id)
        payload: dict[str, Any] = {"amount": str(amount), "description": description,
                                   "quantity": quantity}
        if category_id is not None:
            payload["category"] = {"id": category_id}
        if receipt is not None:
            payload["receipt"] = {"name": receipt_name,
                                  "data": base64.b64encode(receipt).decode()}
        return self._run(lambda: self.state.add_expense(wo_id, payload, actor).id)

    def attach_receipt(self, wo_id: int, expense_id: int, content: bytes,
                       name: str = "receipt.jpg") -> None:
        """Attach (or replace) the receipt of an expense as the provider (no webhook)."""
        actor = self._provider_for(wo_id)
        payload = {"receipt": {"name": name, "data": base64.b64encode(content).decode()}}
        self._run(lambda: self.state.update_expense(wo_id, expense_id, payload, actor))

    def post_message(self, wo_id: int, text: str, internal: bool = False,
                     reply_to: str | None = None) -> str:
        """Post a message; returns its ``msg_id``.

        The provider writes (type FROMTECH) unless ``internal``, which makes the buyer write
        an INTERNAL note. With ``reply_to`` it is a reply in that thread.
        """
        actor = self._buyer() if internal else self._provider_for(wo_id)
        payload = {"message": text, "type": "INTERNAL" if internal else "FROMTECH"}

        def act() -> str:
            if reply_to is not None:
                return self.state.reply_message(wo_id, reply_to, payload, actor).msg_id
            return self.state.post_message(wo_id, payload, actor).msg_id

        return self._run(act)

    def upload_file(self, wo_id: int, name: str, content: bytes, folder: str = "Documents",
                    notes: str | None = None) -> int:
        """Upload as the provider (emits ``workorder.provider_upload``); returns the file id."""
        actor = self._provider_for(wo_id)

        def act() -> int:
            target = self.state.folder_named(self.state.raw_work_order(wo_id), folder)
            return self.state.upload(wo_id, target.id, name, content, actor, notes=notes).id

        return self._run(act)

    def capture_signature(self, wo_id: int, name: str, title: str | None = None,
                          png_bytes: bytes = TINY_PNG) -> int:
        """Capture a signature as the provider (no webhook); returns its id."""
        actor = self._provider_for(wo_id)
        data = "data:image/png;base64," + base64.b64encode(png_bytes).decode()
        payload = {"name": name, "title": title, "signature": data}
        return self._run(lambda: self.state.add_signature(wo_id, payload, actor).id)

    def complete_work(self, wo_id: int) -> None:
        """The provider marks the work done (Assigned -> Work Done)."""
        actor = self._provider_for(wo_id)
        self._run(lambda: self.state.complete(wo_id, actor))
