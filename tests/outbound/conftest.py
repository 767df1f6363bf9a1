"""Fixtures of the outbound (second half) tests: the sync world with a byte-budget limiter."""

from __future__ import annotations

import pytest
from outbound_world import OutboundWorld


@pytest.fixture
def world() -> OutboundWorld:
    return OutboundWorld()
