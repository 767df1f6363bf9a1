"""Throughput under injected latency and Autotask's thread limit.

    python -m bench throughput [--events 60] [--visits 60] [--latency 0.1]
                               [--threads 1 4 16] [--redis-url URL] [--no-redis]

FakeAutotask answers every request after ``--latency`` seconds and refuses a fourth request in
flight on one endpoint (429, ``Itgenatr005``), as the real API does. ``--events`` webhook
deliveries are acknowledged into the inbox, one per distinct linked work order; then N host
threads, each a worker with its own ``SyncService`` over the shared store and client, call
``process_pending(limit=1)`` until the inbox is empty. The client shares one limiter: a
``LocalLimiter``, and in one run a ``RedisLimiter`` (skipped if Redis does not answer).

Workloads: "note", a message posted (a marker scan and a note: one endpoint, TicketNotes);
"visit", a time log and a message (scans, the ticket's role, a time entry and a note: three
endpoints), run with ``--visits`` events at the fewest and the most threads.

The ceiling is what the thread limit allows: each endpoint takes ``thread_limit / latency``
calls per second, so events per second can be at most ``min(that / calls per event on the
endpoint)``; N threads each waiting ``latency`` per call bound it too. A run with any
thread-limit refusal (429 in the fake's log) fails: exit status 1.
"""

from __future__ import annotations

import argparse
import math
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from autotask_fn.autotask import AutotaskClient
from autotask_fn.autotask.limits import Limiter, LocalLimiter
from autotask_fn.testing.autotask import FakeAutotask
from autotask_fn.testing.autotask.app import _endpoint as fake_endpoint  # the fake's own key
from autotask_fn.testing.rig import SyncRig
from bench.outbound import T0

REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Result:
    """One configuration's figures."""

    workload: str
    threads: int
    limiter: str
    events: int
    succeeded: int
    seconds: float
    calls: int
    by_endpoint: dict[str, int]
    refusals: int  # thread-limit (429) answers in the fake's log
    peak: int  # most requests in flight on one endpoint, as the fake saw it
    latency: float
    thread_limit: int

    @property
    def rate(self) -> float:
        """Events per second achieved."""
        return self.events / self.seconds

    @property
    def limit_ceiling(self) -> float:
        """Events per second the thread limit allows, whatever the number of host threads."""
        if self.latency <= 0:
            return math.inf
        per_endpoint = self.thread_limit / self.latency
        return min(per_endpoint * self.events / n for n in self.by_endpoint.values())

    @property
    def ceiling(self) -> float:
        """The limit's ceiling, or fewer threads' own bound (each waits ``latency`` per call)."""
        if self.latency <= 0:
            return math.inf
        return min(self.limit_ceiling, self.threads * self.events / (self.calls * self.latency))

    def calls_by_endpoint(self) -> str:
        """Calls per event on each endpoint, e.g. ``"TicketNotes 2.00"``."""
        return ", ".join(f"{e} {n / self.events:.2f}" for e, n in sorted(self.by_endpoint.items()))

    @property
    def ok(self) -> bool:
        """Every event synced and no thread-limit refusal."""
        return self.refusals == 0 and self.succeeded == self.events


class LimitedRig(SyncRig):
    """The public test rig whose Autotask client shares ``limiter`` and really sleeps between
    retries (as a host's would)."""

    def __init__(self, limiter: Limiter) -> None:
        super().__init__()
        self.at = AutotaskClient(
            FakeAutotask.USERNAME, FakeAutotask.SECRET, FakeAutotask.INTEGRATION_CODE,
            zone_url=self.at_fake.zone_url, transport=httpx.WSGITransport(app=self.at_fake),
            limiter=limiter)
        self.validated = self.settings.validate(self.at)
        self.svc = self.service()


def _worker(rig: SyncRig, name: str, done: list[int]) -> None:
    svc = rig.service(name)
    succeeded = 0
    while True:
        report = svc.process_pending(limit=1)
        if not report.processed:
            break
        succeeded += report.succeeded
    done.append(succeeded)


def _note(rig: SyncRig, wo: int) -> None:
    rig.fn_fake.post_message(wo, "On site")


def _visit(rig: SyncRig, wo: int) -> None:
    rig.fn_fake.log_time(wo, T0, T0 + timedelta(hours=2))  # no webhook: the message's brings it
    rig.fn_fake.post_message(wo, "Done, terminal replaced")


#: What happens on each work order before its delivery: the event's work.
WORKLOADS: dict[str, Callable[[SyncRig, int], None]] = {"note": _note, "visit": _visit}


def run_one(threads: int, events: int, latency: float, limiter: Limiter,
            limiter_name: str, workload: str = "note") -> Result:
    """Queue ``events`` deliveries, then drain the inbox with ``threads`` workers."""
    rig = LimitedRig(limiter)
    work_orders = [rig.linked_work_order(title=f"Throughput {n}")[0] for n in range(events)]
    for wo in work_orders:
        WORKLOADS[workload](rig, wo)
    for d in rig.fn_fake.take_deliveries():
        rig.svc.handle_fieldnation_webhook(d.body, d.headers)
    rig.at_fake.reset_requests()
    rig.at_fake.latency = latency
    done: list[int] = []
    workers = [threading.Thread(target=_worker, args=(rig, f"worker-{i}", done))
               for i in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.perf_counter() - started
    rig.at_fake.latency = 0.0
    log = rig.at_fake.requests
    by_endpoint = Counter(str(fake_endpoint(r.method, r.path)) for r in log if r.status != 429)
    return Result(
        workload=workload, threads=threads, limiter=limiter_name, events=events,
        succeeded=sum(done), seconds=seconds, calls=sum(by_endpoint.values()),
        by_endpoint=dict(by_endpoint),
        refusals=sum(1 for r in log if r.status == 429),
        peak=max((rig.at_fake.peak_threads(e) for e in by_endpoint), default=0),
        latency=latency, thread_limit=rig.at_fake.options.thread_limit)


def redis_limiter(url: str) -> Any | None:
    """A fresh ``RedisLimiter`` (3 per endpoint), or ``None`` when Redis does not answer."""
    try:
        import redis

        from autotask_fn.store.limiters import RedisLimiter

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
        client.ping()
    except Exception:
        return None
    return RedisLimiter(url, key_prefix=f"atfn_bench:{secrets.token_hex(4)}", client=client,
                        max_concurrent=3)


def run(events: int = 60, latency: float = 0.1, threads: tuple[int, ...] = (1, 4, 16),
        redis_url: str | None = REDIS_URL, visits: int | None = None) -> list[Result]:
    """Every configuration: the "note" workload at each thread count on a LocalLimiter, then
    at the most threads on a RedisLimiter (when ``redis_url`` is given and answers); then the
    "visit" workload (``visits`` events, default ``events``) at the fewest and the most
    threads."""
    results = [run_one(n, events, latency, LocalLimiter(3), "LocalLimiter") for n in threads]
    shared = redis_limiter(redis_url) if redis_url else None
    if shared is not None:
        try:
            results.append(run_one(max(threads), events, latency, shared, "RedisLimiter"))
        finally:
            shared.close()
    visits = events if visits is None else visits
    results += [run_one(n, visits, latency, LocalLimiter(3), "LocalLimiter", "visit")
                for n in sorted({min(threads), max(threads)})]
    return results


def lines(results: list[Result]) -> list[str]:
    """The results as a fixed-width table."""
    out = [f"{'work':<5} {'threads':>7} {'limiter':<13} {'events':>6} {'calls/ev':>8} "
           f"{'events/s':>8} {'ceiling':>8} {'of ceil.':>8} {'limit ceil.':>11} "
           f"{'peak':>4} {'429s':>5} ok"]
    for r in results:
        out.append(
            f"{r.workload:<5} {r.threads:>7} {r.limiter:<13} {r.events:>6} "
            f"{r.calls / r.events:>8.2f} {r.rate:>8.2f} {r.ceiling:>8.2f} "
            f"{r.rate / r.ceiling:>8.0%} {r.limit_ceiling:>11.2f} {r.peak:>4} "
            f"{r.refusals:>5} {'yes' if r.ok else 'NO'}")
    for first in {r.workload: r for r in reversed(results)}.values():
        out.append(f"{first.workload}: calls per event by endpoint: "
                   f"{first.calls_by_endpoint()}; latency {first.latency * 1000:.0f} ms, "
                   f"thread limit {first.thread_limit} per endpoint")
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 on any thread-limit refusal or unsynced event."""
    parser = argparse.ArgumentParser(prog="python -m bench throughput", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=60)
    parser.add_argument("--visits", type=int, default=None, help="default: --events")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--no-redis", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.events, args.latency, tuple(args.threads),
                  None if args.no_redis else args.redis_url, args.visits)
    for line in lines(results):
        print(line)
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"FAILED: {r.workload}, {r.threads} threads on {r.limiter}: {r.refusals} "
              f"thread-limit refusals, {r.succeeded}/{r.events} events synced")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
