"""One chaos worker process (started by ``cluster.Served.start_worker``).

    python _worker.py '{"zone_url": ..., "fn_url": ..., "store": [...], "settings": {...},
                        "worker_id": "w1", "lease": 3.0, "deadline": 60}'

Builds its own Autotask and Field Nation clients against the served fakes and its own store
connection, then calls ``process_pending`` until the inbox holds no pending or leased entry
(or the deadline passes). Prints one JSON line of totals. The wall clock drives leases, locks
and backoff, as in a real deployment.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from stores import open_store

from autotask_fn.autotask import AutotaskClient
from autotask_fn.fieldnation import FieldNationClient
from autotask_fn.store import EntryStatus
from autotask_fn.sync import ConnectorSettings, SyncService
from autotask_fn.testing import FakeAutotask, FakeFieldNation


def _short_sleep(seconds: float) -> None:
    time.sleep(min(seconds, 0.05))


def main(raw: str) -> int:
    args = json.loads(raw)
    at = AutotaskClient(FakeAutotask.USERNAME, FakeAutotask.SECRET,
                        FakeAutotask.INTEGRATION_CODE, zone_url=args["zone_url"],
                        sleep=_short_sleep)
    fn = FieldNationClient(FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET,
                           FakeFieldNation.USERNAME, FakeFieldNation.PASSWORD,
                           base_url=args["fn_url"], sleep=_short_sleep)
    store = open_store(args["store"])
    svc = SyncService(autotask=at, fieldnation=fn, store=store,
                      settings=ConnectorSettings.from_mapping(args["settings"]),
                      worker_id=args["worker_id"])
    totals = {"processed": 0, "succeeded": 0, "retried": 0, "dead": 0, "rounds": 0}
    if args.get("start_at"):  # several workers starting together (wall clock)
        time.sleep(max(0.0, float(args["start_at"]) - time.time()))
    stop = time.monotonic() + float(args["deadline"])
    while time.monotonic() < stop:
        report = svc.process_pending(limit=2, lease_seconds=float(args["lease"]))
        totals["rounds"] += 1
        for key in ("processed", "succeeded", "retried", "dead"):
            totals[key] += getattr(report, key)
        if store.count_entries(EntryStatus.PENDING) + store.count_entries(
                EntryStatus.LEASED) == 0:
            break
        if report.processed == 0:
            time.sleep(0.05)
    totals["drained"] = int(time.monotonic() < stop)
    store.close()
    print(json.dumps(totals), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
