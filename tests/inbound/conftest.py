"""Fixtures of the inbound tests (the world itself is in ``inbound_world.py``)."""

from __future__ import annotations

import pytest
from inbound_world import InboundWorld


@pytest.fixture
def world() -> InboundWorld:
    return InboundWorld()
