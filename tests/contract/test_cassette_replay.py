"""Replay every recorded live run under tests/contract/cassettes/ and check the sync outcome:
what the SDK decided and wrote must be what it did when the run was recorded.

A folder holds ``scenario.yaml`` (the vcrpy cassette, nothing secret or personal in it) and
``outcome.json`` (the recorded outcome and how to point the clients at the recording).
Nothing is sent anywhere: the cassette is replayed with ``record_mode="none"``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "live"))
import scenarios
from livekit import Live

from autotask_fn.autotask import AutotaskClient
from autotask_fn.config import Config, load_config
from autotask_fn.fieldnation import FieldNationClient
from autotask_fn.probe.cassettes import live_recorder
from autotask_fn.store import SqliteStore
from autotask_fn.sync import ConnectorSettings, SyncService

HERE = Path(__file__).resolve().parent / "cassettes"
RECORDED = sorted(p.parent for p in HERE.glob("*/outcome.json"))


def _replayed(folder: Path, tmp: Path) -> dict[str, Any]:
    doc = json.loads((folder / "outcome.json").read_text(encoding="utf-8"))
    replay = doc["replay"]
    with live_recorder(folder, record_mode="none").use_cassette("scenario.yaml"):
        at = AutotaskClient("replay@example.invalid", "replay-secret", "REPLAY-CODE",
                            base_url=replay["autotask"]["base_url"],
                            zone_url=replay["autotask"]["zone_url"], max_retries=0)
        fn = FieldNationClient("replay", "replay-secret", "replay", "replay-password",
                               base_url=replay["fieldnation"]["base_url"], max_retries=0)
        store = SqliteStore(str(tmp / "replay.sqlite3"))
        settings = ConnectorSettings.from_mapping(replay["settings"]).validate(at)
        service = SyncService(autotask=at, fieldnation=fn, store=store, settings=settings)
        config: Config = load_config(None, environ={})
        live = Live(config, at, fn, service, store, doc["marker"])
        outcome: dict[str, Any] = {"import": scenarios.import_ticket(live)}
        if replay["provider"] is not None:
            outcome["flow_back"] = scenarios.flow_back(live, replay["provider"])
        outcome["re_import"] = scenarios.re_import(live)
        if replay["settings"].get("webhook_secrets"):
            outcome["duplicate"] = scenarios.duplicate_delivery(live)
            outcome["links"] = scenarios.links(live)
    return {"recorded": doc["outcome"], "replayed": outcome}


def test_a_recorded_run_is_shipped() -> None:
    assert RECORDED, "tests/contract/cassettes/ holds no recorded run"


@pytest.mark.parametrize("folder", RECORDED, ids=[p.name for p in RECORDED])
def test_a_replayed_run_reaches_the_recorded_outcome(folder: Path, tmp_path: Path) -> None:
    from vcr.errors import CannotOverwriteExistingCassetteException

    try:
        result = _replayed(folder, tmp_path)
    except CannotOverwriteExistingCassetteException as exc:
        hint = ("the SDK now sends a request the recording lacks; if that change is "
                "intended, record again: tests/contract/record-fake-server.sh"
                if folder.name == "fake-server" else
                "the SDK now sends a request this contributed recording lacks")
        pytest.fail(f"{folder.name}: {hint}\n{str(exc)[:2000]}", pytrace=False)
    assert result["replayed"] == result["recorded"]


@pytest.mark.parametrize("folder", RECORDED, ids=[p.name for p in RECORDED])
def test_a_cassette_holds_no_secret_and_no_personal_data(folder: Path) -> None:
    text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    for value in ("api-user@example.com", "tech@example.com", "client-secret", "Site Manager",
                  "Secret: secret", "password=password", "access_token=ey"):
        assert value not in text
    assert "@example.com" not in text
