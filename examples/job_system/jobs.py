"""Running the sync under a job system the host already has.

autotask-fn needs two recurring jobs and nothing else:

* ``process_pending`` -- the queued webhook work; run it often (every few seconds) or right
  after a webhook was acknowledged;
* ``sweep`` -- reconcile linked work orders whose changes came without an event (time logs,
  expenses and signatures have no webhook); run it every 5 to 15 minutes.

Both are safe to run in several workers at once, on several machines: inbox entries are
leased, work orders locked, and writes exactly once. So any scheduler will do -- cron, a
systemd timer, Celery beat, RQ scheduler, a Kubernetes CronJob -- with no home-made queue.
The functions below are what such a job calls; ``celery_app.py`` wires them into Celery, and
``crontab`` / ``autotask-fn-sync.*`` show the same with cron and systemd, through the CLI.

Configuration comes from the environment (``AUTOTASK_FN_*``) or ``autotask-fn.toml``, as for
the ``autotask-fn`` command (see :mod:`autotask_fn.config`); with several workers point
``AUTOTASK_FN_STORE`` at PostgreSQL and share a limiter (docs/guides/many-workers.md).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from autotask_fn.sync import SyncService
from examples.config_service import build_service

log = logging.getLogger("autotask_fn.jobs")


@functools.cache
def service() -> SyncService:
    """One service per worker process, built once from the configuration."""
    return build_service()


def process_pending_job(limit: int | None = 100) -> dict[str, Any]:
    """Process up to ``limit`` queued deliveries; returns counts for the job log."""
    report = service().process_pending(limit=limit)
    summary = {"processed": report.processed, "dead": report.dead}
    log.info("process_pending: %s", summary)
    return summary


def sweep_job() -> dict[str, Any]:
    """Reconcile every linked, active work order; returns counts for the job log."""
    report = service().sweep()
    summary = {"checked": report.checked, "synced": report.synced,
               "unchanged": report.unchanged, "errors": len(report.errors)}
    log.info("sweep: %s", summary)
    return summary
