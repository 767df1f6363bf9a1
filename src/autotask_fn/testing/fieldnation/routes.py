"""The REST v2 routes of the fake: one small function per endpoint.

Each function receives a :class:`Call` (the request, the acting user, the path arguments and
a renderer for that user) and returns a :class:`~autotask_fn.testing._service.FakeResponse`,
or raises :class:`~.problems.FakeApiError`.

Response codes (the docs list 200/201/204 without saying which endpoint uses which): creates
answer 201 with the new object, actions and updates 200 with the object, deleting a
sub-object 204; ``DELETE /workorders/{id}`` (cancel) answers 200 with the work order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from autotask_fn.testing._service import FakeRequest, FakeResponse, json_response
from autotask_fn.testing.contract import contract_rule, contract_value
from autotask_fn.testing.fieldnation import lifecycle as lc
from autotask_fn.testing.fieldnation.lists import resolve_list
from autotask_fn.testing.fieldnation.multipart import parse_multipart
from autotask_fn.testing.fieldnation.problems import bad_request, not_found
from autotask_fn.testing.fieldnation.records import User, WorkOrder
from autotask_fn.testing.fieldnation.render import (
    LIST_SECTIONS,
    Renderer,
    collection,
    columns_arg,
    page_meta,
)
from autotask_fn.testing.fieldnation.state import FieldNationState
from autotask_fn.testing.fieldnation.timefmt import FN_FORMAT, parse_utc_obj

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100


@attrs.frozen
class Call:
    """One authenticated REST call."""

    request: FakeRequest
    actor: User
    args: tuple[str, ...]
    state: FieldNationState
    view: Renderer

    @property
    def wo_id(self) -> int:
        """The work order id in the path."""
        return int(self.args[0])

    def arg(self, index: int) -> int:
        """A numeric path argument."""
        return int(self.args[index])

    def body(self) -> Any:
        """The JSON body (400 when it is not JSON); ``{}`` when empty."""
        if not self.request.body:
            return {}
        try:
            return json.loads(self.request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise bad_request("The request body is not valid JSON.") from None

    def wo(self) -> WorkOrder:
        """The work order in the path, as the actor may see it."""
        return self.state.work_order(self.wo_id, self.actor)


Handler = Callable[[Call], FakeResponse]


def paging(request: FakeRequest) -> tuple[int, int]:
    """``page`` (default 1) and ``per_page`` (default 25, capped at 100)."""
    try:
        page = int(request.param("page") or 1)
        per_page = int(request.param("per_page") or DEFAULT_PER_PAGE)
    except ValueError:
        raise bad_request("'page' and 'per_page' must be integers.") from None
    if page < 1 or per_page < 1:
        raise bad_request("'page' and 'per_page' must be at least 1.")
    return page, min(per_page, MAX_PER_PAGE)


@contract_rule("FN-SUBCOLLECTION-PAGED")
def paged(request: FakeRequest, items: Sequence[Any], actions: Sequence[str] = ()) -> FakeResponse:
    """A sub-collection response honouring ``page``/``per_page`` (25 a page by default), with
    ``metadata {total, per_page, pages, page}``."""
    page, per_page = paging(request)
    return json_response(collection(items, actions, page, per_page))


# -- sub-collection handlers of one shape ------------------------------------------------
Render = Callable[[Renderer, Any], dict[str, Any]]


def _lister(section: str, render: Render, doc: str) -> Handler:
    """A ``GET`` of the work order's ``section`` records, paged, each shown by ``render``."""
    def handler(call: Call) -> FakeResponse:
        rows = getattr(call.wo(), section)
        return paged(call.request, [render(call.view, r) for r in rows], ["add"])
    handler.__doc__ = doc
    return handler


def _adder(action: str, render: Render, doc: str) -> Handler:
    """A ``POST`` of one record: ``state.<action>(wo_id, body, actor)``, answered 201."""
    def handler(call: Call) -> FakeResponse:
        made = getattr(call.state, action)(call.wo_id, call.body(), call.actor)
        return json_response(render(call.view, made), 201)
    handler.__doc__ = doc
    return handler


def _updater(action: str, render: Render, doc: str) -> Handler:
    """A ``PUT`` of record ``{id}``: ``state.<action>(wo_id, id, body, actor)``, answered 200."""
    def handler(call: Call) -> FakeResponse:
        changed = getattr(call.state, action)(call.wo_id, call.arg(1), call.body(), call.actor)
        return json_response(render(call.view, changed))
    handler.__doc__ = doc
    return handler


def _remover(action: str, doc: str) -> Handler:
    """A ``DELETE`` of the record the numeric path arguments name, answered 204."""
    def handler(call: Call) -> FakeResponse:
        ids = [call.arg(i) for i in range(1, len(call.args))]
        getattr(call.state, action)(call.wo_id, *ids, call.actor)
        return FakeResponse(status=204)
    handler.__doc__ = doc
    return handler


# -- work orders -----------------------------------------------------------------------
#: Supported ``f_`` filters; anything else is refused (stricter than the silent docs).
#: ``f_created`` is a lower bound "YYYY-MM-DD" or "YYYY-MM-DD HH:mm:ss" (format unconfirmed).
#: ``f_incident_id`` is documented nowhere, so it is refused like any unknown filter.
FILTERS = contract_value("FN-WO-FILTER-INCIDENT", (
    "f_status", "f_project", "f_template", "f_assignee", "f_created"),
    name=__name__ + ".FILTERS")
SORTS = {"id": lambda w: w.id, "created": lambda w: w.created, "updated": lambda w: w.updated,
         "title": lambda w: w.title.lower()}


def _matches(wo: WorkOrder, filters: dict[str, str]) -> bool:
    def ints(raw: str) -> set[int]:
        try:
            return {int(x) for x in raw.split(",") if x.strip()}
        except ValueError:
            raise bad_request("Filter values must be comma-separated integers.") from None

    checks: dict[str, Callable[[str], bool]] = {
        "f_status": lambda v: lc.status_id(wo.status) in ints(v),
        "f_project": lambda v: wo.project_id in ints(v),
        "f_template": lambda v: wo.template_id in ints(v),
        "f_assignee": lambda v: wo.assignee_id in ints(v),
        "f_created": lambda v: wo.created >= _since(v),
    }
    return all(checks[name](value) for name, value in filters.items())


def _since(raw: str) -> datetime:
    for form in (FN_FORMAT, "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, form).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise bad_request("'f_created' must be 'YYYY-MM-DD' or 'YYYY-MM-DD HH:mm:ss'.")


@contract_rule("FN-WO-LIST-PAGED")
def list_work_orders(call: Call) -> FakeResponse:
    """``GET /workorders`` with paging, ``list``/``sticky``, ``f_`` filters and
    ``sort_by``/``sort_direction``."""
    request = call.request
    statuses = resolve_list(call.state.sticky_lists, call.actor.id, request.param("list"),
                            request.param("sticky"))
    filters = {k: v[0] for k, v in request.query.items() if k.startswith("f_")}
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise bad_request("Unknown filters: " + ", ".join(unknown) + ".")
    sort_by = request.param("sort_by") or "id"
    direction = (request.param("sort_direction") or "asc").lower()
    if sort_by not in SORTS or direction not in {"asc", "desc"}:
        raise bad_request("'sort_by' must be one of id, created, updated, title and "
                          "'sort_direction' asc or desc.")
    page, per_page = paging(request)
    sections = columns_arg(request.param("columns")) or LIST_SECTIONS
    visible = [w for w in call.state.work_orders.values()
               if call.actor.role == "buyer" or call.state.involves(w, call.actor)]
    rows = sorted((w for w in visible if w.status in statuses and _matches(w, filters)),
                  key=SORTS[sort_by],
                  reverse=direction == "desc")
    window = rows[(page - 1) * per_page: page * per_page]
    return json_response({"metadata": page_meta(len(rows), page, per_page),
                          "results": [call.view.work_order(w, sections) for w in window]})


def _wo_response(call: Call, wo: WorkOrder, status: int = 200) -> FakeResponse:
    return json_response(call.view.work_order(wo), status)


def get_work_order(call: Call) -> FakeResponse:
    """``GET /workorders/{id}`` (``columns`` limits the sections)."""
    sections = columns_arg(call.request.param("columns"))
    return json_response(call.view.work_order(call.wo(), sections))


def create_work_order(call: Call) -> FakeResponse:
    """``POST /workorders``."""
    return _wo_response(call, call.state.create_work_order(call.body(), call.actor), 201)


def update_work_order(call: Call) -> FakeResponse:
    """``PUT /workorders/{id}``."""
    return _wo_response(call, call.state.update_work_order(call.wo_id, call.body(), call.actor))


def _reason(call: Call, name: str) -> str | None:
    value = call.request.param(name)
    if value is None and call.request.body:
        body = call.body()
        value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def cancel_work_order(call: Call) -> FakeResponse:
    """``DELETE /workorders/{id}`` with ``cancel_reason`` (query or body)."""
    wo = call.state.cancel(call.wo_id, _reason(call, "cancel_reason"), call.actor)
    return _wo_response(call, wo)


def publish(call: Call) -> FakeResponse:
    """``POST /workorders/{id}/publish``."""
    return _wo_response(call, call.state.publish(call.wo_id, call.actor))


def unpublish(call: Call) -> FakeResponse:
    """``DELETE /workorders/{id}/publish``."""
    return _wo_response(call, call.state.unpublish(call.wo_id, call.actor))


def _user_ref(call: Call, *keys: str) -> int:
    body = call.body()
    for key in keys:
        ref = body.get(key) if isinstance(body, dict) else None
        if isinstance(ref, dict) and isinstance(ref.get("id"), int):
            return int(ref["id"])
    raise bad_request("The body must name a provider as " +
                      " or ".join(f"{{{k}: {{id}}}}" for k in keys) + ".")


def route(call: Call) -> FakeResponse:
    """``POST /workorders/{id}/route`` ``{technician:{id}}`` or ``{user:{id}}``."""
    provider_id = _user_ref(call, "technician", "user")
    return _wo_response(call, call.state.route(call.wo_id, provider_id, call.actor))


def assign(call: Call) -> FakeResponse:
    """``POST /workorders/{id}/assignee`` ``{user:{id}}``."""
    provider_id = _user_ref(call, "user")
    return _wo_response(call, call.state.assign(call.wo_id, provider_id, call.actor))


def approve(call: Call) -> FakeResponse:
    """``POST /workorders/{id}/approve``."""
    return _wo_response(call, call.state.approve(call.wo_id, call.actor))


def job_status(call: Call) -> FakeResponse:
    """``PUT /workorders/{id}/job-status`` ``{status: complete|incomplete}``."""
    return _wo_response(call, call.state.set_job_status(call.wo_id, call.body(), call.actor))


def mark_incomplete(call: Call) -> FakeResponse:
    """``DELETE /workorders/{id}/complete`` (a ``reason`` is required)."""
    wo = call.state.mark_incomplete(call.wo_id, _reason(call, "reason"), call.actor)
    return _wo_response(call, wo)


def get_schedule(call: Call) -> FakeResponse:
    """``GET /workorders/{id}/schedule``."""
    return json_response(call.view.work_order(call.wo(), ["schedule"])["schedule"])


def put_schedule(call: Call) -> FakeResponse:
    """``PUT /workorders/{id}/schedule``."""
    wo = call.state.update_schedule(call.wo_id, call.body(), call.actor)
    return json_response(call.view.work_order(wo, ["schedule"])["schedule"])


def get_location(call: Call) -> FakeResponse:
    """``GET /workorders/{id}/location``."""
    return json_response(call.view.work_order(call.wo(), ["location"])["location"])


def put_location(call: Call) -> FakeResponse:
    """``PUT /workorders/{id}/location``."""
    wo = call.state.update_location(call.wo_id, call.body(), call.actor)
    return json_response(call.view.work_order(wo, ["location"])["location"])


# -- custom fields and contacts ----------------------------------------------------------
def list_wo_custom_fields(call: Call) -> FakeResponse:
    """``GET /workorders/{id}/custom_fields``."""
    wo = call.wo()
    return paged(call.request, call.view.custom_field_sections(wo), ["edit"])


def get_wo_custom_field(call: Call) -> FakeResponse:
    """``GET /workorders/{id}/custom_fields/{cf_id}``."""
    wo = call.wo()
    if call.arg(1) not in call.state.custom_field_defs:
        raise not_found(f"Custom field {call.arg(1)}")
    return json_response(call.view.custom_field(wo, call.arg(1)))


def put_wo_custom_field(call: Call) -> FakeResponse:
    """``PUT /workorders/{id}/custom_fields/{cf_id}`` ``{value}``."""
    body = call.body()
    if not isinstance(body, dict) or "value" not in body:
        raise bad_request("'value' is required.")
    wo = call.state.set_custom_field(call.wo_id, call.arg(1), body["value"], call.actor)
    return json_response(call.view.custom_field(wo, call.arg(1)))


list_contacts = _lister("contacts", Renderer.contact, "``GET /workorders/{id}/contacts``.")
add_contact = _adder("add_contact", Renderer.contact, "``POST /workorders/{id}/contacts``.")


# -- time logs, expenses, messages -------------------------------------------------------
list_time_logs = _lister("time_logs", Renderer.time_log, "``GET /workorders/{id}/time_logs``.")
add_time_log = _adder("create_time_log", Renderer.time_log,
                      "``POST /workorders/{id}/time_logs``.")
put_time_log = _updater("update_time_log", Renderer.time_log,
                        "``PUT /workorders/{id}/time_logs/{time_log_id}``.")
delete_time_log = _remover("delete_time_log",
                           "``DELETE /workorders/{id}/time_logs/{time_log_id}``.")


def check_in(call: Call) -> FakeResponse:
    """``POST /workorders/{id}/check_in`` (optional ``created: {utc}`` in the body)."""
    at = _when(call)
    return json_response(call.view.time_log(call.state.check_in(call.wo_id, call.actor, at)))


def check_out(call: Call) -> FakeResponse:
    """``POST /workorders/{id}/check_out`` (optional ``created: {utc}`` in the body)."""
    at = _when(call)
    return json_response(call.view.time_log(call.state.check_out(call.wo_id, call.actor, at)))


def _when(call: Call) -> datetime | None:
    body = call.body()
    if isinstance(body, dict) and "created" in body:
        return parse_utc_obj(body["created"], "created")
    return None


list_expenses = _lister("expenses", Renderer.expense, "``GET /workorders/{id}/expenses``.")
add_expense = _adder("add_expense", Renderer.expense, "``POST /workorders/{id}/expenses``.")
put_expense = _updater("update_expense", Renderer.expense,
                       "``PUT /workorders/{id}/expenses/{expense_id}``.")


@contract_rule("FN-MESSAGES-PAGED")
def list_messages(call: Call) -> FakeResponse:
    """``GET /workorders/{id}/messages`` (providers do not see internal ones)."""
    messages = call.state.visible_messages(call.wo_id, call.actor)
    return paged(call.request, [call.view.message(m) for m in messages], ["add"])


add_message = _adder("post_message", Renderer.message, "``POST /workorders/{id}/messages``.")


def reply_message(call: Call) -> FakeResponse:
    """``POST /workorders/{id}/messages/{msg_id}``."""
    reply = call.state.reply_message(call.wo_id, call.args[1], call.body(), call.actor)
    return json_response(call.view.message(reply), 201)


# -- attachments and signatures ----------------------------------------------------------
def list_folders(call: Call) -> FakeResponse:
    """``GET /workorders/{id}/attachments``: folders with their files."""
    return json_response(call.view.work_order(call.wo(), ["attachments"])["attachments"])


def add_folder(call: Call) -> FakeResponse:
    """``POST /workorders/{id}/attachments`` ``{name}``."""
    folder = call.state.create_folder(call.wo_id, call.body(), call.actor)
    return json_response(call.view.folder(call.wo(), folder), 201)


def upload(call: Call) -> FakeResponse:
    """``POST /workorders/{id}/attachments/{folder_id}``: multipart ``file`` (+ ``notes``)."""
    fields = parse_multipart(call.request.header("content-type"), call.request.body)
    if "file" not in fields:
        raise bad_request("The multipart field 'file' is required.")
    filename, content = fields["file"]
    notes = fields.get("notes", (None, None))[1]
    stored = call.state.upload(call.wo_id, call.arg(1), filename or "", content, call.actor,
                               notes=notes.decode("utf-8") if notes is not None else None)
    return json_response(call.view.file(stored), 201)


delete_folder = _remover("delete_folder", "``DELETE /workorders/{id}/attachments/{folder_id}``.")


def put_file(call: Call) -> FakeResponse:
    """``PUT /workorders/{id}/attachments/{folder_id}/{attachment_id}``."""
    stored = call.state.update_file(call.wo_id, call.arg(1), call.arg(2), call.body(),
                                    call.actor)
    return json_response(call.view.file(stored))


delete_file = _remover("delete_file",
                       "``DELETE /workorders/{id}/attachments/{folder_id}/{attachment_id}``.")
list_signatures = _lister("signatures", Renderer.signature,
                          "``GET /workorders/{id}/signatures``.")
add_signature = _adder("add_signature", Renderer.signature,
                       "``POST /workorders/{id}/signatures``.")
delete_signature = _remover("delete_signature",
                            "``DELETE /workorders/{id}/signatures/{signature_id}``.")


# -- company lookups ---------------------------------------------------------------------
def _lookup(call: Call, rows: list[dict[str, Any]]) -> FakeResponse:
    page, per_page = paging(call.request)
    window = rows[(page - 1) * per_page: page * per_page]
    return json_response({"metadata": page_meta(len(rows), page, per_page), "results": window})


def types_of_work(call: Call) -> FakeResponse:
    """``GET /types-of-work``."""
    return _lookup(call, [{"id": i, "name": n} for i, n in call.state.types_of_work.items()])


def templates(call: Call) -> FakeResponse:
    """``GET /templates``."""
    return _lookup(call, [{"id": i, "name": n} for i, n in call.state.templates.items()])


def projects(call: Call) -> FakeResponse:
    """``GET /projects``."""
    return _lookup(call, [{"id": i, "name": n} for i, n in call.state.projects.items()])


def company_custom_fields(call: Call) -> FakeResponse:
    """``GET /custom-fields``: the company's custom field definitions."""
    return _lookup(call, [{"id": i, **d} for i, d in call.state.custom_field_defs.items()])


def expense_categories(call: Call) -> FakeResponse:
    """``GET /company/{company_id}/expenses``: the company's expense categories."""
    if call.arg(0) != call.state.seed.company_id:
        raise not_found(f"Company {call.arg(0)}")
    rows = [{"id": i, "label": label, "type": kind, "description": label,
             "api_code": label.upper()}
            for i, (label, kind) in call.state.expense_categories.items()]
    return _lookup(call, rows)


_W = r"/workorders/(\d+)"
#: (method, path regex under /api/rest/v2, handler)
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (m, re.compile(p + r"/?\Z"), h) for m, p, h in [
        ("GET", r"/workorders", list_work_orders),
        ("POST", r"/workorders", create_work_order),
        ("GET", _W, get_work_order),
        ("PUT", _W, update_work_order),
        ("DELETE", _W, cancel_work_order),
        ("POST", _W + "/publish", publish),
        ("DELETE", _W + "/publish", unpublish),
        ("POST", _W + "/route", route),
        ("POST", _W + "/assignee", assign),
        ("POST", _W + "/approve", approve),
        ("PUT", _W + "/job-status", job_status),
        ("DELETE", _W + "/complete", mark_incomplete),
        ("GET", _W + "/schedule", get_schedule),
        ("PUT", _W + "/schedule", put_schedule),
        ("GET", _W + "/location", get_location),
        ("PUT", _W + "/location", put_location),
        ("GET", _W + "/custom_fields", list_wo_custom_fields),
        ("GET", _W + r"/custom_fields/(\d+)", get_wo_custom_field),
        ("PUT", _W + r"/custom_fields/(\d+)", put_wo_custom_field),
        ("GET", _W + "/contacts", list_contacts),
        ("POST", _W + "/contacts", add_contact),
        ("GET", _W + "/time_logs", list_time_logs),
        ("POST", _W + "/time_logs", add_time_log),
        ("PUT", _W + r"/time_logs/(\d+)", put_time_log),
        ("DELETE", _W + r"/time_logs/(\d+)", delete_time_log),
        ("POST", _W + "/check_in", check_in),
        ("POST", _W + "/check_out", check_out),
        ("GET", _W + "/expenses", list_expenses),
        ("POST", _W + "/expenses", add_expense),
        ("PUT", _W + r"/expenses/(\d+)", put_expense),
        ("GET", _W + "/messages", list_messages),
        ("POST", _W + "/messages", add_message),
        ("POST", _W + r"/messages/([\w-]+)", reply_message),
        ("GET", _W + "/attachments", list_folders),
        ("POST", _W + "/attachments", add_folder),
        ("POST", _W + r"/attachments/(\d+)", upload),
        ("DELETE", _W + r"/attachments/(\d+)", delete_folder),
        ("PUT", _W + r"/attachments/(\d+)/(\d+)", put_file),
        ("DELETE", _W + r"/attachments/(\d+)/(\d+)", delete_file),
        ("GET", _W + "/signatures", list_signatures),
        ("POST", _W + "/signatures", add_signature),
        ("DELETE", _W + r"/signatures/(\d+)", delete_signature),
        ("GET", r"/types-of-work", types_of_work),
        ("GET", r"/templates", templates),
        ("GET", r"/projects", projects),
        ("GET", r"/custom-fields", company_custom_fields),
        ("GET", r"/company/(\d+)/expenses", expense_categories),
    ]
]
