"""The wire choices in WireFormat change what goes on the wire, and links keep the token home."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from autotask_fn.fieldnation import WireFormat

from .conftest import StubFN, body, make_client

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
END = datetime(2026, 1, 5, 11, tzinfo=UTC)


def echo_time_log(request: httpx.Request) -> httpx.Response:
    return httpx.Response(201, json={"id": 1, **body(request)})


def test_time_logs_are_written_as_nested_in_out_by_default() -> None:
    stub = StubFN(echo_time_log)
    log = make_client(stub).create_time_log(5, START, END)
    assert body(stub.api_requests()[0]) == {
        "in": {"created": {"utc": "2026-01-05 09:00:00"}},
        "out": {"created": {"utc": "2026-01-05 11:00:00"}}}
    assert (log.start, log.end) == (START, END)


def test_time_log_keys_and_nesting_can_be_switched() -> None:
    stub = StubFN(echo_time_log)
    wire = WireFormat(time_log_keys=("start", "end"), time_log_nested=False)
    log = make_client(stub, wire=wire).create_time_log(5, START, END)
    assert body(stub.api_requests()[0]) == {"start": {"utc": "2026-01-05 09:00:00"},
                                            "end": {"utc": "2026-01-05 11:00:00"}}
    assert log.hours == 2


def test_expense_status_is_sent_in_the_configured_vocabulary() -> None:
    stub = StubFN(lambda r: httpx.Response(200, json={"id": 3, **body(r)}))
    make_client(stub).update_expense(5, 3, status="rejected")
    narrative = WireFormat(expense_status_new="pending", expense_status_denied="rejected")
    make_client(stub, wire=narrative).update_expense(5, 3, status="disapproved")
    assert [body(r)["status"] for r in stub.api_requests()] == ["disapproved", "rejected"]


def test_foreign_download_links_never_receive_the_token() -> None:
    stub = StubFN(lambda r: httpx.Response(200, content=b"file-bytes"))
    fn = make_client(stub)
    assert fn.download("https://storage.example.net/signed/abc?sig=1") == b"file-bytes"
    assert fn.download("/files/abc/report.pdf") == b"file-bytes"
    foreign, own = stub.api_requests()
    assert "access_token" not in foreign.url.params
    assert "authorization" not in foreign.headers
    assert own.url.host == "api-sandbox.fndev.net"
    assert own.url.params["access_token"] == stub.issued[0]


def test_configuration_mistakes_are_reported_before_any_request() -> None:
    from autotask_fn.errors import ConfigurationError
    from autotask_fn.fieldnation import FieldNationClient

    with pytest.raises(ConfigurationError, match="sandbox"):
        FieldNationClient("id", "secret", "user", "pw", environment="staging")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="client_secret") as info:
        FieldNationClient("id", "", "user", "pw-very-secret")
    assert "pw-very-secret" not in str(info.value)


def test_a_caller_owned_http_client_is_used_and_left_open() -> None:
    from autotask_fn.fieldnation import FieldNationClient

    stub = StubFN(lambda r: httpx.Response(200, json={"id": 7}))
    http = httpx.Client(transport=httpx.MockTransport(stub))
    with FieldNationClient("id", "secret", "user", "pw", environment="production",
                           http_client=http) as fn:
        assert fn.get_work_order(7).id == 7
    assert not http.is_closed
    assert stub.api_requests()[0].url.host == "api.fieldnation.com"
    http.close()


@pytest.mark.parametrize("link", ["http://api-sandbox.fndev.net/files/abc/report.pdf",
                                  "https://api-sandbox.fndev.net:8443/files/abc/report.pdf"])
def test_links_to_the_api_host_over_another_scheme_or_port_never_receive_the_token(
        link: str) -> None:
    stub = StubFN(lambda r: httpx.Response(200, content=b"file-bytes"))
    fn = make_client(stub)
    assert fn.download(link) == b"file-bytes"
    with fn.stream(link) as chunks:
        assert b"".join(chunks) == b"file-bytes"
    for request in stub.api_requests():
        assert "access_token" not in request.url.params
        assert "authorization" not in request.headers
    assert not stub.token_requests


def test_an_upload_answer_whose_file_is_not_an_object_is_still_read() -> None:
    stub = StubFN(lambda r: httpx.Response(200, json={"results": [
        {"id": 4, "file": "odd.txt"}, {"id": 5, "name": "a.txt", "file": None},
        {"id": 6, "file": {"name": "a.txt"}}]}))
    att = make_client(stub).upload_file(1, 2, "a.txt", b"x")
    assert (att.id, att.folder_id) == (6, 2)


@pytest.mark.parametrize(("amount", "sent"), [
    (Decimal("1E+2"), "100"), (Decimal("5E-2"), "0.05"), ("12.50", "12.50"), (7, "7"),
])
def test_money_goes_out_as_plain_decimal_text_never_in_exponent_form(amount: object,
                                                                      sent: str) -> None:
    stub = StubFN(lambda r: httpx.Response(201, json={"id": 3, **body(r)}))
    fn = make_client(stub)
    fn.create_expense(5, amount, "Parking")  # type: ignore[arg-type]
    fn.update_expense(5, 3, amount=Decimal("2.5E+1"))
    first, second = (body(r) for r in stub.api_requests())
    assert first["amount"] == sent
    assert second["amount"] == "25"


@pytest.mark.parametrize("amount", ["NaN", Decimal("Infinity"), "fifty"])
def test_an_amount_that_is_not_a_finite_number_is_refused_before_sending(amount: object) -> None:
    stub = StubFN(lambda r: httpx.Response(201, json={"id": 3}))
    with pytest.raises(ValueError, match="number"):
        make_client(stub).create_expense(5, amount, "Parking")  # type: ignore[arg-type]
    assert not stub.api_requests()
