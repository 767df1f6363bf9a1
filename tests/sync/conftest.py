"""Fixtures of the sync tests: a world of both fakes, real clients and an in-memory store."""

from __future__ import annotations

import pytest
from world import World


@pytest.fixture
def world() -> World:
    return World()
