"""The live suite's fixture: one set-up per module, cleaned up after it (see livekit.py).

With ``AUTOTASK_FN_LIVE_CASSETTES=DIR`` the whole run (set-up included, clean-up not) is
recorded into ``DIR/scenario.yaml`` with credentials and personal data redacted, and what the
scenarios produced into ``DIR/outcome.json``; tests/contract/test_cassette_replay.py replays
every such folder under tests/contract/cassettes/.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from livekit import Live, build, clean_up

__all__ = ["live"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = os.environ.get("AUTOTASK_FN_LIVE_CASSETTES")
    recording: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if folder:
        from autotask_fn.probe.cassettes import live_recorder

        Path(folder).mkdir(parents=True, exist_ok=True)
        recording = live_recorder(folder, record_mode="all").use_cassette("scenario.yaml")
    with recording:
        world = build(tmp_path_factory.mktemp("live"))
        try:
            yield world
        finally:
            if folder:
                _write_outcome(Path(folder), world)
    clean_up(world)


def _without_secrets(value: Any) -> Any:
    """Settings with every webhook secret replaced (replay signs with whatever is there)."""
    if isinstance(value, dict):
        return {k: (["[REDACTED]"] * len(v) if k == "webhook_secrets" and isinstance(v, list)
                    else _without_secrets(v)) for k, v in value.items()}
    return value


def _write_outcome(folder: Path, world: Live) -> None:
    from autotask_fn.probe.cassettes import redact_personal

    at, fn = world.config.autotask, world.config.fieldnation
    doc = {
        "marker": world.marker,
        "replay": {"autotask": {"base_url": world.autotask.base_url,
                                "zone_url": at.zone_url or world.autotask.zone_url},
                   "fieldnation": {"base_url": fn.base_url or world.fieldnation.base_url},
                   "settings": redact_personal(_without_secrets(world.config.settings)),
                   "provider": world.state.get("provider")},
        "outcome": world.outcome,
    }
    (folder / "outcome.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
