"""The WSGI plumbing shared by the fakes: requests, responses, latency, faults, a request log.

A fake subclasses :class:`FakeService` and implements :meth:`FakeService.handle`. Everything a
test wants to control the same way on both fakes (latency, injected failures, counting calls)
lives here, so ``FakeAutotask`` and ``FakeFieldNation`` offer identical controls.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import attrs
import httpx

from autotask_fn._redact import redact_headers, redact_url

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from autotask_fn.testing._control import ControlRoute
    from autotask_fn.testing._courier import Attempt, Courier, Mailer

StartResponse = Callable[..., Any]
WSGIEnviron = dict[str, Any]

_REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
    410: "Gone", 413: "Payload Too Large", 415: "Unsupported Media Type",
    422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}


@attrs.frozen
class FakeRequest:
    """One HTTP request as a fake sees it."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # keys lower-cased
    body: bytes
    url: str

    def header(self, name: str, default: str | None = None) -> str | None:
        """Return a header by case-insensitive name."""
        return self.headers.get(name.lower(), default)

    def param(self, name: str, default: str | None = None) -> str | None:
        """Return the first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        """Decode the body as JSON (raises ``ValueError`` when it is not JSON)."""
        return json.loads(self.body.decode("utf-8")) if self.body else None


@attrs.define
class FakeResponse:
    """A response a fake returns: status, headers and a body (bytes, or JSON-able)."""

    status: int = 200
    body: object = None
    headers: dict[str, str] = attrs.field(factory=dict)

    def encode(self) -> tuple[bytes, dict[str, str]]:
        """Return the body bytes and the full header set."""
        headers = dict(self.headers)
        if self.body is None:
            data = b""
        elif isinstance(self.body, bytes | bytearray):
            data = bytes(self.body)
        else:
            data = json.dumps(self.body, separators=(",", ":")).encode("utf-8")
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        headers["Content-Length"] = str(len(data))
        return data, headers


def json_response(body: Any, status: int = 200, **headers: str) -> FakeResponse:
    """Build a JSON response."""
    return FakeResponse(status=status, body=body, headers=dict(headers))


@attrs.define
class Fault:
    """An injected failure: the next ``count`` requests matching ``path`` (and ``method``) fail.

    ``path`` is a case-insensitive regular expression searched in the request path.
    With ``after_acting`` the fake first does the real work (the write is committed) and only
    then fails, as a real timeout or 5xx after the server committed would look.
    ``timeout`` makes the failure an ``httpx.ReadTimeout`` raised inside the transport (in
    process) instead of an HTTP status; served over a socket it becomes a dropped response.
    """

    path: str
    count: int = 1
    status: int = 500
    method: str | None = None
    after_acting: bool = False
    timeout: bool = False
    body: object = None
    headers: dict[str, str] = attrs.field(factory=dict)

    def matches(self, request: FakeRequest) -> bool:
        """Whether this fault still has uses left and applies to ``request`` (method, and the
        path regex searched case-insensitively)."""
        if self.count <= 0:
            return False
        if self.method and self.method.upper() != request.method:
            return False
        return re.search(self.path, request.path, re.IGNORECASE) is not None


@attrs.frozen
class RecordedRequest:
    """A request the fake served, with secrets already redacted (safe to print)."""

    method: str
    path: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    status: int
    at: float


class FakeService:
    """Base class of the stateful WSGI fakes.

    Subclasses implement :meth:`handle`. The base adds, for every request:

    * ``latency`` seconds of sleep before the request is handled (a test control);
    * injected :class:`Fault`\\ s (see :meth:`fail_next`);
    * a log of served requests (:attr:`requests`, :meth:`count_requests`);
    * the control API under ``/_fake`` (see :mod:`autotask_fn.testing._control`);
    * served delivery of the fake's webhooks (:meth:`start_delivery`, :meth:`flush_deliveries`).

    The instance is a WSGI application: use ``httpx.WSGITransport(app=fake)`` in process, or
    serve it with any WSGI server (``wsgiref`` is enough; :func:`serve` also starts delivery).
    """

    #: Default error body used by :meth:`fail_next` when none is given.
    default_fault_body: object = None

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self._faults: list[Fault] = []
        self._log: list[RecordedRequest] = []
        self._lock = threading.RLock()
        self._courier: Courier | None = None

    # -- test controls -------------------------------------------------------------
    def fail_next(
        self,
        path: str,
        *,
        count: int = 1,
        status: int = 500,
        method: str | None = None,
        after_acting: bool = False,
        timeout: bool = False,
        body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Make the next ``count`` requests whose path matches ``path`` fail."""
        fault = Fault(
            path=path, count=count, status=status, method=method, after_acting=after_acting,
            timeout=timeout, body=body if body is not None else self.default_fault_body,
            headers=dict(headers or {}),
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Forget every injected fault that has not fired yet."""
        with self._lock:
            self._faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request served so far (a copy), oldest first."""
        with self._lock:
            return list(self._log)

    def count_requests(self, method: str | None = None, path: str | None = None) -> int:
        """Count served requests, optionally by method and by a regex searched in the path."""
        with self._lock:
            return sum(
                1
                for r in self._log
                if (method is None or r.method == method.upper())
                and (path is None or re.search(path, r.path, re.IGNORECASE))
            )

    def reset_requests(self) -> None:
        """Empty the request log."""
        with self._lock:
            self._log.clear()

    # -- served delivery -------------------------------------------------------------
    def start_delivery(self) -> Courier:
        """Deliver this fake's webhooks over HTTP from a background thread, with the real
        service's timeout and retry schedule (on the fake's clock), instead of collecting
        them for the test to take. :func:`serve` calls it; returns the running courier."""
        from autotask_fn.testing._courier import Courier

        with self._lock:
            if self._courier is not None and self._courier.running:
                return self._courier
            mailer = self._mailer()
            self._courier = Courier(mailer, mailer.clock,
                                    name=f"{type(self).__name__}-delivery").start()
            return self._courier

    def stop_delivery(self) -> None:
        """Stop served delivery; later webhooks collect in the outbox again."""
        with self._lock:
            courier, self._courier = self._courier, None
        if courier is not None:
            courier.stop()

    @property
    def courier(self) -> Courier | None:
        """The running served delivery, if any (its ``attempts`` and ``pending``)."""
        return self._courier

    def flush_deliveries(self, timeout: float = 10.0) -> list[Attempt]:
        """Wait until every due webhook has been attempted; returns the attempts made.

        Retries wait for their delay on the fake's clock: move the clock
        (``fake.clock.advance(seconds)``) and flush again. Needs served delivery.
        """
        courier = self._courier
        if courier is None:
            raise RuntimeError("served delivery is off: serve the fake or call "
                               "start_delivery() first")
        return courier.flush(timeout)

    def _mailer(self) -> Mailer:  # pragma: no cover - overridden by both fakes
        raise TypeError(f"{type(self).__name__} sends no webhooks")

    def _wake_courier(self) -> None:
        courier = self._courier
        if courier is not None:
            courier.wake()

    # -- control API -------------------------------------------------------------------
    def control_routes(self) -> list[ControlRoute]:
        """The routes of the control API under ``/_fake`` (subclasses add theirs)."""
        from autotask_fn.testing import _control as ctl

        def advance(call: ctl.ControlCall) -> dict[str, Any]:
            seconds = call.number("seconds")
            if seconds is None or seconds < 0:
                raise ctl.ControlError(400, "'seconds' must be a number >= 0")
            clock = getattr(self, "clock")  # noqa: B009 - both fakes have one
            clock.advance(seconds)
            self._wake_courier()
            return {"now": clock.now().isoformat()}

        def deliveries(call: ctl.ControlCall) -> dict[str, Any]:
            courier = self._courier
            if courier is None:
                return {"running": False, "attempts": [], "pending": 0}
            return {"running": courier.running,
                    "attempts": [_attempt_json(a) for a in courier.attempts],
                    "pending": len(courier.pending), **self._delivery_state()}

        def flush(call: ctl.ControlCall) -> dict[str, Any]:
            timeout = call.number("timeout", 10.0)
            assert timeout is not None
            try:
                made = self.flush_deliveries(timeout)
            except RuntimeError as exc:
                raise ctl.ControlError(409, str(exc)) from None
            except TimeoutError as exc:
                raise ctl.ControlError(504, str(exc)) from None
            return {"attempts": [_attempt_json(a) for a in made], **self._delivery_state()}

        return [
            ctl.ControlRoute("POST", r"/clock/advance", advance,
                             "move the fake's clock forward: {seconds}"),
            ctl.ControlRoute("GET", r"/deliveries", deliveries,
                             "webhook delivery attempts so far and what is pending"),
            ctl.ControlRoute("POST", r"/deliveries/flush", flush,
                             "wait until every due webhook was attempted: {timeout?}"),
        ]

    def _delivery_state(self) -> dict[str, Any]:
        """Fake-specific delivery facts for the control API (dead letters ...)."""
        return {}

    def control_error(self, exc: Exception) -> tuple[int, str] | None:
        """A status and message for one of the fake's own refusals (``None``: not one)."""
        return None

    def _control(self, request: FakeRequest) -> FakeResponse:
        from autotask_fn.testing._control import dispatch

        try:
            return dispatch(self.control_routes(), request, self.control_error)
        finally:
            self._wake_courier()

    # -- for subclasses ------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse:  # pragma: no cover - abstract
        """Serve one request. Subclasses must implement this."""
        raise NotImplementedError

    def fault_response(self, fault: Fault, request: FakeRequest) -> FakeResponse:
        """The response an injected fault produces (subclasses may shape the body)."""
        return FakeResponse(status=fault.status, body=fault.body, headers=dict(fault.headers))

    # -- WSGI ----------------------------------------------------------------------
    def _take_fault(self, request: FakeRequest) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(request):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        request = _request_from_environ(environ)
        if _is_control(request.path):
            return _answer(self._control(request), start_response)
        if self.latency > 0:
            time.sleep(self.latency)
        fault = self._take_fault(request)
        if fault is not None and fault.after_acting:
            self.handle(request)  # the server acts, then the answer is lost
        if fault is not None and fault.timeout:
            self._record(request, 0)
            raise httpx.ReadTimeout("injected timeout (fake)")
        if fault is not None:
            response = self.fault_response(fault, request)
        else:
            response = self.handle(request)
        self._record(request, response.status)
        self._wake_courier()
        return _answer(response, start_response)

    def _record(self, request: FakeRequest, status: int) -> None:
        with self._lock:
            self._log.append(
                RecordedRequest(
                    method=request.method, path=request.path, url=redact_url(request.url),
                    headers=redact_headers(dict(request.headers)), body=request.body,
                    status=status, at=time.time(),
                )
            )


def _is_control(path: str) -> bool:
    return path == "/_fake" or path.startswith("/_fake/")


def _answer(response: FakeResponse, start_response: StartResponse) -> list[bytes]:
    data, headers = response.encode()
    reason = _REASONS.get(response.status, "Unknown")
    start_response(f"{response.status} {reason}", list(headers.items()))
    return [data]


def _attempt_json(attempt: Attempt) -> dict[str, Any]:
    from datetime import UTC, datetime

    return {"url": attempt.url, "attempt": attempt.attempt, "status": attempt.status,
            "delivered": attempt.delivered, "error": attempt.error,
            "at": datetime.fromtimestamp(attempt.at, UTC).isoformat()}


def _request_from_environ(environ: WSGIEnviron) -> FakeRequest:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["content-length"] = environ["CONTENT_LENGTH"]
    path = environ.get("PATH_INFO", "") or "/"
    if isinstance(path, str):
        # PEP 3333 hands the path over as latin-1 decoded bytes.
        path = path.encode("latin-1").decode("utf-8", "replace")
    qs = environ.get("QUERY_STRING", "")
    scheme = environ.get("wsgi.url_scheme", "http")
    host = headers.get("host") or environ.get("SERVER_NAME", "localhost")
    url = f"{scheme}://{host}{path}" + (f"?{qs}" if qs else "")
    return FakeRequest(
        method=environ.get("REQUEST_METHOD", "GET").upper(),
        path=path,
        query=parse_qs(qs, keep_blank_values=True),
        headers=headers,
        body=body,
        url=url,
    )


def serve(app: Callable[..., Iterable[bytes]], host: str = "127.0.0.1", port: int = 0, *,
          deliver: bool = True) -> WSGIServer:
    """Serve a WSGI app on a local port in a daemon thread; returns the server.

    ``server.server_address`` gives the bound (host, port); ``server.shutdown()`` stops it.
    Uses a threading server so concurrent requests really overlap (thread-limit tests).

    A fake served this way delivers its webhooks over HTTP to the registered URLs, from a
    background thread (:meth:`FakeService.start_delivery`; ``fake.flush_deliveries()``
    waits for them); ``shutdown()`` stops that too. ``deliver=False`` keeps them in the
    fake's outbox for the test to take, as in process.
    """
    import socketserver
    import sys
    from wsgiref.simple_server import (
        ServerHandler,
        WSGIRequestHandler,
        WSGIServer,
        make_server,
    )

    class _DropOnTimeout(ServerHandler):
        # An injected timeout (``Fault(timeout=True)``) ends the exchange with no answer at
        # all, as a real timeout looks from the client; other errors stay a 500.
        def handle_error(self) -> None:
            if isinstance(sys.exc_info()[1], httpx.TimeoutException):
                return
            super().handle_error()

    class _Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def handle(self) -> None:
            # WSGIRequestHandler.handle, with the handler class above.
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.send_error(414)
                return
            if not self.parse_request():
                return
            handler = _DropOnTimeout(self.rfile, self.wfile,  # type: ignore[arg-type]
                                     self.get_stderr(),
                                     self.get_environ(), multithread=False)
            handler.request_handler = self  # type: ignore[attr-defined]
            handler.run(self.server.get_app())  # type: ignore[attr-defined]

    class _Threading(socketserver.ThreadingMixIn, WSGIServer):
        daemon_threads = True

        def shutdown(self) -> None:
            super().shutdown()
            if isinstance(app, FakeService) and deliver:
                app.stop_delivery()

    server = make_server(host, port, app, server_class=_Threading, handler_class=_Quiet)
    if isinstance(app, FakeService) and deliver:
        app.start_delivery()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server
