"""The multi-process chaos rig: both fakes served on local sockets, one shared store (a SQLite
file or a fresh PostgreSQL schema), linked work orders with provider activity, and worker
processes (``_worker.py``) that each build their own clients against the served fakes.

Builds on the public rig (``autotask_fn.testing.rig.SyncRig``): its fakes, settings and
helpers stay; the clients are rebuilt over HTTP and the store is one that other processes can open.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from expect import assert_exact, assert_extras_exact, open_entries
from stores import drop_store, open_store

from autotask_fn.autotask import AutotaskClient
from autotask_fn.fieldnation import FieldNationClient
from autotask_fn.store import EntryStatus
from autotask_fn.sync import ConnectorSettings, SyncService
from autotask_fn.testing import FakeAutotask, FakeFieldNation, serve
from autotask_fn.testing.rig import WEBHOOK_SECRET as SECRET
from autotask_fn.testing.rig import SyncRig

WORKER = Path(__file__).with_name("_worker.py")
#: A few bytes that pass for an image (a receipt).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


class Served(SyncRig):
    """The rig with both fakes on local sockets, HTTP clients and a shared store.

    ``settings`` become ``ConnectorSettings`` (and are handed to every worker as JSON).
    :attr:`svc` (the fake's clock) accepts webhooks, whose timestamps follow that clock;
    :attr:`sweeper` runs on the wall clock, as the workers do, so it sees their leases and
    locks as they are.
    """

    def __init__(self, spec: list[str], **settings: Any) -> None:
        self.settings_map: dict[str, Any] = {"webhook_secrets": [SECRET], **settings}
        super().__init__(ConnectorSettings.from_mapping(self.settings_map))
        # the rig maps the seeded provider by user id; the workers get the same map
        self.settings_map["resource_map"] = dict(self.settings.resource_map)
        # receipts as the undocumented variant shows them (FN-EXPENSE-RECEIPT-READ)
        self.fn_fake.receipts_on_read = "receipt"
        self.spec = spec
        # The tests take webhooks from the outboxes themselves: no served delivery.
        self._servers = [serve(self.at_fake, deliver=False), serve(self.fn_fake, deliver=False)]
        at_port = self._servers[0].server_address[1]
        fn_port = self._servers[1].server_address[1]
        self.zone_url = f"http://127.0.0.1:{at_port}/atservicesrest/"
        self.fn_url = f"http://127.0.0.1:{fn_port}"
        self.fn_fake.base_url = self.fn_url
        self.at = AutotaskClient(FakeAutotask.USERNAME, FakeAutotask.SECRET,
                                 FakeAutotask.INTEGRATION_CODE, zone_url=self.zone_url,
                                 sleep=_short_sleep)
        self.fn = FieldNationClient(FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET,
                                    FakeFieldNation.USERNAME, FakeFieldNation.PASSWORD,
                                    base_url=self.fn_url, clock=self.fn_fake.clock.timestamp,
                                    sleep=_short_sleep)
        self.store = open_store(spec)
        self.svc = self.service("acceptor")
        self.sweeper = SyncService(autotask=self.at, fieldnation=self.fn, store=self.store,
                                   settings=self.validated, worker_id="sweeper")
        self.logs: dict[int, dict[int, tuple[datetime, datetime]]] = {}
        self.extras: dict[int, dict[str, Any]] = {}
        self.orders: list[tuple[int, int]] = []

    def close(self) -> None:
        self.store.close()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        drop_store(self.spec)

    # -- the scenario -------------------------------------------------------------------
    def prepare(self, count: int) -> None:
        """``count`` linked work orders with provider activity: a checked-in log (events),
        a log without any event (every third one spans midnight), a message with a reply,
        an internal message, an expense with a receipt, a file, a signature and the work
        marked done."""
        self.orders = [self.linked_work_order(title=f"Chaos {n}") for n in range(count)]
        for n, (wo, _ticket) in enumerate(self.orders):
            start = T0 + timedelta(minutes=20 * n)
            first = self.fn_fake.check_in(wo, start)
            self.fn_fake.check_out(wo, start + timedelta(minutes=45 + n))
            self.logs[wo] = {first: (start, start + timedelta(minutes=45 + n))}
            late = datetime(2026, 1, 5, 22 if n % 3 == 0 else 15, 0, tzinfo=UTC)
            quiet = self.fn_fake.log_time(wo, late, late + timedelta(hours=3))
            self.logs[wo][quiet] = (late, late + timedelta(hours=3))
            msg = self.fn_fake.post_message(wo, f"On site {n}")
            self.fn_fake.post_message(wo, "Need a part", reply_to=msg)
            self.fn_fake.post_message(wo, "<b>gate code</b> 12", internal=True)
            expense = self.fn_fake.add_expense(wo, f"{12 + n}.50", "Parking", receipt=PNG)
            upload = self.fn_fake.upload_file(wo, f"photo{n}.jpg", bytes([n]) * 700)
            signature = self.fn_fake.capture_signature(wo, f"Manager {n}")
            self.extras[wo] = {"expense": {expense: Decimal(f"{12 + n}.50")},
                               "attachments": {f"[FN:{{env}}:receipt:{expense}]",
                                               f"[FN:{{env}}:file:{upload}]",
                                               f"[FN:{{env}}:signature:{signature}]"}}
            self.fn_fake.complete_work(wo)

    def enqueue_stream(self, *, seed: int, duplicate: float = 0.6) -> int:
        """One shuffled, duplicated delivery stream into the store; how many were delivered."""
        deliveries = self.fn_fake.take_deliveries(duplicate, shuffle=True, seed=seed)
        acks = [self.svc.handle_fieldnation_webhook(d.body, d.headers) for d in deliveries]
        assert {a.status for a in acks} == {200}
        assert any(a.duplicate for a in acks), "the stream should carry duplicates"
        return len(deliveries)

    def faults_fired(self) -> int:
        """Answers of either fake that were injected failures (5xx)."""
        return sum(1 for fake in (self.at_fake, self.fn_fake) for r in fake.requests
                   if r.status >= 500)

    def open_entries(self) -> int:
        return open_entries(self.svc)

    # -- workers ------------------------------------------------------------------------
    def start_worker(self, worker_id: str, *, lease: float, deadline: float = 60.0,
                     start_at: float | None = None) -> subprocess.Popen[str]:
        """A worker process: its own clients and store connection, ``process_pending``
        until the inbox holds no pending or leased entry (or ``deadline`` seconds).
        ``start_at`` (wall clock) holds its first lease until then: workers start together."""
        args = {"zone_url": self.zone_url, "fn_url": self.fn_url, "store": self.spec,
                "settings": self.settings_map, "worker_id": worker_id, "lease": lease,
                "deadline": deadline, "start_at": start_at}
        return subprocess.Popen([sys.executable, str(WORKER), json.dumps(args)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait_leased_by(self, worker_id: str, timeout: float = 30.0) -> bool:
        """Wait until ``worker_id`` holds a lease on some inbox entry (it is mid-sync)."""
        stop = time.monotonic() + timeout
        while time.monotonic() < stop:
            leased = self.store.list_entries(EntryStatus.LEASED, limit=500)
            if any(e.lease_owner == worker_id for e in leased):
                return True
            if self.open_entries() == 0:
                return False
            time.sleep(0.01)
        return False

    def wait_any_leased(self, worker_ids: Iterable[str], timeout: float = 30.0) -> str | None:
        """Wait until one of ``worker_ids`` holds a lease on an inbox entry; return which one
        (whichever the scheduler let in first: on a loaded machine it need not be a given one)."""
        wanted = set(worker_ids)
        stop = time.monotonic() + timeout
        while time.monotonic() < stop:
            for entry in self.store.list_entries(EntryStatus.LEASED, limit=500):
                if entry.lease_owner in wanted:
                    return entry.lease_owner
            if self.open_entries() == 0:
                return None
            time.sleep(0.01)
        return None

    # -- the exact end state ------------------------------------------------------------
    def assert_exact(self) -> dict[str, int]:
        """Autotask holds exactly the expected records; returns the counts checked."""
        counts = assert_exact(self, self.sweeper, self.orders, self.logs)
        return {**counts, **assert_extras_exact(self, self.sweeper, self.orders, self.extras)}


def _short_sleep(seconds: float) -> None:
    time.sleep(min(seconds, 0.05))


#: Short backoff, many attempts and a short lock: what a killed worker held is free quickly.
WORKER_SETTINGS: dict[str, Any] = {"backoff_base": 0.2, "backoff_max": 1.0, "max_attempts": 40,
                                   "lock_ttl": 3.0}


def finish(proc: subprocess.Popen[str], timeout: float = 90) -> dict[str, int]:
    """Wait for a worker process to drain and exit 0; its totals (its last output line)."""
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    totals: dict[str, int] = json.loads(out.strip().splitlines()[-1])
    return totals
