"""The live suite's fixture: one set-up per module, cleaned up after it (see livekit.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from livekit import Live, build, clean_up

__all__ = ["live"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    world = build(tmp_path_factory.mktemp("live"))
    try:
        yield world
    finally:
        clean_up(world)
