"""``FakeAutotask``: the WSGI application, request routing and the test helpers."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import attrs
import httpx

from autotask_fn._redact import REDACTED
from autotask_fn.testing._service import (
    FakeRequest,
    FakeResponse,
    FakeService,
    StartResponse,
    WSGIEnviron,
    _request_from_environ,
    json_response,
)
from autotask_fn.testing.autotask import metadata, rules
from autotask_fn.testing.autotask.clock import FakeClock
from autotask_fn.testing.autotask.errors import ApiError, validation
from autotask_fn.testing.autotask.limits import (
    HOURLY_LIMIT_TEXT,
    THREAD_LIMIT_TEXT,
    SlidingWindow,
    ThreadGate,
)
from autotask_fn.testing.autotask.picklists import (
    REPORT_OPEN_LABELS,
    PicklistValue,
    UdfDef,
    value_of,
)
from autotask_fn.testing.autotask.query import (
    MAX_PAGE,
    Condition,
    Query,
    matches,
    parse_query,
    project,
)
from autotask_fn.testing.autotask.routes import Route, resolve, split_path
from autotask_fn.testing.autotask.schema import EntitySpec, ticket_field_id
from autotask_fn.testing.autotask.tenant import Seed, Tenant, TenantOptions
from autotask_fn.testing.autotask.webhooks import Callout, Dispatcher
from autotask_fn.testing.contract import contract_rule, contract_value

if TYPE_CHECKING:
    from autotask_fn.autotask import AutotaskClient
    from autotask_fn.testing._control import ControlRoute
    from autotask_fn.testing.autotask.delivery import AutotaskMailer

_SECRET_BODY = re.compile(rb'(?i)("secretkey"\s*:\s*)"(?:[^"\\]|\\.)*"')
ZONE_FAILED = contract_value("AT-ZONE-ANSWER", "Zone information could not be determined",
                             name="app.ZONE_FAILED")
#: The refusal texts of a login (HTTP 500 for the first two, 401 for the secret). Only the
#: integration-code text is reported by a public client (py-autotask matches it); the others
#: are this fake's wording (unconfirmed).
UNKNOWN_USER_TEXT = "The UserName is not valid or is not an API user."
BAD_CODE_TEXT = "IntegrationCode is invalid."
BAD_SECRET_TEXT = "Authentication failed: the user name or secret is not valid."  # noqa: S105
#: The refusal of an action the API user's security level does not grant (text unconfirmed).
PERMISSION_TEXT = "The API user's security level does not allow {action} on {entity}."
_ACTIONS = {"get": "query", "child_get": "query", "query": "query", "count": "query",
            "child_list": "query", "create": "create", "put": "update", "patch": "update",
            "delete": "delete"}
#: Status of a thread-limit refusal. The reference gives the text and code (Itgenatr005) and
#: says it can arrive with a non-429 status; the fake answers 429.
THREAD_LIMIT_STATUS = 429
_HIDDEN = {"TicketWebhooks": ("secretKey",)}  # never rendered (the fake's choice: stricter)


class FakeAutotask(FakeService):
    """A stateful in-memory Autotask PSA tenant, served as a WSGI application.

    ``FakeAutotask()`` is a ready tenant: the API user :attr:`USERNAME` / :attr:`SECRET` with
    integration code :attr:`INTEGRATION_CODE`, zone discovery at :attr:`zone_url`, seeded
    company/location/contact, resources, roles, billing codes, picklists and Ticket UDFs
    (ids in :attr:`seed`). Use it with ``httpx.WSGITransport(app=fake)`` or
    :func:`autotask_fn.testing.serve`.

    Ticket webhook callouts collect in an outbox (:meth:`take_callouts`); served, the fake
    POSTs them to the webhook URLs with Autotask's retry schedule (:meth:`start_delivery`,
    :meth:`flush_deliveries`, :attr:`dropped_callouts`). The control API under ``/_fake``
    acts as a person in the UI (see :mod:`.control`).
    """

    USERNAME = Tenant.USERNAME
    SECRET = "secret"  # noqa: S105 - the fake tenant's documented test credential
    INTEGRATION_CODE = "FAKE-INTEGRATION-CODE"
    CI = 9990001
    base_url = "https://fake-autotask.test/ATServicesRest/"
    zone_url = "https://fake-autotask.test/atservicesrest/"
    default_fault_body = contract_value("AT-SERVER-ERROR-TEXT", {
        "errors": ["An unexpected error has occurred. Please try again later."]})

    def __init__(
        self,
        *,
        latency: float = 0.0,
        clock: FakeClock | None = None,
        options: TenantOptions | None = None,
        username: str | None = None,
        ci: int | None = None,
        **option_overrides: Any,
    ) -> None:
        super().__init__(latency=latency)
        self.clock = clock or FakeClock()
        self.options = options or TenantOptions()
        self.set_tenant_option(**option_overrides)
        if username is not None:
            self.USERNAME = username  # another API user (and tenant) on the same zone
        self._tenant = Tenant(self.clock, self.options, self.USERNAME)
        self._gate = ThreadGate()
        self._hourly = SlidingWindow(3600)
        self._webhooks = Dispatcher()
        self._dropped: list[Callout] = []
        self._via_api = False  # set while an API request is handled (under the lock)
        self.ci = self.CI if ci is None else ci

    def __repr__(self) -> str:
        return f"FakeAutotask(base_url={self.base_url!r}, ci={self.ci})"

    # -- seeded data and state helpers -----------------------------------------------
    @property
    def seed(self) -> Seed:
        """Ids of the seeded records (company, location, contact, resources, roles, ...)."""
        return self._tenant.seed

    @property
    def api_resource_id(self) -> int:
        """The resource behind the API user (the ``PersonID`` of API-made changes)."""
        return self._tenant.seed.api_resource_id

    def set_tenant_option(self, **options: Any) -> None:
        """Change tenant settings, e.g. ``allow_role_override=True``, ``thread_limit=5``."""
        for name, value in options.items():
            if not hasattr(self.options, name):
                raise TypeError(f"unknown tenant option {name!r}")
            setattr(self.options, name, value)
            if name == "attachment_window_seconds" and hasattr(self, "_tenant"):
                self._tenant.attachment_window.seconds = value

    def records(self, entity: str) -> list[dict[str, Any]]:
        """Copies of every stored record of ``entity`` (root name), ordered by id."""
        with self._lock:
            return copy.deepcopy(self._tenant.all(entity))

    def record(self, entity: str, record_id: int) -> dict[str, Any] | None:
        """A copy of one stored record, or ``None``."""
        with self._lock:
            return self._tenant.copy_of(entity, record_id)

    def insert(self, entity: str, fields: dict[str, Any]) -> int:
        """Store a record without business rules (for seeding tests); returns its id."""
        with self._lock:
            return self._tenant.insert(entity, fields)

    def deny(self, entity: str, *actions: str) -> None:
        """Take ``actions`` (query/create/update/delete) on ``entity`` away from the API user's
        security level: ``entityInformation`` shows ``"None"`` and the requests answer 403."""
        with self._lock:
            name = self._tenant.spec(entity).name
            self._tenant.denied.update((name, a) for a in actions)

    def grant(self, entity: str, *actions: str) -> None:
        """Give back actions taken with :meth:`deny`."""
        with self._lock:
            name = self._tenant.spec(entity).name
            self._tenant.denied.difference_update((name, a) for a in actions)

    def add_udf(self, entity: str, name: str, *, label: str | None = None,
                length: int = 100) -> None:
        """Define a text user-defined field on ``entity`` in this tenant only."""
        with self._lock:
            spec = self._tenant.spec(entity)
            udf = UdfDef(name, label or name, 1, length=length)
            self._tenant.extra_udfs[spec.name] = (*self._tenant.extra_udfs.get(spec.name, ()),
                                                  udf)
            for record in self._tenant.all(spec.name):
                record["userDefinedFields"] = [*(record.get("userDefinedFields") or ()),
                                               {"name": name, "value": None}]

    def set_picklist(self, entity: str, field: str, values: dict[int, str]) -> None:
        """Give this tenant its own values for a picklist field (``{value: label}``)."""
        with self._lock:
            spec = self._tenant.spec(entity)
            self._tenant.own_picklists[(spec.name, field)] = tuple(
                PicklistValue(str(v), label, sort_order=i)
                for i, (v, label) in enumerate(values.items())
            )

    def grant_role(self, resource_id: int, role_id: int) -> None:
        """Let ``resource_id`` work in ``role_id`` (the tenant's resource/role pairs)."""
        with self._lock:
            self._tenant.resource_roles.setdefault(resource_id, set()).add(role_id)

    def approve_time_entry(self, entry_id: int, approver_id: int | None = None) -> None:
        """Approve a time entry for billing, which locks it against API edits."""
        self._set_fields("TimeEntries", entry_id, billingApprovalDateTime=self._tenant.now(),
                         billingApprovalResourceID=approver_id or self.seed.ui_resource_id,
                         billingApprovalLevelMostRecent=1)

    def bill_charge(self, charge_id: int) -> None:
        """Mark a ticket charge billed (posted to an invoice), which locks it."""
        self._set_fields("TicketCharges", charge_id, isBilled=True)

    def submit_expense_report(self, report_id: int) -> None:
        """Submit an expense report as its owner would, locking it and its items."""
        self._set_fields("ExpenseReports", report_id, submit=True,
                         status=value_of("ExpenseReports", "status", "Awaiting Approval"),
                         submitDate=self._tenant.now())

    def set_expense_report_status(self, report_id: int, label: str) -> None:
        """Move an expense report to the status labelled ``label`` (an approver's action in
        the UI, e.g. ``"Rejected"`` or ``"Approved for Payment"``). A report moved back to
        an open status (In Progress, Rejected) is unsubmitted, so its owner can submit again."""
        fields: dict[str, Any] = {"status": value_of("ExpenseReports", "status", label)}
        if label in REPORT_OPEN_LABELS:
            fields["submit"] = False
        self._set_fields("ExpenseReports", report_id, **fields)

    def _set_fields(self, entity: str, record_id: int, **fields: Any) -> None:
        with self._lock:
            record = self._tenant.get(entity, record_id)
            if record is None:
                raise KeyError(f"{entity} {record_id} does not exist")
            record.update(fields)

    def attachment_bytes_used(self) -> int:
        """Attachment bytes uploaded within the current 5-minute window (fake clock)."""
        return self._tenant.attachment_window.total(self.clock.time())

    def requests_this_hour(self) -> int:
        """Requests counted against the hourly threshold in the rolling 60 minutes."""
        return self._hourly.total(self.clock.time())

    def peak_threads(self, endpoint: str) -> int:
        """The most requests ever in flight at once on ``endpoint`` (an entity name)."""
        return self._gate.peak(endpoint)

    def webhook_field_id(self, field: str) -> int:
        """The ``fieldID`` to subscribe a ticket webhook to a Ticket field (e.g. ``status``)."""
        return ticket_field_id(field)

    def take_callouts(self) -> list[Callout]:
        """Return and forget the webhook callouts queued so far, oldest first."""
        with self._lock:
            out, self._webhooks.outbox = self._webhooks.outbox, []
            return out

    @property
    def dropped_callouts(self) -> list[Callout]:
        """Callouts served delivery gave up on after 5 failed attempts, oldest first (Autotask
        logs them as ``WebhookEventErrorLogs``, which the fake does not model)."""
        with self._lock:
            return list(self._dropped)

    # -- served delivery and the control API -------------------------------------------
    def _mailer(self) -> AutotaskMailer:
        from autotask_fn.testing.autotask.delivery import AutotaskMailer

        mailer = AutotaskMailer(self)
        mailer.dropped = self._dropped
        return mailer

    def _delivery_state(self) -> dict[str, Any]:
        with self._lock:
            return {"dropped": len(self._dropped)}

    def control_routes(self) -> list[ControlRoute]:
        """The shared control routes plus the dispatcher ones (:mod:`.control`)."""
        from autotask_fn.testing.autotask.control import control_routes

        return super().control_routes() + control_routes(self)

    def control_error(self, exc: Exception) -> tuple[int, str] | None:
        """A refused write (:class:`ApiError`) becomes a 400 with Autotask's messages."""
        if isinstance(exc, ApiError):
            return 400, "; ".join(exc.messages)
        return None

    def client(self, **kwargs: Any) -> AutotaskClient:
        """An :class:`~autotask_fn.autotask.AutotaskClient` talking to this fake in process.

        Credentials, zone URL and an ``httpx.WSGITransport`` are filled in, and a
        ``LocalLimiter`` on the fake's clock (so the attachment window and a pause after the
        hourly threshold follow the fake's time); ``kwargs`` go to the client (``limiter=``,
        ``sleep=`` ...).
        """
        from autotask_fn.autotask import AutotaskClient, LocalLimiter

        kwargs.setdefault("limiter", LocalLimiter(clock=self.clock.time))
        kwargs.setdefault("zone_url", self.zone_url)
        kwargs.setdefault("transport", httpx.WSGITransport(app=self))
        return AutotaskClient(self.USERNAME, self.SECRET, self.INTEGRATION_CODE, **kwargs)

    def ui_create_ticket(self, *, person_id: int | None = None, **fields: Any) -> int:
        """Create a ticket as a human user in the Autotask UI would (rules and callouts apply)."""
        with self._lock:
            spec = self._tenant.spec("Tickets")
            made = self._create(spec, fields, None, person_id or self.seed.ui_resource_id)
        self._wake_courier()
        return made

    def ui_update_ticket(
        self, ticket_id: int, *, person_id: int | None = None, **fields: Any
    ) -> None:
        """Change a ticket as a human user in the UI would (rules and callouts apply)."""
        with self._lock:
            spec = self._tenant.spec("Tickets")
            self._update(spec, {**fields, "id": ticket_id}, None,
                         person_id or self.seed.ui_resource_id, replace=False)
        self._wake_courier()

    def ui_attach_file(
        self, ticket_id: int, title: str, content: bytes, *, note_id: int | None = None,
        time_entry_id: int | None = None, file_name: str | None = None,
    ) -> int:
        """Attach a file in the UI to a ticket, or to one of its notes or time entries.

        The attachment of a note or time entry has that record as its parent; a TicketAttachments
        query by ``ticketID`` returns it with the ticket's own (vendor, release 2021.1). Its
        ``parentType`` value is not documented: the fake leaves it null.
        """
        parent = note_id or time_entry_id or ticket_id
        fields: dict[str, Any] = {
            "parentID": parent, "parentType": 4 if parent == ticket_id else None,
            "title": title, "attachmentType": "FILE_ATTACHMENT",
            "fullPath": file_name or f"{title}.bin", "publish": 1,
            "data": base64.b64encode(content).decode("ascii"), "fileSize": len(content),
            "contentType": "application/octet-stream", "attachDate": self._tenant.now(),
            "attachedByResourceID": self.seed.ui_resource_id, "isTaskAttachment": False,
        }
        with self._lock:
            if self._tenant.spec("TicketAttachments").field("ticketID") is not None:
                fields.update(ticketID=ticket_id, ticketNoteID=note_id,
                              timeEntryID=time_entry_id)
            return self._tenant.insert("TicketAttachments", fields)

    # -- WSGI: thread limit around the base class --------------------------------------
    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        endpoint = _endpoint(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", ""))
        if endpoint is None:
            return super().__call__(environ, start_response)
        if not self._gate.enter(endpoint, self.options.thread_limit):
            request = _request_from_environ(environ)
            response = json_response(
                {"errors": [THREAD_LIMIT_TEXT.format(limit=self.options.thread_limit)]},
                THREAD_LIMIT_STATUS,
            )
            self._record(request, response.status)
            data, headers = response.encode()
            start_response(f"{response.status} Too Many Requests", list(headers.items()))
            return [data]
        try:
            return super().__call__(environ, start_response)
        finally:
            self._gate.leave(endpoint)

    def _record(self, request: FakeRequest, status: int) -> None:
        # Webhook secret keys travel in request bodies: keep them out of the request log.
        if _SECRET_BODY.search(request.body):
            request = attrs.evolve(
                request, body=_SECRET_BODY.sub(rb'\1"' + REDACTED.encode() + rb'"', request.body)
            )
        super()._record(request, status)

    # -- request handling --------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        """Serve one request (auth, threshold, routing, then the entity operation)."""
        parts = split_path(request.path)
        resolved = resolve(request.method, parts) if parts is not None else "404"
        if resolved == "404":
            return _errors(404, "The requested resource was not found.")
        if not isinstance(resolved, str) and resolved[0].action == "zone":
            return self._zone(request)
        refusal = self._authentication_error(request)
        if refusal:
            return _errors(*refusal)
        with self._lock:
            now = self.clock.time()
            if self._hourly.total(now) >= self.options.hourly_threshold:
                return self._hourly_refusal()
            self._hourly.add(now)
            if isinstance(resolved, str):
                return method_not_allowed(request.method)
            route, params = resolved
            self._via_api = True
            try:
                actor = self._actor(request)
                return self._dispatch(route, params, request, actor)
            except ApiError as exc:
                return _errors(exc.status, *exc.messages)
            finally:
                self._via_api = False

    @contract_rule("AT-HOURLY-THRESHOLD", "AT-HOURLY-THRESHOLD-ANSWER")
    def _hourly_refusal(self) -> FakeResponse:
        """The whole tenant is refused once the rolling 60 minutes hold ``hourly_threshold``
        requests (refusals are not counted); no Retry-After (none is documented)."""
        text = self.options.hourly_limit_text or HOURLY_LIMIT_TEXT
        return _errors(self.options.hourly_limit_status,
                       text.format(limit=self.options.hourly_threshold))

    @contract_rule("AT-AUTH-UNKNOWN-USER", "AT-AUTH-BAD-CODE", "AT-AUTH-BAD-SECRET")
    def _authentication_error(self, request: FakeRequest) -> tuple[int, str] | None:
        """The status and text refusing the credentials (never echoing them), or ``None``.

        An unknown user name and a wrong integration code answer 500, only a wrong secret of
        a known user answers 401 (the maintainer of @apigrate/autotask-restapi, its issue 19).
        """

        def same(header: str, expected: str, *, fold: bool = False) -> bool:
            given = request.header(header) or ""
            if fold:
                given, expected = given.casefold(), expected.casefold()
            return hmac.compare_digest(given.encode(), expected.encode())

        if not same("username", self.USERNAME, fold=True):
            return 500, UNKNOWN_USER_TEXT
        if not same("apiintegrationcode", self.INTEGRATION_CODE):
            return 500, BAD_CODE_TEXT
        if not same("secret", self.SECRET):
            return 401, BAD_SECRET_TEXT
        return None

    @contract_rule("AT-PERMISSION-403")
    def _permission_error(self, route: Route) -> ApiError | None:
        """403 when the API user's security level does not grant the route's action."""
        action = _ACTIONS.get(route.action)
        if action is None or route.entity is None or self._tenant.allows(route.entity, action):
            return None
        return ApiError(403, PERMISSION_TEXT.format(action=action, entity=route.entity))

    def _actor(self, request: FakeRequest) -> int:
        raw = request.header("impersonationresourceid")
        if not raw:
            return self.seed.api_resource_id
        resource = self._tenant.get("Resources", int(raw)) if raw.strip().isdigit() else None
        if resource is None or not resource.get("isActive"):
            raise validation("ImpersonationResourceId does not reference an active resource.")
        return int(resource["id"])

    @contract_rule("AT-ZONE-ANSWER")
    def _zone(self, request: FakeRequest) -> FakeResponse:
        user = request.param("user") or ""
        if user.casefold() != self.USERNAME.casefold():
            return _errors(500, ZONE_FAILED)
        host = _origin(request)
        return json_response({
            "zoneName": "Fake Zone", "url": f"{host}/ATServicesRest/", "webUrl": f"{host}/",
            "ci": self.ci,
        })

    def _dispatch(
        self, route: Route, params: dict[str, int], request: FakeRequest, actor: int
    ) -> FakeResponse:
        action = route.action
        if action == "threshold":
            return json_response({
                "externalRequestThreshold": self.options.hourly_threshold,
                "requestThresholdTimeframe": 60,
                "currentTimeframeRequestCount": self._hourly.total(self.clock.time()),
            })
        if action == "version":
            return json_response({"apiVersions": ["1.0"]})
        assert route.entity is not None
        spec = self._tenant.spec(route.entity)
        parent_id = params.get("parentId")
        refused = self._permission_error(route)
        if refused is not None:
            raise refused
        if action in ("get", "child_get"):
            return self._get(spec, params["id"], parent_id)
        if action in ("query", "query_next", "count", "child_list"):
            return self._query(spec, action, request, parent_id)
        if action in ("info", "child_info"):
            return json_response(metadata.entity_information(spec, self._tenant))
        if action in ("fields", "child_fields"):
            return json_response(metadata.field_definitions(spec, self._tenant))
        if action in ("udfs", "child_udfs"):
            return json_response(metadata.udf_definitions(spec, self._tenant))
        if action == "delete":
            return json_response({"itemId": self._delete(spec, params["id"], parent_id)})
        body = _json_body(request)
        if action == "create":
            return json_response({"itemId": self._create(spec, body, parent_id, actor)})
        return json_response(
            {"itemId": self._update(spec, body, parent_id, actor, replace=action == "put")}
        )

    @contract_rule("AT-GET-UNKNOWN-ID")
    def _get(self, spec: EntitySpec, record_id: int, parent_id: int | None) -> FakeResponse:
        """``GET E/{id}``: an id that does not exist answers 200 ``{"item": null}``."""
        record = self._tenant.get(spec.name, record_id)
        if record is not None and parent_id is not None and spec.parent is not None \
                and record.get(spec.parent.field) != parent_id:
            record = None
        return json_response(
            {"item": _render(spec, record, full=True) if record is not None else None}
        )

    # -- queries ---------------------------------------------------------------------
    def _query(
        self, spec: EntitySpec, action: str, request: FakeRequest, parent_id: int | None
    ) -> FakeResponse:
        if action == "child_list":
            assert spec.parent is not None
            assert parent_id is not None
            body: Any = {"filter": [{"op": "eq", "field": spec.parent.field, "value": parent_id}]}
        elif request.method == "GET":
            search = request.param("search")
            if not search:
                raise validation("Invalid query syntax: the search parameter is required.")
            body = _loads(search)
        else:
            body = _json_body(request)
        query = parse_query(spec, self._tenant.udf_defs(spec.name), body)
        if action != "child_list":
            require_object_id(spec, query)
        rows = [r for r in self._tenant.all(spec.name) if matches(query.filter, r)]
        if action == "count":
            return json_response({"queryCount": len(rows)})
        return json_response(self._page(spec, query, body, rows, request))

    @contract_rule("AT-PAGING-SIZE", "AT-QUERY-INCLUDE-ID")
    def _page(
        self, spec: EntitySpec, query: Query, body: Any, rows: list[dict[str, Any]],
        request: FakeRequest,
    ) -> dict[str, Any]:
        if query.include_fields is not None and len(rows) > MAX_PAGE \
                and "id" not in {f.lower() for f in query.include_fields}:
            raise validation("IncludeFields must include id when a query returns more than "
                             "500 records.")
        size = query.max_records or MAX_PAGE
        paging = _loads(request.param("paging") or "{}")
        if not isinstance(paging, dict):
            raise validation("Invalid paging parameter.")
        posted = request.method == "POST"
        if posted and request.path.rstrip("/").lower().endswith("/query/next") and (
                not paging or paging.get("q") != _body_digest(body)):
            raise validation("Invalid paging parameter: the body is not the query's.")
        after, before = paging.get("afterId"), paging.get("beforeId")
        if isinstance(before, int):
            earlier = [r for r in rows if r["id"] < before]
            page = earlier[-size:]
        else:
            start = [r for r in rows if r["id"] > after] if isinstance(after, int) else rows
            page = start[:size]
        more_after = bool(page) and query.max_records is None and rows[-1]["id"] > page[-1]["id"]
        more_before = bool(page) and query.max_records is None and rows[0]["id"] < page[0]["id"]
        def link(key: str, value: int) -> str:
            return page_link(_origin(request), spec.name, body, {key: value}, posted=posted)

        return {
            "items": [project(_render(spec, r, full=False), query.include_fields) for r in page],
            "pageDetails": {
                "count": len(page),
                "requestCount": size,
                "prevPageUrl": link("beforeId", page[0]["id"]) if more_before else None,
                "nextPageUrl": link("afterId", page[-1]["id"]) if more_after else None,
            },
        }

    # -- writes ----------------------------------------------------------------------
    def _context(
        self, spec: EntitySpec, actor: int, parent_id: int | None, old: dict[str, Any] | None
    ) -> rules.Context:
        api = self.seed.api_resource_id
        impersonator = api if self._via_api and actor != api else None
        return rules.Context(self._tenant, spec, actor, parent_id, old, impersonator)

    def _check_parent(self, spec: EntitySpec, parent_id: int | None) -> None:
        if spec.parent is None or parent_id is None:
            return
        parent_entity = spec.field(spec.parent.field)
        assert parent_entity is not None
        assert parent_entity.reference is not None
        if self._tenant.get(parent_entity.reference, parent_id) is None:
            raise ApiError(404, f"{parent_entity.reference} {parent_id} was not found.")

    def _create(
        self, spec: EntitySpec, body: Any, parent_id: int | None, actor: int
    ) -> int:
        self._check_parent(spec, parent_id)
        write = rules.parse_body(self._tenant, spec, body)
        record = rules.build_create(
            self._tenant, spec, write, self._context(spec, actor, parent_id, None)
        )
        self._tenant.tables[spec.name][record["id"]] = record
        self._after_write(spec, None, record, actor)
        return int(record["id"])

    @contract_rule("AT-PUT-PATCH")
    def _update(
        self, spec: EntitySpec, body: Any, parent_id: int | None, actor: int, *, replace: bool
    ) -> int:
        self._check_parent(spec, parent_id)
        write = rules.parse_body(self._tenant, spec, body)
        if write.record_id is None:
            raise validation("id is required to update an entity.")
        # An unknown id answers 404 (the reference lists 404 for some not-found item cases).
        old = self._existing(spec, write.record_id, parent_id)
        reason = rules.lock_reason(self._tenant, spec, old)
        if reason:
            raise validation(reason)
        record = rules.build_update(
            write, self._context(spec, actor, parent_id, copy.deepcopy(old)), replace
        )
        self._tenant.tables[spec.name][record["id"]] = record
        self._after_write(spec, old, record, actor)
        return int(record["id"])

    def _existing(self, spec: EntitySpec, record_id: int, parent_id: int | None) -> dict[str, Any]:
        old = self._tenant.get(spec.name, record_id)
        if old is None or (
            parent_id is not None and spec.parent is not None
            and old.get(spec.parent.field) != parent_id
        ):
            raise ApiError(404, f"{spec.entity_type} {record_id} was not found.")
        return old

    def _delete(self, spec: EntitySpec, record_id: int, parent_id: int | None) -> int:
        old = self._existing(spec, record_id, parent_id)
        reason = rules.lock_reason(self._tenant, spec, old)
        if reason:
            raise validation(reason)
        del self._tenant.tables[spec.name][record_id]
        if spec.name == "TicketWebhooks":
            for child in ("TicketWebhookFields", "TicketWebhookExcludedResources"):
                table = self._tenant.tables[child]
                for key in [k for k, r in table.items() if r["webhookID"] == record_id]:
                    del table[key]
        self._after_write(spec, old, None, self.seed.api_resource_id)
        return record_id

    def _after_write(
        self, spec: EntitySpec, old: dict[str, Any] | None, new: dict[str, Any] | None,
        actor: int,
    ) -> None:
        tenant = self._tenant
        if spec.name == "Tickets" and new is not None:
            self._webhooks.ticket_event(
                tenant, "Create" if old is None else "Update", old, new, actor
            )
        elif spec.name == "TicketNotes" and new is not None:
            ticket = tenant.get("Tickets", int(new["ticketID"]))
            if ticket is not None:
                ticket["lastActivityDate"] = tenant.now()
        elif spec.name == "TicketAttachments" and new is not None and old is None:
            if new["attachmentType"] == "FILE_ATTACHMENT":
                tenant.attachment_window.add(self.clock.time(), int(new["fileSize"]))
        elif spec.name == "TicketWebhookFields":
            hook_id = int((new or old or {})["webhookID"])
            hook = tenant.get("TicketWebhooks", hook_id)
            if hook is not None:
                hook["isReady"] = any(
                    r.get("isSubscribedField") for r in tenant.all("TicketWebhookFields")
                    if r["webhookID"] == hook_id
                )


@contract_rule("AT-PAGING-POST", "AT-PAGING-GET")
def page_link(
    origin: str, entity: str, body: Any, position: dict[str, int], *, posted: bool
) -> str:
    """A ``nextPageUrl``/``prevPageUrl``.

    A POST query's link is ``…/{Entity}/query/next?paging=…`` and must be POSTed with the same
    body (live report: autotask-mcp PR 170); the fake's paging token also carries a digest of
    the body and refuses another (unconfirmed: the stricter reading). A GET query's link is
    ``…/{Entity}/query?search=…&paging=…``, followed with GET (reference §4; the URL form is
    unconfirmed).
    """
    root = f"{origin}/ATServicesRest/V1.0/{entity}/query"
    if posted:
        token = json.dumps({**position, "q": _body_digest(body)}, separators=(",", ":"))
        return f"{root}/next?" + urlencode({"paging": token})
    return f"{root}?" + urlencode({
        "search": json.dumps(body, separators=(",", ":")),
        "paging": json.dumps(position, separators=(",", ":")),
    })


def _body_digest(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@contract_rule("AT-PAGING-POST")
def method_not_allowed(method: str) -> FakeResponse:
    """405 for a verb a route does not serve, in ASP.NET's shape (autotask-mcp PR 170)."""
    return json_response(
        {"Message": f"The requested resource does not support http method '{method}'."}, 405
    )


@contract_rule("AT-ATTACH-TICKETID-QUERY")
def require_object_id(spec: EntitySpec, query: Query) -> None:
    """A TicketAttachments query must give a ``ticketID`` value, when the entity has one.

    Vendor "Changes to Attachment entities" (2021.1): "a request to the TicketAttachments
    entity will require a value for the ticketID field". The refusal's wording and where the
    condition may sit are unconfirmed: the fake takes a top-level ``eq``/``in`` on ticketID.
    """
    if spec.name != "TicketAttachments" or spec.field("ticketID") is None:
        return
    for node in query.filter.items:
        if isinstance(node, Condition) and node.field == "ticketID" and node.op in ("eq", "in"):
            return
    raise validation("A TicketAttachments query requires a value for ticketID.")


def _endpoint(method: str, path: str) -> str | None:
    """The thread-limit key of a request: the entity it addresses (zone discovery is exempt).

    Child URLs count against the child entity (``Tickets/1/Notes`` -> ``TicketNotes``): the
    reference says "per object endpoint" without defining it further.
    """
    if isinstance(path, str):
        path = path.encode("latin-1").decode("utf-8", "replace")
    parts = split_path(path)
    if parts is None or len(parts) < 2:
        return None
    resolved = resolve(method.upper(), parts)
    if isinstance(resolved, str):
        return parts[1].lower()
    route = resolved[0]
    if route.action == "zone":
        return None
    return route.entity or route.action


def _origin(request: FakeRequest) -> str:
    parts = urlsplit(request.url)
    return f"{parts.scheme}://{parts.netloc}"


def _errors(status: int, *messages: str) -> FakeResponse:
    return json_response({"errors": list(messages)}, status)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ApiError(400, "The request is invalid: malformed JSON.") from None


def _json_body(request: FakeRequest) -> Any:
    if not request.body:
        raise ApiError(400, "The request is invalid: a JSON body is required.")
    return _loads(request.body.decode("utf-8", "replace"))


@contract_rule("AT-ATTACH-QUERY-NO-DATA")
def _render(spec: EntitySpec, record: dict[str, Any], *, full: bool) -> dict[str, Any]:
    """A record as the API returns it: only the fields the tenant's entity has; attachment
    ``data`` is ``null`` in query rows (the bytes come only from a GET by id)."""
    out = copy.deepcopy(record)
    if spec.name == "TicketAttachments":  # the tenant's variant may lack the object ids
        out = {k: v for k, v in out.items() if k == "id" or spec.field(k) is not None}
    for hidden in _HIDDEN.get(spec.name, ()):
        out.pop(hidden, None)
    if spec.name == "TicketAttachments" and not full:
        out["data"] = None
    return out
