"""Field Nation cassettes never hold a token, a password or a client secret."""

from __future__ import annotations

from pathlib import Path

import httpx

from autotask_fn.fieldnation import FieldNationClient
from autotask_fn.fieldnation.cassettes import recorder
from autotask_fn.testing import FakeFieldNation, serve


def test_a_recorded_session_holds_no_secret_and_replays(tmp_path: Path) -> None:
    fake = FakeFieldNation()
    server = serve(fake)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    fake.base_url = base
    wo_id = fake.create_work_order(title="Cassette work order")
    try:
        with recorder(tmp_path).use_cassette("wo.yaml"):
            client = FieldNationClient(
                FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET,
                FakeFieldNation.USERNAME, FakeFieldNation.PASSWORD, base_url=base,
                clock=fake.clock.timestamp, http_client=httpx.Client())
            assert client.get_work_order(wo_id).title == "Cassette work order"
    finally:
        server.shutdown()
        server.server_close()
    text = (tmp_path / "wo.yaml").read_text()
    issued = fake.tokens.issued()
    assert issued  # a token was really granted during the recording
    for secret in (FakeFieldNation.CLIENT_SECRET, *issued):
        assert secret not in text
    # the fake's password is the word "password" (also in grant_type=password): check the field
    assert "password=%5BREDACTED%5D" in text
    assert "client_secret=%5BREDACTED%5D" in text
    assert "access_token=%5BREDACTED%5D" in text  # in the work order URL
    assert '"access_token": "[REDACTED]"' in text  # in the token answer
    assert "Cassette work order" in text

    with recorder(tmp_path, record_mode="none").use_cassette("wo.yaml"):
        replay = FieldNationClient(
            FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET, FakeFieldNation.USERNAME,
            FakeFieldNation.PASSWORD, base_url=base, clock=fake.clock.timestamp,
            http_client=httpx.Client())
        assert replay.get_work_order(wo_id).title == "Cassette work order"
