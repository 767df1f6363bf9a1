"""FakeFieldNation: the OAuth token endpoint and how REST v2 / webhooks check tokens."""

from __future__ import annotations

import httpx
import pytest

from autotask_fn.testing import FakeFieldNation

F = FakeFieldNation
TOKEN = F.TOKEN_PATH
REST = F.REST_PREFIX


@pytest.fixture
def fake() -> FakeFieldNation:
    return FakeFieldNation()


@pytest.fixture
def anon(fake: FakeFieldNation) -> httpx.Client:
    return fake.http_client(None)


def _creds(**over: str) -> dict[str, str]:
    base = {"grant_type": "password", "client_id": F.CLIENT_ID,
            "client_secret": F.CLIENT_SECRET, "username": F.USERNAME, "password": F.PASSWORD}
    return {**base, **over}


def test_defaults_are_ready_to_use(fake: FakeFieldNation) -> None:
    assert fake.base_url == "https://fake-fieldnation.test"
    assert (F.CLIENT_ID, F.CLIENT_SECRET, F.USERNAME, F.PASSWORD) == (
        "client-id", "client-secret", "api-user", "password")
    assert fake.seed.provider_email == "tech@example.com"
    provider = fake.users[fake.seed.provider_id]
    assert (provider.first_name, provider.last_name, provider.email) == (
        "Pat", "Tech", "tech@example.com")
    assert "tech-password" not in repr(provider)
    assert fake.users[fake.seed.manager_id].role == "buyer"
    assert fake.seed.types_of_work
    assert fake.seed.expense_categories
    assert fake.seed.custom_fields


@pytest.mark.contract("FN-TOKEN-PASSWORD-GRANT")
@pytest.mark.parametrize("as_json", [False, True])
def test_password_grant_accepts_form_and_json(anon: httpx.Client, as_json: bool) -> None:
    response = anon.post(TOKEN, json=_creds()) if as_json else anon.post(TOKEN, data=_creds())
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 3600
    assert body["token_type"] == "Bearer"
    assert body["user"]["id"] == 1068
    listed = anon.get(f"{REST}/workorders", params={"access_token": body["access_token"]})
    assert listed.status_code == 200


@pytest.mark.parametrize(("field", "value"), [("client_secret", "nope"), ("password", "nope"),
                                              ("username", "nobody")])
def test_bad_credentials_are_refused_with_401(anon: httpx.Client, field: str,
                                              value: str) -> None:
    response = anon.post(TOKEN, data=_creds(**{field: value}))
    assert response.status_code == 401
    assert response.json()["status"] == 401
    assert "nope" not in response.text


@pytest.mark.contract("FN-TOKEN-PASSWORD-GRANT")
def test_refresh_grant_is_not_supported(anon: httpx.Client) -> None:
    response = anon.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": "x",
                                      "client_id": F.CLIENT_ID,
                                      "client_secret": F.CLIENT_SECRET})
    assert response.status_code == 400


@pytest.mark.contract("FN-TOKEN-EXPIRED")
def test_token_expires_after_an_hour_on_the_fake_clock(fake: FakeFieldNation,
                                                       anon: httpx.Client) -> None:
    token = anon.post(TOKEN, data=_creds()).json()["access_token"]
    fake.clock.advance(3599)
    assert anon.get(f"{REST}/workorders", params={"access_token": token}).status_code == 200
    fake.clock.advance(1)
    expired = anon.get(f"{REST}/workorders", params={"access_token": token})
    assert expired.status_code == 400
    assert expired.json() == {"status": 400, "message": "Expired token."}


def test_missing_or_unknown_token_is_401(anon: httpx.Client) -> None:
    missing = anon.get(f"{REST}/workorders")
    unknown = anon.get(f"{REST}/workorders", params={"access_token": "not-a-token"})
    for response in (missing, unknown):
        assert response.status_code == 401
        assert response.json()["status"] == 401


def test_rest_also_accepts_a_bearer_header(fake: FakeFieldNation) -> None:
    assert fake.http_client(bearer=True).get(f"{REST}/workorders").status_code == 200


def test_webhooks_api_takes_bearer_only(fake: FakeFieldNation) -> None:
    token = fake.issue_token()
    anon = fake.http_client(None)
    assert anon.get(F.WEBHOOKS_PATH, params={"access_token": token}).status_code == 401
    ok = anon.get(F.WEBHOOKS_PATH, headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200


def test_client_credentials_token_works_for_webhooks_only(anon: httpx.Client) -> None:
    token = anon.post(TOKEN, data={"grant_type": "client_credentials",
                                   "client_id": F.CLIENT_ID,
                                   "client_secret": F.CLIENT_SECRET}).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert anon.get(F.WEBHOOKS_PATH, headers=bearer).status_code == 200
    assert anon.get(f"{REST}/workorders", headers=bearer).status_code == 401


def test_provider_logs_in_and_sees_only_its_work_orders(fake: FakeFieldNation,
                                                        anon: httpx.Client) -> None:
    mine = fake.create_work_order(title="mine")
    fake.assign(mine)
    other = fake.create_work_order(title="other")
    token = anon.post(TOKEN, data=_creds(username="tech", password="tech-password")).json()
    assert token["user"]["email"] == "tech@example.com"
    params = {"access_token": token["access_token"]}
    listed = anon.get(f"{REST}/workorders", params=params).json()
    assert [w["id"] for w in listed["results"]] == [mine]
    assert anon.get(f"{REST}/workorders/{other}", params=params).status_code == 403
    assert anon.post(f"{REST}/workorders", params=params, json={"title": "x"}).status_code == 403


def test_the_request_log_never_shows_the_token(fake: FakeFieldNation) -> None:
    token = fake.issue_token()
    fake.http_client(None).get(f"{REST}/workorders", params={"access_token": token})
    assert fake.requests
    assert all(token not in r.url for r in fake.requests)


def test_token_request_bodies_are_redacted_in_the_log(fake: FakeFieldNation,
                                                      anon: httpx.Client) -> None:
    tech = _creds(username=F.PROVIDER_USERNAME, password=F.PROVIDER_PASSWORD)
    assert anon.post(TOKEN, data=tech).status_code == 200
    assert anon.post(TOKEN, json=tech).status_code == 200
    for logged in fake.requests:
        assert F.PROVIDER_PASSWORD.encode() not in logged.body
        assert F.CLIENT_SECRET.encode() not in logged.body
        assert F.PROVIDER_USERNAME.encode() in logged.body
