"""Request plumbing for the Field Nation client: token placement, retries, errors, stats, logs.

Only *safe* requests are retried (GET/HEAD, and PUT/DELETE which are idempotent on this API),
on transport errors, 429 (honouring ``Retry-After``, capped) and 5xx. A POST is never repeated
blindly; the one exception is the expired-token repeat, which is safe because the server
rejected the request before acting on it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

import attrs
import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from autotask_fn import _observe, _otel, _stats
from autotask_fn._redact import redact_text, redact_url
from autotask_fn.fieldnation.errors import (
    FieldNationError,
    FieldNationRateLimitError,
    FieldNationServerError,
    FieldNationTransportError,
    error_from_response,
    error_message,
)
from autotask_fn.fieldnation.tokens import TokenManager
from autotask_fn.fieldnation.wire import (
    EXPIRED_TOKEN_MARKERS,
    REST_PREFIX,
    TOKEN_PATH,
    WEBHOOKS_PATH,
    WireFormat,
)

log = _observe.get_logger("autotask_fn.fieldnation")


class RedactingFilter(logging.Filter):
    """Rewrites a log record so that secret query parameters (``access_token``) are hidden.

    httpx logs every request URL at INFO on the ``httpx`` logger; since Field Nation takes the
    token in the query string, that line would carry the token. The filter is installed on
    the ``httpx`` logger when this module is imported.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the rendered message in place; never drops a record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        redacted = redact_url(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_HTTPX_LOGGER = logging.getLogger("httpx")
if not any(isinstance(f, RedactingFilter) for f in _HTTPX_LOGGER.filters):
    _HTTPX_LOGGER.addFilter(RedactingFilter())

SAFE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
Auth = Literal["wire", "bearer", "none"]


_ID = re.compile(r"^\d+$")


def resource_of(path: str) -> str:
    """The resource a path addresses, for :class:`RequestStats`: the last non-id segment
    under ``/api/rest/v2`` (``workorders``, ``time_logs``...), else ``token``, ``webhooks``
    or ``files``."""
    path = httpx.URL(path).path
    if path.startswith(TOKEN_PATH):
        return "token"
    if path.startswith(WEBHOOKS_PATH):
        return "webhooks"
    if not path.startswith(REST_PREFIX + "/"):
        return "files"
    names = [p for p in path[len(REST_PREFIX):].split("/") if p and not _ID.match(p)]
    return names[-1] if names else "?"


class RequestStats(_stats.RequestStats):
    """Requests sent so far: ``total``, ``by_method`` and ``by_resource``. Thread-safe;
    :meth:`reset` starts again from zero. Mirrors the Autotask client's ``RequestStats``.
    """

    def record(self, method: str, path: str = "") -> None:
        """Count one request sent with ``method`` to ``path``."""
        self.count(method, resource_of(path))

    @property
    def by_resource(self) -> dict[str, int]:
        """Requests per resource (``workorders``, ``time_logs``, ``token``...; a copy)."""
        return self._targets()


@attrs.frozen
class RetryPolicy:
    """How safe requests are retried: attempts, exponential backoff, cap on ``Retry-After``."""

    max_retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def wait(self, state: RetryCallState) -> float:
        """Seconds before the next attempt: the server's ``Retry-After`` or exponential."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, FieldNationRateLimitError) and exc.retry_after is not None:
            return float(min(exc.retry_after, self.max_retry_after))
        return float(min(self.backoff * 2.0 ** (state.attempt_number - 1), self.max_backoff))


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, FieldNationTransportError | FieldNationRateLimitError
                      | FieldNationServerError)


def _looks_expired(response: httpx.Response, wire: WireFormat) -> bool:
    if response.status_code not in wire.expired_token_statuses:
        return False
    if response.status_code == 401:
        return True
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    message, code, details = error_message(body)
    text = " ".join(filter(None, (message, code, *details))).lower()
    return any(marker in text for marker in EXPIRED_TOKEN_MARKERS)


def _paused(state: RetryCallState) -> None:
    """Before a retry: tell the observation context of a wait after a 429."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, FieldNationRateLimitError) and state.next_action is not None:
        _observe.rate_limit_paused("fieldnation", "retry", state.next_action.sleep,
                                   resource_of(exc.url or ""))


def _request_span(method: str, url: str) -> contextlib.AbstractContextManager[_otel.Span | None]:
    """The span of one request: method, resource and route template (never the query, which
    may carry the token)."""
    path = httpx.URL(url).path
    return _otel.span(f"Field Nation {method} {resource_of(path)}", {
        "http.request.method": method, "fieldnation.resource": resource_of(path),
        "url.template": _otel.route_template(path)})


def _status(span: _otel.Span | None, response: httpx.Response) -> None:
    if span is not None:
        span.set_attribute("http.response.status_code", response.status_code)


class HttpCore:
    """Sends requests for :class:`~autotask_fn.fieldnation.client.FieldNationClient`."""

    def __init__(self, http: httpx.Client, base_url: str, tokens: TokenManager, *,
                 wire: WireFormat, retry: RetryPolicy, stats: RequestStats,
                 secrets: tuple[str, ...]) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.wire = wire
        self.retry = retry
        self.stats = stats
        self._secrets = secrets

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` (absolute URLs pass through)."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def is_api_url(self, url: str) -> bool:
        """Whether ``url`` points at our API origin (only then may the token travel with it).

        Scheme and port count too: the same host over plain ``http://`` would carry the token
        in clear text.
        """
        target, base = httpx.URL(url), httpx.URL(self.base_url)
        return (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port)

    # ------------------------------------------------------------------ requests

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, data: Mapping[str, Any] | None = None,
                files: Any = None, auth: Auth = "wire") -> httpx.Response:
        """Send one logical request (with retries for safe methods) and return the 2xx answer."""
        method = method.upper()
        if method not in SAFE_METHODS or self.retry.max_retries <= 0:
            return self._send_authed(method, path, params, json, data, files, auth)
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_retries + 1),
            retry=retry_if_exception(_retryable), wait=self.retry.wait,
            sleep=self.retry.sleep, reraise=True, before_sleep=_paused,
        )
        return retrying(self._send_authed, method, path, params, json, data, files, auth)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Like :meth:`request`, returning the decoded JSON body (``None`` when empty)."""
        response = self.request(method, path, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise FieldNationError("answer is not JSON", response.status_code, method=method,
                                   url=str(response.request.url)) from None

    @contextlib.contextmanager
    def stream(self, method: str, path: str, *, auth: Auth = "wire",
               chunk_size: int = 65536) -> Iterator[Iterator[bytes]]:
        """Open a streamed response; yields an iterator of byte chunks.

        Not retried, except for the one repeat after an expired-token answer.
        """
        renewed = False
        while True:
            token = self.tokens.token() if auth != "none" else None
            url, headers, params = self._prepare(path, None, token, auth)
            self.stats.record(method, url)
            try:
                with _request_span(method, url) as span, self.http.stream(
                        method, url, params=params, headers=headers) as response:
                    _status(span, response)
                    log.debug("%s %s -> %s (streamed)", method, self._shown(response),
                              response.status_code)
                    if response.status_code >= 400:
                        response.read()
                        if token is not None and not renewed and _looks_expired(response,
                                                                                self.wire):
                            self.tokens.invalidate(token)
                            renewed = True
                            continue
                        raise error_from_response(response, method, self._shown(response),
                                                  self._secrets)
                    yield response.iter_bytes(chunk_size)
                    return
            except httpx.TransportError as exc:
                raise self._transport_error(exc, method, url) from None

    # ------------------------------------------------------------------ internals

    def _prepare(self, path: str, params: Mapping[str, Any] | None, token: str | None,
                 auth: Auth) -> tuple[str, dict[str, str], dict[str, Any]]:
        url = self.url(path)
        headers = {"Accept": "application/json"}
        query = dict(params or {})
        if token is not None:
            if auth == "bearer" or self.wire.token_placement == "bearer":  # noqa: S105
                headers["Authorization"] = f"Bearer {token}"
            else:
                query["access_token"] = token
        return url, headers, query

    def _shown(self, response: httpx.Response) -> str:
        return redact_url(response.request.url)

    def _transport_error(self, exc: Exception, method: str, url: str) -> FieldNationTransportError:
        text = redact_text(str(exc), self._secrets)
        # A failed connect means the request never left; anything later may have been applied.
        sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
        return FieldNationTransportError(f"{type(exc).__name__}: {text}", method=method, url=url,
                                         sent=sent)

    def _send_authed(self, method: str, path: str, params: Mapping[str, Any] | None, json: Any,
                     data: Mapping[str, Any] | None, files: Any, auth: Auth) -> httpx.Response:
        renewed = False
        while True:
            token = self.tokens.token() if auth != "none" else None
            response = self._send_once(method, path, params, json, data, files, token, auth)
            if response.status_code < 400:
                return response
            if token is not None and not renewed and _looks_expired(response, self.wire):
                log.info("Field Nation token rejected as expired; renewing once")
                self.tokens.invalidate(token)
                renewed = True
                continue
            raise error_from_response(response, method, self._shown(response),
                                      self._secrets)

    def _send_once(self, method: str, path: str, params: Mapping[str, Any] | None, json: Any,
                   data: Mapping[str, Any] | None, files: Any, token: str | None,
                   auth: Auth) -> httpx.Response:
        url, headers, query = self._prepare(path, params, token, auth)
        if hasattr(files, "get") and files:
            for item in files.values():  # rewind file objects before a repeat
                content = item[1] if isinstance(item, tuple) else item
                if hasattr(content, "seek"):
                    content.seek(0)
        self.stats.record(method, url)
        started = time.monotonic()
        try:
            with _request_span(method, url) as span:
                response = self.http.request(method, url, params=query, headers=headers,
                                             json=json, data=data, files=files)
                _status(span, response)
        except httpx.TransportError as exc:
            log.warning("%s %s failed: %s", method, redact_url(url), type(exc).__name__)
            raise self._transport_error(exc, method, url) from None
        log.debug("%s %s -> %s in %.3fs", method, self._shown(response), response.status_code,
                  time.monotonic() - started)
        return response
