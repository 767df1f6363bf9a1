"""A connected rig for tests: both fakes, real clients wired to them, a store and a service.

Two lines give a host's test everything the sync needs, in process and without a network::

    from autotask_fn.testing.rig import SyncRig

    rig = SyncRig()                       # rig.svc is a validated SyncService

:class:`SyncRig` builds a :class:`~autotask_fn.testing.FakeAutotask` and a
:class:`~autotask_fn.testing.FakeFieldNation`, an :class:`~autotask_fn.AutotaskClient` and a
:class:`~autotask_fn.FieldNationClient` talking to them over ``httpx.WSGITransport`` (no
sleeping between retries), an in-memory :class:`~autotask_fn.store.SqliteStore` (or the
store you give), a Field Nation webhook registered with :data:`WEBHOOK_SECRET`, and a
:class:`~autotask_fn.sync.SyncService` whose settings were validated against the fake tenant.
The project's own tests and benchmarks run on this rig.

The module imports neither pytest nor anything else outside the package; wrap it in a fixture
of your own (``@pytest.fixture def rig() -> SyncRig: return SyncRig()``).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any, Final

import attrs

from autotask_fn.autotask import AutotaskClient
from autotask_fn.fieldnation import FieldNationClient
from autotask_fn.fieldnation.webhooks import Events
from autotask_fn.store import SqliteStore, Store
from autotask_fn.sync import ConnectorSettings, SyncService, ValidatedSettings
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.testing.autotask import FakeAutotask
from autotask_fn.testing.fieldnation import FakeFieldNation

__all__ = ["CALLOUT_KEY", "WEBHOOK_SECRET", "WEBHOOK_URL", "SyncRig"]

#: Secret of the Field Nation webhook the rig registers; settings given to :class:`SyncRig`
#: without ``webhook_secrets`` accept it.
WEBHOOK_SECRET: Final = "rig-fieldnation-webhook-secret"  # noqa: S105  (a test value)
#: Secret key of the Autotask ticket callouts accepted when the rig is built with ``inbound``.
CALLOUT_KEY: Final = "rig-autotask-callout-key-0001"
#: Where the rig's Field Nation webhook delivers (deliveries are collected by the fake).
WEBHOOK_URL: Final = "https://host.test/fn"


def _no_sleep(_seconds: float) -> None:
    return None


class SyncRig:
    """Both fakes, both clients, a store and a validated :class:`SyncService` (:attr:`svc`).

    ``settings`` default to ``ConnectorSettings()``; when they carry no ``webhook_secrets``
    the rig's :data:`WEBHOOK_SECRET` is filled in, and when they have neither a
    ``resource_map`` nor a ``default_resource_id`` the fake's provider is mapped to the fake
    tenant's technician by Field Nation user id. ``inbound`` turns on Autotask imports with
    these settings, filling in :data:`CALLOUT_KEY` as the callout key and the fake's API user
    as ``api_resource_id`` when they are not set. ``store`` defaults to an in-memory
    :class:`SqliteStore`.

    The service's clock is the Field Nation fake's clock (webhook timestamps follow it) plus
    the time moved by :meth:`advance`.
    """

    at_fake: FakeAutotask
    """The Autotask tenant."""
    fn_fake: FakeFieldNation
    """The Field Nation company and provider; its outbox holds the signed deliveries."""
    at: AutotaskClient
    """The Autotask client, wired to :attr:`at_fake` (its limiter runs on the fake's clock)."""
    fn: FieldNationClient
    """The Field Nation client, wired to :attr:`fn_fake` on the fake's clock."""
    store: Store
    """The store of :attr:`svc`."""
    settings: ConnectorSettings
    """The settings as given, secrets filled in."""
    validated: ValidatedSettings
    """:attr:`settings` validated against :attr:`at_fake`."""
    elapsed: float
    """Seconds the service's clock runs ahead of the Field Nation fake's (see :meth:`advance`)."""
    svc: SyncService
    """The service (worker ``worker-1``)."""

    def __init__(self, settings: ConnectorSettings | None = None, *,
                 inbound: InboundSettings | None = None, store: Store | None = None) -> None:
        self.at_fake = FakeAutotask()
        self.fn_fake = FakeFieldNation()
        self.at = self.at_fake.client(sleep=_no_sleep)
        self.fn = self.fn_fake.client(sleep=_no_sleep)
        self.fn_fake.register_webhook(WEBHOOK_URL, list(Events.all()), WEBHOOK_SECRET)
        self.store = store if store is not None else SqliteStore()
        self.elapsed = 0.0
        self.settings = self._complete(settings or ConnectorSettings(), inbound)
        self.validated = self.settings.validate(self.at)
        self.svc = self.service()

    def _complete(self, settings: ConnectorSettings,
                  inbound: InboundSettings | None) -> ConnectorSettings:
        if not settings.webhook_secrets:
            settings = attrs.evolve(settings, webhook_secrets=(WEBHOOK_SECRET,))
        if not settings.resource_map and settings.default_resource_id is None:
            # Field Nation providers come without an e-mail: the seeded provider is mapped
            # to the seeded technician by user id.
            settings = attrs.evolve(settings, resource_map={
                str(self.fn_fake.seed.provider_id): self.at_fake.seed.tech_resource_id})
        if inbound is not None:
            if not inbound.webhook_secrets:
                inbound = attrs.evolve(inbound, webhook_secrets=(CALLOUT_KEY,))
            if inbound.api_resource_id is None:
                inbound = attrs.evolve(inbound, api_resource_id=self.at_fake.api_resource_id)
            settings = attrs.evolve(settings, inbound=inbound)
        return settings

    # -- the service ---------------------------------------------------------------------
    def clock(self) -> float:
        """The service's clock: the Field Nation fake's time plus :attr:`elapsed`."""
        return self.fn_fake.clock.timestamp() + self.elapsed

    def advance(self, seconds: float) -> None:
        """Move the service's clock only (leases, locks, backoff); the fakes keep their time."""
        self.elapsed += seconds

    def service(self, worker_id: str = "worker-1", *, store: Store | None = None
                ) -> SyncService:
        """Another service (a worker) over the same clients and settings, on :attr:`store`
        or the ``store`` given."""
        return SyncService(autotask=self.at, fieldnation=self.fn,
                           store=self.store if store is None else store,
                           settings=self.validated, clock=self.clock, worker_id=worker_id)

    # -- making records ------------------------------------------------------------------
    def ticket(self, **fields: object) -> int:
        """A ticket assigned to the seeded technician, as a dispatcher makes it in the
        Autotask UI (rules and callouts apply); ``fields`` override the defaults."""
        seed = self.at_fake.seed
        return self._ui_ticket({
            "title": "Replace POS terminal", "companyID": seed.company_id, "status": 1,
            "priority": 2, "queueID": seed.queue_id, "assignedResourceID": seed.tech_resource_id,
            "assignedResourceRoleID": seed.tech_role_id}, fields)

    def dispatch_ticket(self, **fields: object) -> int:
        """A ticket to send to Field Nation: company, location, contact and due date, made in
        the Autotask UI; ``fields`` override the defaults."""
        seed = self.at_fake.seed
        return self._ui_ticket({
            "title": "Replace POS terminal", "description": "Terminal 3 is dead.",
            "companyID": seed.company_id, "companyLocationID": seed.location_id,
            "contactID": seed.contact_id, "status": 1, "priority": 2,
            "queueID": seed.queue_id, "dueDateTime": "2026-03-05T14:30:00Z"}, fields)

    def _ui_ticket(self, defaults: dict[str, object], fields: dict[str, object]) -> int:
        values: dict[str, Any] = {**defaults, **fields}
        return self.at_fake.ui_create_ticket(**values)

    def attach(self, ticket_id: int, name: str = "plan.pdf",
               data: str = "JVBERi0xLjQgcGxhbg==") -> int:
        """A file attached to a ticket in the Autotask UI (``data`` is base64); its id."""
        return self.at_fake.ui_attach_file(ticket_id, name, base64.b64decode(data),
                                           file_name=name)

    def linked_work_order(self, *, baseline: bool = True, **fields: object) -> tuple[int, int]:
        """An assigned work order (``fields`` go to ``create_work_order``) linked to a new
        :meth:`ticket`: ``(work_order_id, ticket_id)``. The deliveries made so far are dropped."""
        wo_id = self.fn_fake.create_work_order(**fields)
        self.fn_fake.assign(wo_id)
        ticket_id = self.ticket()
        self.svc.link_work_order(wo_id, ticket_id, baseline=baseline)
        self.fn_fake.take_deliveries()
        return wo_id, ticket_id

    # -- webhooks ------------------------------------------------------------------------
    def deliver_all(self, *, duplicate: float | int = 0.0, shuffle: bool = False,
                    seed: int | None = None, svc: SyncService | None = None) -> list[int]:
        """Feed every queued Field Nation delivery to the webhook handler of ``svc`` (default
        :attr:`svc`); the status of each acknowledgement. ``duplicate``, ``shuffle`` and
        ``seed`` are those of ``FakeFieldNation.take_deliveries``."""
        target = svc or self.svc
        return [target.handle_fieldnation_webhook(d.body, d.headers).status
                for d in self.fn_fake.take_deliveries(duplicate, shuffle, seed)]

    def deliver_and_process(self) -> None:
        """Deliver every queued Field Nation webhook to :attr:`svc`, then process the inbox."""
        self.deliver_all()
        self.svc.process_pending()

    # -- counting ------------------------------------------------------------------------
    def measure(self, action: Callable[[], object], sync: Callable[[], object]
                ) -> tuple[int, int]:
        """Run ``action``, then ``sync``: ``(Autotask requests, Autotask writes)`` made by
        ``sync`` alone, counted from the fake's request log."""
        action()
        self.at_fake.reset_requests()
        sync()
        calls = self.at_fake.count_requests()
        reads = self.at_fake.count_requests("GET") + self.at_fake.count_requests(
            "POST", r"/query")
        return calls, calls - reads

    def calls(self, action: Callable[[], object]) -> tuple[int, int, float]:
        """``(Autotask requests, Field Nation requests, seconds)`` of one action, counted by
        the clients (retries included)."""
        at0, fn0 = self.at.stats.total, self.fn.stats.total
        start = time.perf_counter()
        action()
        elapsed = time.perf_counter() - start
        return self.at.stats.total - at0, self.fn.stats.total - fn0, elapsed

    def at_writes(self) -> int:
        """Writes the Autotask fake has served since its last reset (queries are reads)."""
        return sum(self.at_fake.count_requests(m) for m in ("POST", "PATCH", "PUT", "DELETE")) \
            - self.at_fake.count_requests("POST", r"/query")

    def fn_writes(self) -> int:
        """Writes the Field Nation fake has served to its REST API since its last reset."""
        return sum(self.fn_fake.count_requests(m, r"/api/rest/v2/")
                   for m in ("POST", "PUT", "DELETE"))

    def reset_counts(self) -> None:
        """Clear both fakes' request logs."""
        self.at_fake.reset_requests()
        self.fn_fake.reset_requests()
