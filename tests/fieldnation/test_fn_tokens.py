"""Token acquisition, caching, early renewal, expired-token repeat and one renewal per burst."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from autotask_fn.fieldnation import FieldNationAuthError, FieldNationClient, WireFormat

from .conftest import (
    BASE,
    CLIENT_ID,
    CLIENT_SECRET,
    PASSWORD,
    USERNAME,
    FakeClock,
    StubFN,
    body,
    form,
    make_client,
)

WO = {"id": 7, "title": "Fix printer"}


def ok_wo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=WO)


@pytest.mark.contract("FN-TOKEN-PASSWORD-GRANT")
def test_password_grant_is_form_encoded_and_token_goes_in_the_query() -> None:
    stub = StubFN(ok_wo)
    make_client(stub).get_work_order(7)

    (token_req,) = stub.token_requests
    assert str(token_req.url) == f"{BASE}/authentication/api/oauth/token"
    assert token_req.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert form(token_req) == {"grant_type": "password", "client_id": CLIENT_ID,
                               "client_secret": CLIENT_SECRET, "username": USERNAME,
                               "password": PASSWORD}
    (api_req,) = stub.api_requests()
    assert api_req.url.path == "/api/rest/v2/workorders/7"
    assert api_req.url.params["access_token"] == stub.issued[0]
    assert "authorization" not in api_req.headers


def test_wire_format_switches_to_json_body_and_bearer_header() -> None:
    stub = StubFN(ok_wo)
    wire = WireFormat(token_body="json", token_placement="bearer")
    make_client(stub, wire=wire).get_work_order(7)

    assert body(stub.token_requests[0])["grant_type"] == "password"
    (api_req,) = stub.api_requests()
    assert "access_token" not in api_req.url.params
    assert api_req.headers["authorization"] == f"Bearer {stub.issued[0]}"


def test_token_is_cached_then_renewed_a_minute_before_expiry(clock: FakeClock) -> None:
    stub = StubFN(ok_wo, expires_in=3600)
    fn = make_client(stub, clock)
    fn.get_work_order(7)
    clock.advance(3600 - 61)
    fn.get_work_order(7)
    assert len(stub.token_requests) == 1

    clock.advance(2)  # now inside the last minute of the token's life
    fn.get_work_order(7)
    assert len(stub.token_requests) == 2
    assert stub.api_requests()[-1].url.params["access_token"] == stub.issued[1]


@pytest.mark.contract("FN-TOKEN-EXPIRED")
@pytest.mark.parametrize(
    ("status", "payload"),
    [(400, {"status": 400, "message": "Expired token."}),
     (400, {"message": "You must provide a valid OAuth token to make a request"}),
     (401, {"title": "Unauthorized", "status": 401, "code": "UNAUTHORIZED"})],
)
def test_expired_token_answer_renews_once_and_repeats(status: int, payload: dict) -> None:
    answers = iter([httpx.Response(status, json=payload), httpx.Response(200, json=WO)])
    stub = StubFN(lambda r: next(answers))
    wo = make_client(stub).get_work_order(7)

    assert wo.id == 7
    assert len(stub.token_requests) == 2
    first, second = stub.api_requests()
    assert first.url.params["access_token"] == stub.issued[0]
    assert second.url.params["access_token"] == stub.issued[1]


def test_a_post_is_repeated_after_an_expired_token_because_it_was_never_applied() -> None:
    answers = iter([httpx.Response(401, json={"message": "Expired token."}),
                    httpx.Response(201, json=WO)])
    stub = StubFN(lambda r: next(answers))
    assert make_client(stub).create_work_order({"title": "Fix printer"}).id == 7
    assert [r.method for r in stub.api_requests()] == ["POST", "POST"]


def test_second_rejection_after_renewal_is_an_auth_error() -> None:
    stub = StubFN(lambda r: httpx.Response(401, json={"message": "Invalid token"}))
    with pytest.raises(FieldNationAuthError) as info:
        make_client(stub).get_work_order(7)
    assert len(stub.token_requests) == 2
    assert len(stub.api_requests()) == 2
    assert all(tok not in str(info.value) for tok in stub.issued)


def test_a_plain_validation_400_does_not_renew_the_token() -> None:
    refusal = {"status": 400, "message": "title is required"}
    stub = StubFN(lambda r: httpx.Response(400, json=refusal))
    with pytest.raises(Exception, match="title is required"):
        make_client(stub).create_work_order({"title": "x"})
    assert len(stub.token_requests) == 1


def test_concurrent_callers_share_one_token_request() -> None:
    stub = StubFN(ok_wo)
    stub.token_delay = lambda: time.sleep(0.05)
    fn = make_client(stub)
    start = threading.Barrier(8)

    def call(_: int) -> int:
        start.wait()
        return fn.get_work_order(7).id

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(call, range(8))) == [7] * 8
    assert len(stub.token_requests) == 1
    assert len(stub.api_requests()) == 8


def test_a_burst_of_expired_answers_causes_a_single_renewal() -> None:
    lock = threading.Lock()
    stub = StubFN()
    first_token_rejected = threading.Barrier(4)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["access_token"] == stub.issued[0]:
            first_token_rejected.wait(timeout=5)
            return httpx.Response(401, json={"message": "Expired token."})
        with lock:
            return httpx.Response(200, json=WO)

    stub.handler = handler
    fn = make_client(stub)
    fn.tokens.token()  # everyone starts with the same (soon rejected) token
    with ThreadPoolExecutor(4) as pool:
        assert [wo.id for wo in pool.map(lambda _: fn.get_work_order(7), range(4))] == [7] * 4
    assert len(stub.token_requests) == 2


def test_bad_credentials_raise_auth_error_without_secrets() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_grant",
                                         "error_description": f"bad password {PASSWORD}"})

    fn = FieldNationClient(CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD,
                           transport=httpx.MockTransport(handler))
    with pytest.raises(FieldNationAuthError) as info:
        fn.get_work_order(1)
    text = str(info.value) + repr(info.value)
    assert "could not obtain a token" in text
    assert PASSWORD not in text
    assert CLIENT_SECRET not in text


def test_repr_of_client_and_token_manager_hide_secrets() -> None:
    stub = StubFN(ok_wo)
    fn = make_client(stub)
    fn.get_work_order(7)
    rendered = repr(fn) + repr(fn.tokens) + repr(fn.tokens._credentials)
    for secret in (CLIENT_SECRET, PASSWORD, stub.issued[0]):
        assert secret not in rendered
    assert USERNAME in rendered
