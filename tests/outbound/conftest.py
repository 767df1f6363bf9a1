"""Fixtures of the outbound (second half) tests: the sync world with a byte-budget limiter."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "sync"))  # world.py, the rig the sync tests use
sys.path.insert(0, str(HERE.parents[1]))  # the repository root, for bench/

from outbound_world import OutboundWorld  # noqa: E402


@pytest.fixture
def world() -> OutboundWorld:
    return OutboundWorld()
