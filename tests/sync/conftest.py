"""Fixtures of the sync tests: a world of both fakes, real clients and an in-memory store."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[2]))  # the repository root, for bench/

from world import World


@pytest.fixture
def world() -> World:
    return World()
