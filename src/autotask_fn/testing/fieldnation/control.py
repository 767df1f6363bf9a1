"""The control API of ``FakeFieldNation``: act as the provider or the buyer over HTTP.

Each route calls the matching test helper of :class:`~.provider.TestHelpers` (the same domain
operation as the REST endpoint, with its checks, refusals and webhooks). Bodies and answers
are JSON; binary content (a receipt, a file) travels as base64.

=======  ======================================  =============================================
Method   Path (after ``/_fake``)                 Body → answer
=======  ======================================  =============================================
GET      ``/seed``                               → the seeded ids
GET      ``/work-orders``                        → ``[{id, title, status}]``
POST     ``/work-orders``                        fields (``title`` ...) → ``{id}``
GET      ``/work-orders/{id}``                   → the work order as the API user reads it
POST     ``/work-orders/{id}/assign``            ``{provider_id?}`` (publishes a draft first)
POST     ``/work-orders/{id}/confirm``           the provider confirms
POST     ``/work-orders/{id}/on-my-way``         the provider is on the way
POST     ``/work-orders/{id}/check-in``          ``{at?}`` → ``{time_log_id}``
POST     ``/work-orders/{id}/check-out``         ``{at?}`` → ``{time_log_id}``
POST     ``/work-orders/{id}/messages``          ``{text, internal?}`` → ``{msg_id}``
POST     ``/work-orders/{id}/expenses``          ``{amount, description, category_id?,
                                                 quantity?, receipt?, receipt_name?}`` → ``{id}``
POST     ``/work-orders/{id}/files``             ``{name, content, folder?, notes?}`` → ``{id}``
POST     ``/work-orders/{id}/signatures``        ``{name, title?}`` → ``{id}``
POST     ``/work-orders/{id}/complete``          the provider marks the work done
POST     ``/work-orders/{id}/approve``           the buyer approves
POST     ``/webhooks``                           ``{url, events?, secret?}`` → ``{id}``
=======  ======================================  =============================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from autotask_fn.testing._control import ControlCall, ControlError, ControlRoute
from autotask_fn.testing.fieldnation import lifecycle as lc
from autotask_fn.testing.fieldnation.webhooks import KNOWN_EVENTS

if TYPE_CHECKING:
    from autotask_fn.testing.fieldnation.app import FakeFieldNation

_WO = r"/work-orders/(\d+)"


def control_routes(fake: FakeFieldNation) -> list[ControlRoute]:
    """The provider and buyer routes of ``fake``."""

    def seed(call: ControlCall) -> Any:
        return attrs.asdict(fake.seed, filter=lambda a, _: "password" not in a.name)

    def list_work_orders(call: ControlCall) -> Any:
        with fake._lock:
            return [{"id": wo.id, "title": wo.title, "status": lc.STATUSES[wo.status][1]}
                    for wo in fake.state.work_orders.values()]

    def create(call: ControlCall) -> Any:
        return {"id": fake.create_work_order(**dict(call.body))}

    def get(call: ControlCall) -> Any:
        return fake.work_order(call.id())

    def assign(call: ControlCall) -> Any:
        fake.assign(call.id(), call.integer("provider_id"))

    def confirm(call: ControlCall) -> Any:
        fake.confirm(call.id())

    def on_my_way(call: ControlCall) -> Any:
        fake.on_my_way(call.id())

    def check_in(call: ControlCall) -> Any:
        return {"time_log_id": fake.check_in(call.id(), call.instant("at"))}

    def check_out(call: ControlCall) -> Any:
        return {"time_log_id": fake.check_out(call.id(), call.instant("at"))}

    def message(call: ControlCall) -> Any:
        text = call.text("text", required=True)
        assert text is not None
        return {"msg_id": fake.post_message(call.id(), text, internal=call.flag("internal"))}

    def expense(call: ControlCall) -> Any:
        amount = call.body.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, str | int | float):
            raise ControlError(400, "'amount' is required (a decimal string like \"42.50\")")
        description = call.text("description", required=True)
        assert description is not None
        receipt = call.content("receipt") if "receipt" in call.body else None
        return {"id": fake.add_expense(
            call.id(), amount, description, category_id=call.integer("category_id"),
            quantity=call.integer("quantity") or 1, receipt=receipt,
            receipt_name=call.text("receipt_name", "receipt.jpg") or "receipt.jpg")}

    def upload(call: ControlCall) -> Any:
        name = call.text("name", required=True)
        assert name is not None
        return {"id": fake.upload_file(call.id(), name, call.content("content"),
                                       folder=call.text("folder", "Documents") or "Documents",
                                       notes=call.text("notes"))}

    def signature(call: ControlCall) -> Any:
        name = call.text("name", required=True)
        assert name is not None
        return {"id": fake.capture_signature(call.id(), name, call.text("title"))}

    def complete(call: ControlCall) -> Any:
        fake.complete_work(call.id())

    def approve(call: ControlCall) -> Any:
        fake.approve(call.id())

    def webhook(call: ControlCall) -> Any:
        url = call.text("url", required=True)
        assert url is not None
        events = call.body.get("events", sorted(KNOWN_EVENTS))
        if not isinstance(events, list):
            raise ControlError(400, "'events' must be a list of event names")
        return {"id": fake.register_webhook(url, events, call.text("secret"))}

    return [
        ControlRoute("GET", r"/seed", seed, "the seeded ids"),
        ControlRoute("GET", r"/work-orders", list_work_orders, "every work order"),
        ControlRoute("POST", r"/work-orders", create, "create a draft as the buyer: {title, ...}"),
        ControlRoute("GET", _WO, get, "a work order as the API user reads it"),
        ControlRoute("POST", _WO + "/assign", assign, "assign a provider: {provider_id?}"),
        ControlRoute("POST", _WO + "/confirm", confirm, "the provider confirms"),
        ControlRoute("POST", _WO + "/on-my-way", on_my_way, "the provider is on the way"),
        ControlRoute("POST", _WO + "/check-in", check_in, "the provider checks in: {at?}"),
        ControlRoute("POST", _WO + "/check-out", check_out, "the provider checks out: {at?}"),
        ControlRoute("POST", _WO + "/messages", message,
                     "post a message: {text, internal?}"),
        ControlRoute("POST", _WO + "/expenses", expense,
                     "add an expense: {amount, description, category_id?, quantity?, "
                     "receipt? (base64), receipt_name?}"),
        ControlRoute("POST", _WO + "/files", upload,
                     "upload a file: {name, content (base64), folder?, notes?}"),
        ControlRoute("POST", _WO + "/signatures", signature,
                     "capture a signature: {name, title?}"),
        ControlRoute("POST", _WO + "/complete", complete, "the provider marks the work done"),
        ControlRoute("POST", _WO + "/approve", approve, "the buyer approves the work"),
        ControlRoute("POST", r"/webhooks", webhook,
                     "register a webhook as a company admin: {url, events?, secret?}"),
    ]
