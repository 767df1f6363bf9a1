"""Structured log fields and the host's event sink, over a scenario with every kind of event."""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from scenario import Scenario, leaks

from autotask_fn.sync import Action
from autotask_fn.sync.events import (
    DeadLettered,
    RateLimitPaused,
    RecordWritten,
    SyncEvent,
    WebhookRefused,
)

PREFIX = "autotask_fn_"


def fields_of(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k.startswith(PREFIX)}


def run_logged(caplog: pytest.LogCaptureFixture) -> tuple[Scenario, dict[str, object],
                                                            list[logging.LogRecord]]:
    caplog.set_level(logging.DEBUG, logger="autotask_fn")
    scenario = Scenario()
    made = scenario.run()
    ours = [r for r in caplog.records if r.name.startswith("autotask_fn")]
    return scenario, made, ours


def test_log_records_of_a_full_sync_carry_the_ids_kind_and_action(
        caplog: pytest.LogCaptureFixture) -> None:
    _, made, records = run_logged(caplog)
    wo, ticket = made["wo"], made["ticket"]
    written = {(f["autotask_fn_kind"], f["autotask_fn_action"]): f
               for f in map(fields_of, records) if f.get("autotask_fn_action") in (
                   "created", "updated", "deleted")}
    assert set(written) >= {("wo", "updated"), ("timelog", "created"), ("note", "created")}
    for kind in ("timelog", "note"):
        fields = written[(kind, "created")]
        assert fields["autotask_fn_work_order_id"] == wo
        assert fields["autotask_fn_ticket_id"] == ticket
        assert isinstance(fields["autotask_fn_entry_id"], int)  # the inbox entry it came from
        assert isinstance(fields["autotask_fn_record_id"], int)
    # A request made inside the reconcile (the retried 429) carries the same ids.
    [retry] = [r for r in records if r.getMessage().startswith("retrying POST TimeEntries")]
    assert fields_of(retry)["autotask_fn_work_order_id"] == wo
    assert fields_of(retry)["autotask_fn_ticket_id"] == ticket
    # The dead letter names its entry; the import names its ticket and the work order made.
    [dead] = [r for r in records if "dead-lettered" in r.getMessage()]
    assert fields_of(dead)["autotask_fn_action"] == "dead_letter"
    assert isinstance(fields_of(dead)["autotask_fn_entry_id"], int)
    [imported] = [f for f in map(fields_of, records)
                  if f.get("autotask_fn_source_entity") == "Tickets"
                  and f.get("autotask_fn_action") == "created"]
    assert imported["autotask_fn_ticket_id"] == made["imported_ticket"]
    assert imported["autotask_fn_work_order_id"] == made["imported"].work_order_id
    assert imported["autotask_fn_kind"] == "wo"
    # Messages stay readable on their own.
    assert any(r.getMessage().startswith(f"work order {wo}: timelog ") and " created as "
               "TimeEntries " in r.getMessage() for r in records)


def test_no_secret_or_personal_data_in_the_log_records(caplog: pytest.LogCaptureFixture) -> None:
    scenario, made, records = run_logged(caplog)
    assert len(records) >= 8
    texts = [r.getMessage() for r in records]
    texts += [str(v) for r in records for v in fields_of(r).values()]
    assert leaks(texts, scenario.secrets()) == []
    assert leaks(texts, scenario.personal(made["wo"], made["imported"].work_order_id)) == []


def test_field_names_cannot_collide_with_log_record_attributes() -> None:
    plain = vars(logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None))
    assert not [name for name in plain if name.startswith(PREFIX)]


def test_the_sink_counts_each_kind_of_event_over_the_scenario() -> None:
    events: list[SyncEvent] = []
    made = Scenario(events=events.append).run()
    counts = Counter(type(e).__name__ for e in events)
    assert counts == {"RecordWritten": 4, "DeadLettered": 1, "RateLimitPaused": 2,
                      "WebhookRefused": 2}
    written = {(e.kind, e.action, e.target) for e in events if isinstance(e, RecordWritten)}
    assert written == {("wo", Action.UPDATED, "autotask"), ("timelog", Action.CREATED, "autotask"),
                       ("note", Action.CREATED, "autotask"),
                       ("wo", Action.CREATED, "fieldnation")}
    assert all(e.work_order_id in (made["wo"], made["imported"].work_order_id)
               for e in events if isinstance(e, RecordWritten))
    [dead] = [e for e in events if isinstance(e, DeadLettered)]
    assert (dead.source, dead.error_type) == ("fieldnation", "WebhookPayloadError")
    pauses = {(e.service, e.where, e.target, e.seconds) for e in events
              if isinstance(e, RateLimitPaused)}
    assert pauses == {("autotask", "retry", "TimeEntries", 1.0),
                      ("fieldnation", "retry", "workorders", 1.0)}
    refused = {(e.source, e.status) for e in events if isinstance(e, WebhookRefused)}
    assert refused == {("fieldnation", 401), ("autotask", 401)}


def test_a_sink_that_raises_never_breaks_the_sync(caplog: pytest.LogCaptureFixture) -> None:
    def broken(event: SyncEvent) -> None:
        raise RuntimeError("metrics backend down")

    made = Scenario(events=broken).run()
    report = made["processed"].reports[0]
    assert report.writes == 3
    assert made["processed"].dead == 1  # only the unreadable delivery
    assert made["imported"].created
    assert made["refused"] == (401, 401)
    failures = [r for r in caplog.records if r.getMessage().startswith("event sink failed")]
    assert {r.getMessage().split(" on ")[1] for r in failures} == {
        "RecordWritten: RuntimeError", "DeadLettered: RuntimeError",
        "RateLimitPaused: RuntimeError", "WebhookRefused: RuntimeError"}


def test_fields_end_with_the_work_they_describe(caplog: pytest.LogCaptureFixture) -> None:
    scenario, made, _ = run_logged(caplog)
    caplog.clear()
    scenario.at.get("Tickets", made["ticket"])  # a request of the host's own, after the sync
    [request] = [r for r in caplog.records if r.name == "autotask_fn.autotask"]
    assert fields_of(request) == {}
