"""The WSGI application: authentication, routing, error bodies, webhooks API, downloads."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import quote

import attrs
import httpx

from autotask_fn._redact import REDACTED, SECRET_PARAMS, redact_url
from autotask_fn.testing._service import (
    FakeRequest,
    FakeResponse,
    FakeService,
    Fault,
    json_response,
)
from autotask_fn.testing.fieldnation import lifecycle as lc
from autotask_fn.testing.fieldnation.auth import Tokens, presented_token
from autotask_fn.testing.fieldnation.clock import Clock, as_fake_clock
from autotask_fn.testing.fieldnation.problems import FakeApiError
from autotask_fn.testing.fieldnation.provider import TestHelpers
from autotask_fn.testing.fieldnation.records import Seed, StoredFile, User, WorkOrder
from autotask_fn.testing.fieldnation.render import Renderer
from autotask_fn.testing.fieldnation.routes import ROUTES, Call
from autotask_fn.testing.fieldnation.state import FieldNationState
from autotask_fn.testing.fieldnation.timefmt import iso
from autotask_fn.testing.fieldnation.webhooks import (
    Delivery,
    DeliveryAttempt,
    WebhookHub,
    handler_status,
)

if TYPE_CHECKING:
    from autotask_fn.fieldnation import FieldNationClient
    from autotask_fn.testing._control import ControlRoute
    from autotask_fn.testing.fieldnation.delivery import FieldNationMailer

T = TypeVar("T")
_HOOK = re.compile(r"/api/v1/webhooks(?:/([\w-]+))?/?\Z")
_FILE = re.compile(r"/files/(\w+)/[^/]+\Z")


class FakeFieldNation(TestHelpers, FakeService):
    """A stateful in-memory Field Nation: REST v2, the OAuth token endpoint, webhooks v3.

    ``FakeFieldNation()`` is ready to use: a company (types of work, expense categories,
    custom fields, a project, a template), the API user :attr:`USERNAME`/:attr:`PASSWORD`, a
    manager and a provider (``tech``/``tech-password``, ``tech@example.com``); seeded ids are
    in :attr:`seed`. Drive it with ``httpx.Client(transport=httpx.WSGITransport(app=fake),
    base_url=fake.base_url)``; tokens expire on :attr:`clock` (``fake.clock.advance(3600)``).

    Webhook deliveries collect in an outbox (:meth:`take_deliveries`) or go straight to a
    handler (:meth:`deliver_to`); served (:func:`~autotask_fn.testing.serve`) the fake POSTs
    them to the registered URLs with Field Nation's retry schedule (:meth:`start_delivery`,
    :meth:`flush_deliveries`). Test helpers act as the provider or the buyer and emit
    the same webhooks as the REST calls (see :class:`~.provider.TestHelpers`), also over
    HTTP through the control API under ``/_fake`` (see :mod:`.control`).

    With ``embed_token_in_links=True`` file links carry the caller's token
    (``...?access_token=...``), so a test can check that the sync never stores such URLs.

    Expense receipts given on create are kept but not shown on read: Field Nation's published
    Expense model has no ``receipt`` (contract row ``FN-EXPENSE-RECEIPT-READ``, unconfirmed).
    ``receipts_on_read="receipt_url"`` shows them as the vendor's Expenses page does
    (``receipt_url``), ``"receipt"`` as a file object ``receipt: {id, file: {...}}``.
    """

    BASE_URL: ClassVar[str] = "https://fake-fieldnation.test"
    REST_PREFIX: ClassVar[str] = "/api/rest/v2"
    TOKEN_PATH: ClassVar[str] = "/authentication/api/oauth/token"  # noqa: S105
    WEBHOOKS_PATH: ClassVar[str] = "/api/v1/webhooks"
    CLIENT_ID: ClassVar[str] = "client-id"
    CLIENT_SECRET: ClassVar[str] = "client-secret"  # noqa: S105 - a fake's public credential
    USERNAME: ClassVar[str] = "api-user"
    PASSWORD: ClassVar[str] = "password"  # noqa: S105
    PROVIDER_USERNAME: ClassVar[str] = "tech"
    PROVIDER_PASSWORD: ClassVar[str] = "tech-password"  # noqa: S105

    def __init__(self, *, latency: float = 0.0, base_url: str | None = None,
                 clock: Clock | None = None, embed_token_in_links: bool = False,
                 receipts_on_read: str = "none") -> None:
        super().__init__(latency=latency)
        self.base_url = (base_url or self.BASE_URL).rstrip("/")
        self.clock = as_fake_clock(clock)
        self.embed_token_in_links = embed_token_in_links
        self.state = FieldNationState(self.clock)
        self.state.receipts_on_read = receipts_on_read
        self.tokens = Tokens(self.state, self.clock, self.CLIENT_ID, self.CLIENT_SECRET)
        self.hub = WebhookHub(self.clock, self.state.seed.company_id)
        self.state.on_event = self._on_event

    @property
    def receipts_on_read(self) -> str:
        """How expense reads show a receipt: ``"none"`` (default), ``"receipt_url"`` or
        ``"receipt"``."""
        return self.state.receipts_on_read

    @receipts_on_read.setter
    def receipts_on_read(self, value: str) -> None:
        if value not in ("none", "receipt_url", "receipt"):
            raise ValueError("receipts_on_read is 'none', 'receipt_url' or 'receipt'")
        self.state.receipts_on_read = value

    @property
    def seed(self) -> Seed:
        """The seeded ids (company, users, catalogs)."""
        return self.state.seed

    @property
    def users(self) -> dict[int, User]:
        """Every seeded user by id: API user, manager and providers (passwords hidden in repr)."""
        return dict(self.state.users)

    def __repr__(self) -> str:
        return f"FakeFieldNation({self.base_url!r}, work_orders={len(self.state.work_orders)})"

    # -- webhooks ----------------------------------------------------------------------
    def _on_event(self, event: str, wo: WorkOrder, actor: User, previous: int) -> None:
        view = Renderer(self.state, self.state.api_user(), self._link_for(None))
        self.hub.publish(event, wo.id, lc.status_id(wo.status), previous, actor.id,
                         view.work_order(wo))

    def _flush(self) -> None:
        with self._lock:
            handler = self.hub.handler
            if handler is None:
                self._wake_courier()
                return
            pending, self.hub.outbox = self.hub.outbox, []
        for delivery in pending:
            self._push(handler, delivery)

    def _push(self, handler: Callable[[Delivery], Any], delivery: Delivery) -> None:
        try:
            status, error = handler_status(handler(delivery)), None
        except AssertionError:
            raise  # a failing test assertion inside the handler must surface
        except Exception as exc:  # the receiver "crashed": like a connection error
            status, error = 0, f"{type(exc).__name__}: {exc}"
        with self._lock:
            self.hub.record(delivery, status, error)

    def _run(self, action: Callable[[], T]) -> T:
        try:
            with self._lock:
                return action()
        finally:
            self._flush()

    def work_order(self, wo_id: int) -> dict[str, Any]:
        """The full work order as the API user would GET it (links without a token)."""
        def view() -> dict[str, Any]:
            renderer = Renderer(self.state, self.state.api_user(), self._link_for(None))
            return renderer.work_order(self.state.raw_work_order(wo_id))

        return self._run(view)

    def _record(self, request: FakeRequest, status: int) -> None:
        # The shared log keeps bodies; token and webhook bodies hold passwords and secrets.
        super()._record(attrs.evolve(request, body=redact_body(request.body)), status)

    # -- served delivery and the control API -------------------------------------------
    def _mailer(self) -> FieldNationMailer:
        from autotask_fn.testing.fieldnation.delivery import FieldNationMailer

        return FieldNationMailer(self)

    def _delivery_state(self) -> dict[str, Any]:
        with self._lock:
            return {"dead_letters": [d.delivery_id for d in self.hub.dead_letters]}

    def control_routes(self) -> list[ControlRoute]:
        """The shared control routes plus the provider and buyer ones (:mod:`.control`)."""
        from autotask_fn.testing.fieldnation.control import control_routes

        return super().control_routes() + control_routes(self)

    def control_error(self, exc: Exception) -> tuple[int, str] | None:
        """A refusal of the domain (:class:`FakeApiError`) keeps its status."""
        if isinstance(exc, FakeApiError):
            return exc.status, exc.message
        return None

    # -- links -------------------------------------------------------------------------
    def _link_for(self, token: str | None) -> Callable[[StoredFile], str]:
        def link(stored: StoredFile) -> str:
            url = f"{self.base_url}/files/{stored.token}/{quote(stored.name)}"
            if self.embed_token_in_links and token:
                url += f"?access_token={token}"
            return url

        return link

    # -- WSGI --------------------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:
        """Serve one request (see the module docs of the routes for codes)."""
        try:
            with self._lock:
                return self._dispatch(request)
        finally:
            self._flush()

    def _dispatch(self, request: FakeRequest) -> FakeResponse:
        path = request.path
        if path.rstrip("/") == self.TOKEN_PATH:
            if request.method != "POST":
                return _legacy_error(405, "Method not allowed.")
            try:
                return json_response(self.tokens.grant(request))
            except FakeApiError as exc:
                body = _legacy_body(exc)
                body["error"] = "invalid_client" if exc.status == 401 else "invalid_request"
                return json_response(body, exc.status)
        hook = _HOOK.match(path)
        if hook:
            return self._webhooks_api(request, hook.group(1))
        download = _FILE.match(path)
        if download and request.method == "GET":
            return self._download(request, download.group(1))
        if path.startswith(self.REST_PREFIX + "/"):
            return self._rest(request, path[len(self.REST_PREFIX):])
        return _legacy_error(404, "Not found.")

    def _rest(self, request: FakeRequest, sub: str) -> FakeResponse:
        try:
            token = presented_token(request, query=True)
            actor = self.tokens.check(token, webhooks_api=False)
            matched_path = False
            for method, pattern, handler in ROUTES:
                match = pattern.match(sub)
                if match is None:
                    continue
                matched_path = True
                if method == request.method:
                    view = Renderer(self.state, actor, self._link_for(token))
                    return handler(Call(request, actor, match.groups(), self.state, view))
            if matched_path:
                return _legacy_error(405, f"{request.method} is not allowed here.")
            return _legacy_error(404, "Not found.")
        except FakeApiError as exc:
            return json_response(_legacy_body(exc), exc.status)

    def _download(self, request: FakeRequest, file_token: str) -> FakeResponse:
        try:
            self.tokens.check(presented_token(request, query=True), webhooks_api=False)
        except FakeApiError as exc:
            return json_response(_legacy_body(exc), exc.status)
        stored = self.state.files_by_token.get(file_token)
        if stored is None:
            return _legacy_error(404, "File not found.")
        return FakeResponse(status=200, body=stored.content, headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{stored.name}"'})

    def _webhooks_api(self, request: FakeRequest, webhook_id: str | None) -> FakeResponse:
        try:
            # The v3 API takes the token as a Bearer header only.
            user = self.tokens.check(presented_token(request, query=False), webhooks_api=True)
            if user.role != "buyer":
                raise FakeApiError(403, "Only company users manage webhooks.")
            body: Any = None
            if request.method in {"POST", "PUT"}:
                try:
                    body = request.json()
                except ValueError:
                    raise FakeApiError(400, "The request body is not valid JSON.") from None
            hub = self.hub
            if webhook_id is None and request.method == "GET":
                hooks = [hub.render(h) for h in hub.webhooks.values()]
                return self._hook_ok(request, hooks, total=len(hooks))
            if webhook_id is None and request.method == "POST":
                return self._hook_ok(request, hub.render(hub.register(body)), status=201)
            if webhook_id is not None and request.method == "GET":
                return self._hook_ok(request, hub.render(hub.get(webhook_id)))
            if webhook_id is not None and request.method == "PUT":
                return self._hook_ok(request, hub.render(hub.update(webhook_id, body)))
            if webhook_id is not None and request.method == "DELETE":
                return self._hook_ok(request, hub.render(hub.delete(webhook_id)))
            raise FakeApiError(405, f"{request.method} is not allowed here.")
        except FakeApiError as exc:
            return json_response(self._hook_error_body(request, exc.status, exc.message),
                                 exc.status)

    def _hook_ok(self, request: FakeRequest, result: Any, status: int = 200,
                 total: int | None = None) -> FakeResponse:
        metadata: dict[str, Any] = {"timestamp": iso(self.clock.now()), "path": request.path}
        if total is not None:
            metadata["total"] = total
        return json_response({"metadata": metadata, "result": result}, status)

    def _hook_error_body(self, request: FakeRequest, status: int, message: str) -> Any:
        return {"metadata": {"timestamp": iso(self.clock.now()), "path": request.path},
                "errors": [{"code": status, "message": message}], "result": {}}

    def fault_response(self, fault: Fault, request: FakeRequest) -> FakeResponse:
        """Injected failures answer in the error shape of the API they hit."""
        body = fault.body
        if body is None:
            message = "Too many requests." if fault.status == 429 else "Internal Server Error"
            if _HOOK.match(request.path):
                body = self._hook_error_body(request, fault.status, message)
            else:
                body = {"status": fault.status, "message": message}
        return FakeResponse(status=fault.status, body=body, headers=dict(fault.headers))

    def http_client(self, username: str | None = "api-user", *,
                    bearer: bool = False) -> httpx.Client:
        """An ``httpx.Client`` served in process by this fake.

        With a ``username`` (default: the API user; ``"tech"`` for the provider) every
        request carries a fresh token, as the ``access_token`` query parameter or, with
        ``bearer``, as ``Authorization: Bearer``. ``None`` gives an unauthenticated client.
        """
        client = httpx.Client(transport=httpx.WSGITransport(app=self), base_url=self.base_url)
        if username is not None:
            token = self.issue_token(username)
            if bearer:
                client.headers["Authorization"] = f"Bearer {token}"
            else:
                client.params = httpx.QueryParams({"access_token": token})
        return client

    # -- controls ----------------------------------------------------------------------
    def rate_limit_next(self, count: int = 1, *, retry_after: int = 60, path: str = ".*",
                        method: str | None = None) -> Fault:
        """Answer the next ``count`` matching requests with 429 and ``Retry-After``."""
        return self.fail_next(path, count=count, status=429, method=method,
                              headers={"Retry-After": str(retry_after),
                                       "X-RateLimit-Remaining": "0"})

    def client(self, **kwargs: Any) -> FieldNationClient:
        """A :class:`~autotask_fn.fieldnation.FieldNationClient` talking to this fake in
        process, as the API user, on the fake's clock (so token expiry follows it).

        ``kwargs`` go to the client (``sleep=``, ``max_retries=`` ...).
        """
        from autotask_fn.fieldnation import FieldNationClient

        kwargs.setdefault("base_url", self.base_url)
        kwargs.setdefault("transport", httpx.WSGITransport(app=self))
        kwargs.setdefault("clock", self.clock.timestamp)
        return FieldNationClient(self.CLIENT_ID, self.CLIENT_SECRET, self.USERNAME,
                                 self.PASSWORD, **kwargs)

    def take_deliveries(self, duplicate: float | int = 0.0, shuffle: bool = False,
                        seed: int | None = None) -> list[Delivery]:
        """Drain the webhook outbox.

        ``duplicate`` adds retries of the same delivery (same uuid, ``attempt + 1`` in
        ``X-FN-Delivery-Id``, signature still valid), right after the original: a float in
        0.0..1.0 is the chance each delivery is retried, an int the number of retries of
        randomly chosen deliveries. ``shuffle`` mixes the order; ``seed`` makes both
        reproducible.
        """
        with self._lock:
            return self.hub.take(duplicate, shuffle, seed)

    def redeliver(self, delivery: Delivery) -> Delivery:
        """Return the next attempt of ``delivery`` (pushed to the handler if one is set)."""
        with self._lock:
            retry = self.hub.retry_of(delivery)
            handler = self.hub.handler
        if handler is not None:
            self._push(handler, retry)
        return retry

    def register_legacy_webhook(self, url: str, events: list[str],
                                secret: str | None = None) -> str:
        """Register a webhook as Field Nation's legacy API did (its deliveries are signed with
        ``Fn-Hash: md5(secret + body)``); returns its id."""
        with self._lock:
            return self.hub.register_legacy(url, events, secret).id

    def retry_by_hand(self, delivery: Delivery) -> Delivery:
        """Retry a failed delivery from the dashboard, as a user may do at any later time (the
        original request timestamp is kept); pushed to the handler if one is set."""
        with self._lock:
            retry = self.hub.retry_by_hand(delivery)
            handler = self.hub.handler
        if handler is not None:
            self._push(handler, retry)
        return retry

    def deliver_to(self, handler: Callable[[Delivery], object] | None) -> None:
        """Push every delivery to ``handler`` as soon as it is made (``None`` = outbox).

        The handler's answer decides what happens next, as with Field Nation's retries:
        ``None``/``True``/2xx (an int or anything with ``status_code``, e.g. an
        ``httpx.Response``) is delivered; a 5xx, ``False`` or an exception (other than
        ``AssertionError``, which propagates) lands in :attr:`failed_deliveries` for
        :meth:`retry_failed`; a 4xx, or the 8th failed attempt, in :attr:`dead_letters`.
        """
        with self._lock:
            self.hub.handler = handler
        self._flush()

    def retry_failed(self) -> list[Delivery]:
        """Send the next attempt of every failed delivery (to the handler, else the outbox)."""
        with self._lock:
            retries = [self.hub.retry_of(d) for d in self.hub.failed]
            self.hub.failed = []
            handler = self.hub.handler
            if handler is None:
                self.hub.outbox.extend(retries)
        if handler is not None:
            for retry in retries:
                self._push(handler, retry)
        return retries

    @property
    def failed_deliveries(self) -> list[Delivery]:
        """Pushed deliveries waiting for a retry (see :meth:`deliver_to`)."""
        with self._lock:
            return list(self.hub.failed)

    @property
    def dead_letters(self) -> list[Delivery]:
        """Deliveries given up on (a 4xx, or too many failed attempts)."""
        with self._lock:
            return list(self.hub.dead_letters)

    @property
    def delivery_attempts(self) -> list[DeliveryAttempt]:
        """Every push to the handler with its outcome, oldest first."""
        with self._lock:
            return list(self.hub.attempts)


def _legacy_body(exc: FakeApiError) -> dict[str, Any]:
    return {"status": exc.status, "message": exc.message}


def _legacy_error(status: int, message: str) -> FakeResponse:
    return json_response({"status": status, "message": message}, status)


def redact_body(body: bytes) -> bytes:
    """A request body with secret fields (password, client_secret, secret...) replaced."""
    if not body or len(body) > 65536:
        return body
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    try:
        data = json.loads(text)
    except ValueError:
        return redact_url(text).encode("utf-8")
    return json.dumps(_scrub(data)).encode("utf-8")


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if str(k).lower() in SECRET_PARAMS else _scrub(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value
