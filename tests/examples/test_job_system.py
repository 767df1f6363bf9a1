"""The job-system example: process_pending and sweep as plain functions any scheduler calls."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from examples.job_system import jobs
from served import Served, served

from autotask_fn.fieldnation.webhooks import Events

__all__ = ["served"]


@pytest.fixture
def fresh_jobs() -> Iterator[None]:
    jobs.service.cache_clear()
    yield
    jobs.service.cache_clear()


def test_jobs_process_the_inbox_and_sweep_in_time_logs(served: Served, fresh_jobs: None) -> None:
    # A service built from configuration runs on the wall clock: bring the fake's clock to it,
    # or its deliveries would be (rightly) refused as older than a day.
    served.fn_fake.clock.advance(time.time() - served.fn_fake.clock.timestamp())
    ticket_id = served.ticket()
    svc = jobs.service()
    svc.import_ticket(ticket_id)
    (wo_id,) = served.fn_fake.state.work_orders
    fn = served.fn_fake
    fn.assign(wo_id)
    fn.register_webhook("https://host.example/fn", list(Events.all()), "cli-webhook-secret")
    fn.take_deliveries()
    fn.post_message(wo_id, "On my way")
    for delivery in fn.take_deliveries():
        assert svc.handle_fieldnation_webhook(delivery.body, delivery.headers).status == 200

    assert jobs.process_pending_job() == {"processed": 1, "dead": 0}
    fn.log_time(wo_id, datetime(2026, 3, 5, 9, tzinfo=UTC), datetime(2026, 3, 5, 11, tzinfo=UTC))
    summary = jobs.sweep_job()
    assert summary["synced"] == 1
    assert summary["errors"] == 0
    entries = [e for e in served.at_fake.records("TimeEntries") if e.get("ticketID") == ticket_id]
    assert [float(e["hoursWorked"]) for e in entries] == [2.0]
    assert jobs.sweep_job()["synced"] == 0  # nothing changed: nothing written


def test_the_service_is_built_once_per_worker_process(served: Served, fresh_jobs: None) -> None:
    assert jobs.service() is jobs.service()
