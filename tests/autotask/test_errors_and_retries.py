"""Error classification, what is retried, and that secrets never leak (MockTransport)."""

from __future__ import annotations

import logging

import httpx
import pytest

from autotask_fn.autotask import (
    AutotaskAuthError,
    AutotaskError,
    AutotaskNotFoundError,
    AutotaskPermissionError,
    AutotaskRateLimitError,
    AutotaskServerError,
    AutotaskThreadLimitError,
    AutotaskTransportError,
    AutotaskUnsupportedOperation,
    AutotaskValidationError,
)
from autotask_fn.autotask.errors import classify_response

from .conftest import CODE, SECRET, reply

URL = "https://h.test/ATServicesRest/V1.0/Tickets"


@pytest.mark.parametrize(
    ("status", "errors", "cls"),
    [
        (401, ["Unauthorized"], AutotaskAuthError),
        (500, ["IntegrationCode is invalid."], AutotaskAuthError),
        (403, None, AutotaskPermissionError),
        (404, None, AutotaskNotFoundError),
        (405, None, AutotaskUnsupportedOperation),
        (400, ["bad json"], AutotaskValidationError),
        (500, ["Value does not reference an existing entity for taskType . "],
         AutotaskValidationError),
        (500, ["An unexpected error has occurred. Please try again later."], AutotaskServerError),
        (500, None, AutotaskServerError),
        (503, ["Service unavailable"], AutotaskServerError),
        (429, None, AutotaskRateLimitError),
        (500, ["Itgenatr005: The Autotask API thread threshold of 3 threads has been exceeded"],
         AutotaskThreadLimitError),
    ],
)
def test_answers_are_classified(status, errors, cls) -> None:
    error = classify_response(status, errors, method="GET", url=URL, entity="Tickets")
    assert type(error) is cls
    assert error.status == status
    assert error.entity == "Tickets"
    assert error.method == "GET"
    if errors:
        assert errors[0].strip() in str(error)
    assert f"HTTP {status}" in str(error) or errors


def test_only_non_validation_failures_of_writes_are_ambiguous() -> None:
    server = classify_response(500, None, method="POST", url=URL, entity="Tickets")
    validation = classify_response(500, ["title is required"], method="POST", url=URL,
                                   entity="Tickets")
    read = classify_response(500, None, method="GET", url=URL, entity="Tickets")
    assert (server.ambiguous, validation.ambiguous, read.ambiguous) == (True, False, False)


def test_get_is_retried_on_server_errors_then_succeeds(make_client, sleeps) -> None:
    answers = [reply({"errors": ["An unexpected error has occurred."]}, 500),
               reply(None, 502), reply({"item": {"id": 7}})]
    client, mock = make_client(lambda r: answers.pop(0))
    assert client.get("Tickets", 7) == {"id": 7}
    assert len(mock.requests) == 3
    assert len(sleeps) == 2
    assert client.stats.total == 3


def test_retries_stop_after_max_retries(make_client) -> None:
    client, mock = make_client(lambda r: reply(None, 500), max_retries=2)
    with pytest.raises(AutotaskServerError):
        client.get("Tickets", 7)
    assert len(mock.requests) == 3


def test_post_is_never_repeated_after_a_server_error(make_client) -> None:
    client, mock = make_client(lambda r: reply(None, 500))
    with pytest.raises(AutotaskServerError) as info:
        client.create("Tickets", {"title": "x"})
    assert len(mock.requests) == 1
    assert info.value.ambiguous is True


def test_post_timeout_is_ambiguous_and_not_repeated(make_client) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client, mock = make_client(timeout)
    with pytest.raises(AutotaskTransportError) as info:
        client.create("TimeEntries", {"ticketID": 1})
    assert info.value.ambiguous is True
    assert len(mock.requests) == 1


def test_post_refused_by_the_thread_limit_is_safely_retried(make_client, sleeps) -> None:
    answers = [reply({"errors": ["Itgenatr005 thread threshold exceeded"]}, 429),
               reply({"itemId": 12})]
    client, mock = make_client(lambda r: answers.pop(0))
    assert client.create("Tickets", {"title": "x"}) == 12
    assert len(mock.requests) == 2
    assert len(sleeps) == 1


def test_retry_after_is_honoured(make_client, sleeps) -> None:
    answers = [reply({"errors": ["over threshold"]}, 429, **{"Retry-After": "7"}),
               reply({"item": None})]
    client, _ = make_client(lambda r: answers.pop(0))
    assert client.get("Tickets", 1) is None
    assert sleeps == [7.0]


def test_validation_errors_are_not_retried(make_client) -> None:
    client, mock = make_client(lambda r: reply({"errors": ["title is required"]}, 500))
    with pytest.raises(AutotaskValidationError, match="title is required"):
        client.update("Tickets", {"id": 1, "title": ""})
    assert len(mock.requests) == 1


def test_failed_query_post_is_retried_and_not_ambiguous(make_client) -> None:
    client, mock = make_client(lambda r: reply(None, 503), max_retries=1)
    with pytest.raises(AutotaskServerError) as info:
        list(client.query("Tickets"))
    assert len(mock.requests) == 2
    assert info.value.ambiguous is False


def test_secrets_never_appear_in_repr_errors_or_logs(make_client, caplog) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        # A hostile server echoing the credentials back must not leak them either.
        return reply({"errors": [f"bad login {SECRET} with {CODE}"]}, 401)

    client, mock = make_client(echo)
    caplog.set_level(logging.DEBUG, logger="autotask_fn")
    with pytest.raises(AutotaskError) as info:
        client.get("Tickets", 1)
    assert mock.requests[0].headers["Secret"] == SECRET  # it is sent, only never shown
    texts = [repr(client), str(info.value), repr(info.value), caplog.text]
    for text in texts:
        assert SECRET not in text
        assert CODE not in text
    assert "[REDACTED]" in str(info.value)


# -- two different limits (contract rows AT-THREAD-LIMIT, AT-HOURLY-THRESHOLD-ANSWER) --------
HOURLY_TEXTS = [
    "The API request threshold of 10000 requests per 60 minutes has been exceeded.",
    "Request threshold reached for this database; try again later.",
    "API usage limit exceeded",
    "You have exceeded 10000 requests per hour.",
    "Hourly threshold exceeded",
]


@pytest.mark.contract("AT-HOURLY-THRESHOLD-ANSWER")
@pytest.mark.parametrize("status", [429, 500, 400, 403, 503])
@pytest.mark.parametrize("text", HOURLY_TEXTS)
def test_an_hourly_threshold_text_is_a_rate_limit_error_whatever_the_status(
        status: int, text: str) -> None:
    from autotask_fn.autotask import AutotaskThresholdError

    for method in ("GET", "POST"):
        error = classify_response(status, [text], method=method, url=URL, entity="Tickets")
        assert type(error) is AutotaskThresholdError
        assert not isinstance(error, AutotaskValidationError)
        assert error.ambiguous is False  # refused before acting


@pytest.mark.contract("AT-THREAD-LIMIT")
@pytest.mark.parametrize("status", [429, 500, 400])
@pytest.mark.parametrize("text", [
    "Thread Threshold Exceeded \u2014 The Autotask API thread threshold of 3 threads has been "
    "exceeded. (Itgenatr005)",
    "ITGENATR005", "thread limit exceeded for this endpoint"])
def test_the_thread_limit_is_its_own_error_whatever_the_status(status: int, text: str) -> None:
    error = classify_response(status, [text], method="POST", url=URL, entity="Tickets")
    assert type(error) is AutotaskThreadLimitError


@pytest.mark.contract("AT-HOURLY-THRESHOLD-ANSWER")
def test_the_hourly_threshold_is_not_retried_and_pauses_every_request(make_client,
                                                                      sleeps) -> None:
    from autotask_fn.autotask import AutotaskThresholdError

    answers = [reply({"errors": [HOURLY_TEXTS[1]]}, 500, **{"Retry-After": "900"})]
    client, mock = make_client(lambda r: answers.pop(0))
    with pytest.raises(AutotaskThresholdError) as info:
        client.get("Tickets", 1)
    assert info.value.retry_after == 900.0
    with pytest.raises(AutotaskThresholdError):
        client.create("Tickets", {"title": "x"})
    assert len(mock.requests) == 1
    assert sleeps == []


@pytest.mark.contract("AT-THREAD-LIMIT")
def test_the_thread_limit_is_retried_within_seconds(make_client, sleeps) -> None:
    answers = [reply({"errors": ["Itgenatr005"]}, 500), reply({"errors": ["Itgenatr005"]}, 429),
               reply({"item": None})]
    client, mock = make_client(lambda r: answers.pop(0))
    assert client.get("Tickets", 1) is None
    assert len(mock.requests) == 3
    assert len(sleeps) == 2
    assert all(s < 2.0 for s in sleeps)


@pytest.mark.contract("AT-SERVER-ERROR-TEXT")
@pytest.mark.parametrize("text", [
    "An unexpected error has occurred. Please try again later.",
    "Internal Server Error", "The operation timed out.", "Service unavailable",
])
def test_a_500_that_reads_as_a_fault_is_a_server_error_not_a_validation(text: str) -> None:
    for method in ("GET", "POST"):
        error = classify_response(500, [text], method=method, url=URL, entity="Tickets")
        assert type(error) is AutotaskServerError
        assert error.ambiguous is (method == "POST")
