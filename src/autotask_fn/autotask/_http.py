"""Request plumbing: headers, limiter slots, retries, error classification, stats, logging."""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

import httpx
import tenacity

from autotask_fn import _observe, _otel
from autotask_fn._redact import redact_text, redact_url
from autotask_fn.autotask.errors import (
    WRITE_METHODS,
    AutotaskAttachmentLimitError,
    AutotaskError,
    AutotaskRateLimitError,
    AutotaskServerError,
    AutotaskThreadLimitError,
    AutotaskThresholdError,
    AutotaskTransportError,
    AutotaskUploadSizeError,
    AutotaskValidationError,
    classify_response,
)
from autotask_fn.autotask.limits import Limiter
from autotask_fn.autotask.stats import RequestStats
from autotask_fn.autotask.upload import UploadSizeMismatch, streamed_body

logger = _observe.get_logger("autotask_fn.autotask")

#: Headers that may go to any Autotask host (zone discovery gets only these).
PUBLIC_HEADERS = frozenset({"accept", "user-agent"})

#: Never wait longer than this for one Retry-After (a longer wait is the host's decision).
MAX_RETRY_AFTER = 120.0
#: How long the tenant is paused after the hourly threshold answered without a Retry-After:
#: the rolling 60-minute window moves as old requests age out, which the client cannot see.
THRESHOLD_PAUSE = 60.0


def error_texts(response: httpx.Response) -> list[str] | None:
    """The ``errors`` array of an error body, or None when the body has none."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        for key, value in body.items():
            if key.lower() == "errors" and isinstance(value, list):
                return [str(v) for v in value]
    return None


class Requester:
    """Sends one logical request, retrying where that is safe, and classifies failures.

    Idempotent requests (GET, query, PATCH, PUT, DELETE) are retried on transport errors,
    429/thread-limit answers and 5xx server errors. A POST is retried only when Autotask
    certainly did not act (connection never made, 429, thread limit); otherwise the error is
    raised with ``ambiguous=True``.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        headers: Mapping[str, str],
        secrets: tuple[str, ...],
        limiter: Limiter,
        stats: RequestStats,
        max_retries: int,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = http
        self.headers = dict(headers)
        self.secrets = secrets
        self.limiter = limiter
        self.stats = stats
        self.max_retries = max_retries
        self.timeout = timeout
        self.sleep = sleep
        self._held_until = 0.0  # used when the limiter cannot hold the tenant itself

    def _redact(self, text: str) -> str:
        return redact_text(text, self.secrets)

    # -- one attempt -----------------------------------------------------------------
    def send_once(
        self,
        method: str,
        url: str,
        *,
        entity: str | None,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        credentials: bool = True,
    ) -> httpx.Response:
        """Send exactly one request (counted in stats); transport failures become typed errors.

        ``credentials=False`` sends only the non-secret headers (used for zone discovery).
        """
        self.stats.record(method, entity)
        headers = self.headers if credentials else {
            k: v for k, v in self.headers.items() if k.lower() in PUBLIC_HEADERS
        }
        streamed = streamed_body(json)  # an attachment whose bytes download as they go
        content: Generator[bytes, None, None] | None = None
        if streamed is not None:
            length, content = streamed
            headers = {**headers, "Content-Type": "application/json",
                       "Content-Length": str(length)}
            json = None
        try:
            with _otel.span(f"Autotask {method} {entity or 'request'}", {
                    "http.request.method": method, "autotask.entity": entity,
                    "url.template": _otel.route_template(httpx.URL(url).path)}) as span:
                response = self.http.request(
                    method, url, json=json, content=content, params=params, headers=headers,
                    timeout=self.timeout,
                )
                if span is not None:
                    span.set_attribute("http.response.status_code", response.status_code)
        except UploadSizeMismatch as exc:
            raise AutotaskUploadSizeError(
                "upload stopped before its body was complete: the file's size changed",
                None, (str(exc),), entity, method, url, secrets=self.secrets,
            ) from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise AutotaskTransportError(
                f"could not connect to Autotask: {type(exc).__name__}: {exc}",
                entity=entity, method=method, url=url, secrets=self.secrets,
            ) from None
        except httpx.TransportError as exc:
            raise AutotaskTransportError(
                f"no answer from Autotask: {type(exc).__name__}: {exc}",
                entity=entity, method=method, url=url, ambiguous=method in WRITE_METHODS,
                secrets=self.secrets,
            ) from None
        finally:
            if content is not None:
                content.close()  # closes the download when the body stopped half way
        logger.debug(
            "%s %s -> %s", method, self._redact(redact_url(response.request.url)),
            response.status_code,
        )
        return response

    # -- the hourly threshold: a pause of the whole tenant -----------------------------
    def _hold_tenant(self, error: AutotaskThresholdError) -> None:
        seconds = error.retry_after if error.retry_after is not None else THRESHOLD_PAUSE
        error.retry_after = seconds
        hold = getattr(self.limiter, "hold_tenant", None)
        if callable(hold):
            hold(seconds)
        else:
            self._held_until = max(self._held_until, time.monotonic() + seconds)
        logger.warning("Autotask hourly request threshold met: requests of this tenant paused "
                       "for %.0f s", seconds)
        _observe.rate_limit_paused("autotask", "tenant", seconds, error.entity)

    def _tenant_held_for(self) -> float:
        held = getattr(self.limiter, "tenant_held_for", None)
        if callable(held):
            return max(0.0, float(held()))
        return max(0.0, self._held_until - time.monotonic())

    def _attempt(
        self, method: str, url: str, entity: str | None, endpoint: str | Sequence[str] | None,
        json: Any, params: Mapping[str, str] | None,
    ) -> Any:
        held = self._tenant_held_for()
        if held > 0:
            raise AutotaskThresholdError(
                f"Autotask hourly request threshold met: requests paused for {held:.0f} s "
                "more (nothing sent)", None, (), entity, method, url,
                retry_after=held, secrets=self.secrets)
        pause = self.limiter.pause_before_request()
        if pause > 0:
            logger.info("pausing %.2f s before %s %s (hourly budget)", pause, method, entity)
            _observe.rate_limit_paused("autotask", "budget", pause, entity)
            self.sleep(pause)
        names = (endpoint,) if isinstance(endpoint, str) else tuple(endpoint or ())
        with contextlib.ExitStack() as slots:
            # Slots are always taken in the caller's order (URL root, then entity) and a
            # request never waits for one while holding a slot it would not release: no cycle.
            for name in names:
                slots.enter_context(self.limiter.slot(name))
            response = self.send_once(method, url, entity=entity, json=json, params=params)
        if response.is_success:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise AutotaskError(
                    "Autotask answered with a body that is not JSON", response.status_code,
                    (), entity, method, url, secrets=self.secrets,
                ) from None
        error = classify_response(
            response.status_code, error_texts(response), method=method, url=url, entity=entity,
            retry_after=response.headers.get("Retry-After"), secrets=self.secrets,
        )
        if isinstance(error, AutotaskThresholdError):
            self._hold_tenant(error)
        raise error

    # -- with retries ----------------------------------------------------------------
    def _retryable(self, exc: BaseException, idempotent: bool) -> bool:
        if isinstance(exc, AutotaskAttachmentLimitError | AutotaskThresholdError):
            return False  # a refusal of minutes: the caller decides (the tenant is paused)
        if isinstance(exc, AutotaskRateLimitError):
            return True  # refused before acting (thread limit, 429)
        if isinstance(exc, AutotaskTransportError | AutotaskServerError):
            return idempotent or not exc.ambiguous
        return False

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        attempt: int = state.attempt_number
        if isinstance(exc, AutotaskRateLimitError) and exc.retry_after is not None:
            return float(min(exc.retry_after, MAX_RETRY_AFTER))
        if isinstance(exc, AutotaskThreadLimitError):
            base = 0.2 * (2.0 ** (attempt - 1))
        else:
            base = 0.5 * (2.0 ** (attempt - 1))
        return min(base, 10.0) * (0.5 + random.random())

    def request(
        self,
        method: str,
        url: str,
        *,
        entity: str | None,
        endpoint: str | Sequence[str] | None,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send a request with retries; return the decoded JSON body (None when empty)."""
        method = method.upper()
        if idempotent is None:
            idempotent = method != "POST"

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            logger.warning(
                "retrying %s %s after %s (attempt %d)", method, entity,
                type(exc).__name__, state.attempt_number,
            )
            if isinstance(exc, AutotaskRateLimitError) and state.next_action is not None:
                _observe.rate_limit_paused("autotask", "retry", state.next_action.sleep, entity)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_retries + 1),
            retry=tenacity.retry_if_exception(lambda e: self._retryable(e, idempotent)),
            wait=self._wait,
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt, method, url, entity, endpoint, json, params)
        except AutotaskError as exc:
            if idempotent and method == "POST":
                exc.ambiguous = False  # a query POST reads; it cannot have changed anything
            paused = isinstance(exc, AutotaskThresholdError) and exc.status is None
            level = logging.WARNING if not paused and (exc.ambiguous or exc.status is None or (
                exc.status >= 500 and not isinstance(exc, AutotaskValidationError)
            )) else logging.INFO
            logger.log(level, "%s %s failed: %s", method, entity, exc)
            raise
