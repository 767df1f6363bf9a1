"""The live suite's guard (runs in the normal suite): skipped without variables, refused on a
zone not marked sandbox."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from livekit import build

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "probe"))
from probeworld import ProbeWorld, settings_toml


def _point_at(world: ProbeWorld, monkeypatch: pytest.MonkeyPatch, **kwargs: object) -> None:
    for key in [k for k in os.environ if k.startswith("AUTOTASK_FN_")]:
        monkeypatch.delenv(key)
    world.config.write_text(world.toml(**kwargs) + settings_toml(world))  # type: ignore[arg-type]
    monkeypatch.setenv("AUTOTASK_FN_LIVE_CONFIG", str(world.config))


def test_without_variables_the_suite_is_skipped_with_the_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("AUTOTASK_FN_LIVE_")]:
        monkeypatch.delenv(key)
    with pytest.raises(pytest.skip.Exception, match="AUTOTASK_FN_LIVE_CONFIG"):
        build(tmp_path)


@pytest.mark.parametrize("change", [{"sandbox": False}, {"tenant_id": 1}])
def test_a_zone_not_marked_sandbox_is_refused(
        change: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    world = ProbeWorld(tmp_path)
    try:
        _point_at(world, monkeypatch, **change)
        with pytest.raises(pytest.fail.Exception, match="live suite refused"):
            build(tmp_path)
        _point_at(world, monkeypatch)
        assert build(tmp_path).marker.startswith("autotask-fn live ")
    finally:
        world.close()
