"""Stateful fakes of Autotask and Field Nation for tests, as WSGI applications.

Use them in your own host's tests the way ``moto`` is used for AWS::

    import httpx
    from autotask_fn.testing import FakeAutotask, FakeFieldNation

    at = FakeAutotask()
    http = httpx.Client(transport=httpx.WSGITransport(app=at))

Both fakes share the controls of :class:`FakeService`:
``latency``, ``fail_next(...)``, ``requests`` and ``count_requests(...)``. Served on a port
(:func:`serve`) they also deliver their webhooks over HTTP and answer the control API under
``/_fake`` (see the testing guide).

:class:`~autotask_fn.testing.rig.SyncRig` connects both fakes to real clients, a store and a
validated ``SyncService`` in one line (``rig = SyncRig()``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autotask_fn.testing._service import FakeRequest, FakeResponse, FakeService, Fault, serve

if TYPE_CHECKING:
    from autotask_fn.testing.autotask import FakeAutotask
    from autotask_fn.testing.autotask.clock import FakeClock
    from autotask_fn.testing.fieldnation import FakeFieldNation
    from autotask_fn.testing.rig import SyncRig

__all__ = [
    "FakeAutotask",
    "FakeFieldNation",
    "FakeRequest",
    "FakeResponse",
    "FakeService",
    "Fault",
    "SyncRig",
    "live_clock",
    "serve",
]


def live_clock() -> FakeClock:
    """A fake clock that starts now and runs with real time, for a served fake whose records
    and webhook time stamps should read as the current time (``autotask-fn fake-server``
    uses one per fake). Moving it (``advance``) still adds to it, to make retries due.
    Works for both fakes: ``FakeAutotask(clock=live_clock())``,
    ``FakeFieldNation(clock=live_clock())``.
    """
    from autotask_fn.testing.autotask.clock import FakeClock

    return FakeClock(running=True)


def __getattr__(name: str) -> Any:
    # Imported lazily so that using one fake does not import the other (nor the sync core).
    if name == "FakeAutotask":
        from autotask_fn.testing.autotask import FakeAutotask

        return FakeAutotask
    if name == "FakeFieldNation":
        from autotask_fn.testing.fieldnation import FakeFieldNation

        return FakeFieldNation
    if name == "SyncRig":
        from autotask_fn.testing.rig import SyncRig

        return SyncRig
    raise AttributeError(name)
