"""Error classification from the three documented body shapes, retries, and secret hygiene."""

from __future__ import annotations

import logging

import httpx
import pytest

from autotask_fn.errors import AutotaskFnError
from autotask_fn.fieldnation import (
    FieldNationAuthError,
    FieldNationError,
    FieldNationNotFoundError,
    FieldNationPermissionError,
    FieldNationRateLimitError,
    FieldNationServerError,
    FieldNationTransportError,
    FieldNationValidationError,
)

from .conftest import CLIENT_SECRET, PASSWORD, StubFN, make_client

WO = {"id": 7, "title": "Fix printer"}

LEGACY = {"status": 404, "message": "Work order 7 not found"}
LEGACY_STATUS_CODE = {"status_code": 403, "message": "Missing permission: edit work orders"}
WEBHOOKS_V3 = {"metadata": {"timestamp": "2026-01-20T08:55:58Z", "path": "/x"},
               "errors": [{"code": 422, "message": "url must use https"}], "result": {}}
PROBLEM = {"type": "https://developer.fieldnation.com/error-codes/validation-error",
           "title": "Validation failed", "status": 422,
           "detail": "The request body has invalid fields", "code": "VALIDATION_ERROR",
           "errors": [{"detail": "must not be empty", "pointer": "/title"}],
           "retryable": False}


@pytest.mark.parametrize(
    ("status", "payload", "cls", "message", "code"),
    [
        (404, LEGACY, FieldNationNotFoundError, "Work order 7 not found", None),
        (403, LEGACY_STATUS_CODE, FieldNationPermissionError,
         "Missing permission: edit work orders", None),
        (422, WEBHOOKS_V3, FieldNationValidationError, "url must use https", "422"),
        (422, PROBLEM, FieldNationValidationError, "The request body has invalid fields",
         "VALIDATION_ERROR"),
        (400, {"status": 400, "message": "title is required"}, FieldNationValidationError,
         "title is required", None),
    ],
)
def test_each_error_shape_yields_a_typed_error_with_its_message(
    status: int, payload: dict, cls: type[FieldNationError], message: str, code: str | None,
) -> None:
    stub = StubFN(lambda r: httpx.Response(status, json=payload))
    with pytest.raises(cls) as info:
        make_client(stub).create_work_order({"title": "t"})
    err = info.value
    assert isinstance(err, AutotaskFnError)
    assert err.status == status
    assert err.message == message
    assert err.code == code
    assert err.method == "POST"


def test_problem_details_keep_field_pointers() -> None:
    stub = StubFN(lambda r: httpx.Response(422, json=PROBLEM,
                                           headers={"content-type": "application/problem+json"}))
    with pytest.raises(FieldNationValidationError) as info:
        make_client(stub).create_work_order({"title": "t"})
    assert info.value.details == ("/title: must not be empty",)


def test_non_json_error_body_uses_the_text() -> None:
    stub = StubFN(lambda r: httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(FieldNationServerError, match="Bad gateway"):
        make_client(stub, max_retries=0).get_work_order(7)


def test_rate_limit_on_get_honours_retry_after_then_succeeds() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"},
                                   json={"code": "RATE_LIMIT_EXCEEDED", "title": "Slow down"}),
                    httpx.Response(200, json=WO)])
    stub = StubFN(lambda r: next(answers))
    slept: list[float] = []
    assert make_client(stub, sleep=slept.append).get_work_order(7).id == 7
    assert slept == [7.0]


def test_retry_after_is_capped_and_gives_up_after_max_retries() -> None:
    stub = StubFN(lambda r: httpx.Response(429, headers={"Retry-After": "3600"},
                                           json={"message": "Too many"}))
    slept: list[float] = []
    fn = make_client(stub, sleep=slept.append, max_retries=2, max_retry_after=60)
    with pytest.raises(FieldNationRateLimitError) as info:
        fn.get_work_order(7)
    assert info.value.retry_after == 3600
    assert slept == [60.0, 60.0]
    assert len(stub.api_requests()) == 3


def test_server_errors_on_safe_methods_are_retried_with_backoff() -> None:
    answers = iter([httpx.Response(503, json={"message": "unavailable"}),
                    httpx.Response(500, json={"message": "oops"}),
                    httpx.Response(200, json=WO)])
    stub = StubFN(lambda r: next(answers))
    slept: list[float] = []
    fn = make_client(stub, sleep=slept.append, backoff=0.5)
    assert fn.update_work_order(7, {"title": "x"}).id == 7
    assert slept == [0.5, 1.0]
    assert [r.method for r in stub.api_requests()] == ["PUT"] * 3


def test_post_is_never_retried_on_server_error() -> None:
    stub = StubFN(lambda r: httpx.Response(500, json={"message": "An unexpected error"}))
    with pytest.raises(FieldNationServerError):
        make_client(stub).create_work_order({"title": "t"})
    assert len(stub.api_requests()) == 1


def test_transport_errors_retry_gets_but_not_posts() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1 or request.method == "POST":
            raise httpx.ConnectError("connection reset", request=request)
        return httpx.Response(200, json=WO)

    fn = make_client(StubFN(handler))
    assert fn.get_work_order(7).id == 7
    with pytest.raises(FieldNationTransportError) as info:
        fn.create_work_order({"title": "t"})
    assert calls == ["GET", "GET", "POST"]
    assert info.value.status is None
    assert "ConnectError" in str(info.value)


def test_token_and_secrets_never_appear_in_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="autotask_fn")
    stub = StubFN(lambda r: httpx.Response(404, json={"message": f"no such thing at {r.url}"}))
    fn = make_client(stub)
    with pytest.raises(FieldNationNotFoundError) as info:
        fn.get_work_order(7)
    token = stub.issued[0]
    rendered = str(info.value) + repr(info.value) + (info.value.url or "") + caplog.text
    assert "access_token=[REDACTED]" in str(info.value)
    for secret in (token, CLIENT_SECRET, PASSWORD):
        assert secret not in rendered
    assert "/api/rest/v2/workorders/7" in caplog.text


def test_401_on_token_less_webhook_paths_is_still_auth_error() -> None:
    stub = StubFN(lambda r: httpx.Response(401, json={"message": "no"}))
    with pytest.raises(FieldNationAuthError):
        make_client(stub).webhooks.list()


def test_stats_count_requests_by_method() -> None:
    stub = StubFN(lambda r: httpx.Response(200, json=WO))
    fn = make_client(stub)
    fn.get_work_order(7)
    fn.update_work_order(7, {"title": "y"})
    fn.get_work_order(7)
    assert fn.stats.by_method == {"POST": 1, "GET": 2, "PUT": 1}
    assert fn.stats.total == 4


@pytest.mark.parametrize(
    ("answer", "method", "ambiguous"),
    [
        (httpx.Response(500, json={"message": "boom"}), "POST", True),
        (httpx.Response(503, json={"message": "boom"}), "PUT", True),
        (httpx.Response(500, json={"message": "boom"}), "GET", False),
        (httpx.Response(400, json={"message": "bad"}), "POST", False),
        (httpx.Response(403, json={"message": "no"}), "POST", False),
        (httpx.ConnectError("refused"), "POST", False),
        (httpx.ReadTimeout("slow"), "POST", True),
        (httpx.ReadTimeout("slow"), "GET", False),
    ],
)
def test_ambiguous_marks_writes_that_may_have_been_applied(
    answer: httpx.Response | Exception, method: str, ambiguous: bool,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    fn = make_client(StubFN(handler), max_retries=0)
    call = {"POST": lambda: fn.create_work_order({"title": "t"}),
            "PUT": lambda: fn.update_work_order(7, {"title": "t"}),
            "GET": lambda: fn.get_work_order(7)}[method]
    with pytest.raises(FieldNationError) as info:
        call()
    assert info.value.ambiguous is ambiguous


def test_secrets_echoed_in_an_error_body_are_scrubbed() -> None:
    stub = StubFN(lambda r: httpx.Response(
        400, json={"message": f"bad request from {PASSWORD} / {CLIENT_SECRET}"}))
    with pytest.raises(FieldNationValidationError) as info:
        make_client(stub).create_work_order({"title": "t"})
    assert PASSWORD not in str(info.value)
    assert CLIENT_SECRET not in info.value.message
