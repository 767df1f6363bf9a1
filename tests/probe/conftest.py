"""Fixtures of the probe tests: both fakes served and seeded (see world.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from probeworld import ProbeWorld

__all__ = ["world"]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ProbeWorld]:
    for key in [k for k in os.environ if k.startswith("AUTOTASK_FN_")]:
        monkeypatch.delenv(key)
    served = ProbeWorld(tmp_path)
    yield served
    served.close()
