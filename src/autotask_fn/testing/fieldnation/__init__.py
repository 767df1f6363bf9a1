"""``FakeFieldNation``: a stateful in-memory Field Nation (REST v2, OAuth, webhooks v3).

See :class:`~autotask_fn.testing.fieldnation.app.FakeFieldNation` for the controls.
"""

from __future__ import annotations

from autotask_fn.testing.fieldnation.app import FakeFieldNation
from autotask_fn.testing.fieldnation.clock import Clock, FakeClock, SharedClock
from autotask_fn.testing.fieldnation.lifecycle import STATUSES
from autotask_fn.testing.fieldnation.problems import FakeApiError
from autotask_fn.testing.fieldnation.records import Seed
from autotask_fn.testing.fieldnation.webhooks import (
    KNOWN_EVENTS,
    Delivery,
    DeliveryAttempt,
    sign,
)

__all__ = [
    "KNOWN_EVENTS",
    "STATUSES",
    "Clock",
    "Delivery",
    "DeliveryAttempt",
    "FakeApiError",
    "FakeClock",
    "FakeFieldNation",
    "Seed",
    "SharedClock",
    "sign",
]
