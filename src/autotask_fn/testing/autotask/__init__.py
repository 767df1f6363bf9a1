"""``FakeAutotask``: a stateful in-memory Autotask PSA tenant for tests (a WSGI app).

Modules: :mod:`.app` (the application and helpers), :mod:`.routes` (the route table),
:mod:`.query` (the filter engine), :mod:`.schema`/:mod:`.picklists`/:mod:`.metadata` (fields,
picklists, UDFs, ``entityInformation``), :mod:`.rules` (validation and business rules),
:mod:`.webhooks` (callouts), :mod:`.limits` (threads, hourly threshold, attachment budget),
:mod:`.tenant` (state and seed), :mod:`.clock` (the movable clock).
"""

from __future__ import annotations

from autotask_fn.testing.autotask.app import FakeAutotask
from autotask_fn.testing.autotask.clock import FakeClock
from autotask_fn.testing.autotask.errors import ApiError
from autotask_fn.testing.autotask.routes import ROUTES, Route
from autotask_fn.testing.autotask.tenant import Seed, TenantOptions
from autotask_fn.testing.autotask.webhooks import Callout, sign

__all__ = [
    "ROUTES",
    "ApiError",
    "Callout",
    "FakeAutotask",
    "FakeClock",
    "Route",
    "Seed",
    "TenantOptions",
    "sign",
]
