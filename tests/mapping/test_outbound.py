"""The outbound mapper on plain data: ticket diffs, time entry parts, notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from autotask_fn.fieldnation.models import (
    CustomField,
    Message,
    Schedule,
    Status,
    TimeLog,
    User,
    WorkOrder,
)
from autotask_fn.mapping.markers import Marker
from autotask_fn.mapping.outbound import OutboundMapper
from autotask_fn.sync.settings import ConnectorSettings, ValidatedSettings

M = OutboundMapper()
PAT = User(id=7, first_name="Pat", last_name="Tech", email="pat@example.com")


def settings(**kw: Any) -> ValidatedSettings:
    lengths = kw.pop("lengths", {"Tickets.title": 255, "TicketNotes.title": 60,
                                 "TicketNotes.description": 100,
                                 "TimeEntries.summaryNotes": 80,
                                 "TimeEntries.internalNotes": 80})
    return ValidatedSettings(
        settings=ConnectorSettings(custom_field_map={"Serial": "SerialNo"}, **kw),
        status_values={"assigned": 8, "checked_in": 8, "work_done": 5},
        note_type=2, note_publish=1, note_publish_internal=2, field_lengths=lengths)


def wo(**kw: Any) -> WorkOrder:
    base: dict[str, Any] = {
        "id": 100, "title": "Replace POS", "description_html": "<p>Bring <b>tools</b></p>",
        "status": Status(id=3, code="assigned"),
        "schedule": Schedule(start=datetime(2026, 3, 2, 14, tzinfo=UTC),
                             end=datetime(2026, 3, 2, 16, tzinfo=UTC), time_zone="UTC"),
        "custom_fields": [CustomField(id=1, name="Serial", value="A1")],
    }
    base.update(kw)
    return WorkOrder(**base)


def test_first_sync_writes_every_configured_fact() -> None:
    changes = M.ticket_changes(None, wo(), settings())
    assert changes.fields == {
        "title": "Replace POS", "description": "Bring tools", "status": 8,
        "dueDateTime": "2026-03-02T16:00:00.000Z",
        "userDefinedFields": [{"name": "SerialNo", "value": "A1"}],
    }


def test_only_changed_facts_are_written() -> None:
    snap = M.snapshot(wo())
    changes = M.ticket_changes(snap, wo(title="Replace POS and printer"), settings())
    assert changes.fields == {"title": "Replace POS and printer"}
    assert changes.snapshot["title"] == "Replace POS and printer"


def test_nothing_changed_writes_nothing() -> None:
    assert M.ticket_changes(M.snapshot(wo()), wo(), settings()).fields == {}


def test_status_is_written_only_when_its_mapped_value_changes() -> None:
    snap = M.snapshot(wo())
    same_value = M.ticket_changes(snap, wo(status=Status(id=3, code="checked_in")), settings())
    assert same_value.fields == {}
    done = M.ticket_changes(snap, wo(status=Status(id=4, code="work_done")), settings())
    assert done.fields == {"status": 5}


def test_unmapped_status_is_reported_not_written() -> None:
    changes = M.ticket_changes(M.snapshot(wo()), wo(status=Status(id=7, code="cancelled")),
                               settings())
    assert "status" not in changes.fields
    assert len(changes.skipped) == 1
    assert "cancelled" in changes.skipped[0]


def test_long_title_is_cut_to_the_field_length() -> None:
    changes = M.ticket_changes(M.snapshot(wo()), wo(title="T" * 400), settings())
    assert len(changes.fields["title"]) == 255


def log(start: datetime, end: datetime, **kw: Any) -> TimeLog:
    return TimeLog(id=77, start=start, end=end, status="checked_out", logged_by=PAT,
                   time_zone=kw.pop("time_zone", "UTC"), **kw)


def test_time_log_maps_to_one_entry_with_its_marker() -> None:
    start = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    parts = M.time_entry_parts(log(start, start + timedelta(minutes=100)), wo(), env="sandbox",
                               ticket_id=5, resource_id=9, role_id=3, settings=settings())
    assert [p.fn_id for p in parts] == ["77#0"]
    fields = parts[0].fields
    assert fields["hoursWorked"] == 1.67
    assert fields["dateWorked"] == "2026-03-02T00:00:00.000Z"
    assert fields["startDateTime"] == "2026-03-02T14:00:00.000Z"
    assert fields["internalNotes"] == Marker("sandbox", "timelog", "77#0").text
    assert "Pat Tech" in fields["summaryNotes"]
    assert (fields["resourceID"], fields["roleID"], fields["ticketID"]) == (9, 3, 5)


def test_log_spanning_midnight_is_split_with_one_marker_per_part() -> None:
    start = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
    parts = M.time_entry_parts(log(start, start + timedelta(hours=27)), wo(), env="s",
                               ticket_id=5, resource_id=9, role_id=3, settings=settings())
    assert [p.fn_id for p in parts] == ["77#0", "77#1", "77#2"]
    assert [p.fields["hoursWorked"] for p in parts] == [2.0, 24.0, 1.0]
    assert parts[0].fields["endDateTime"] == "2026-03-02T23:59:59.000Z"
    assert {p.fields["internalNotes"] for p in parts} == {
        f"[FN:s:timelog:77#{n}]" for n in range(3)}


def test_date_worked_is_the_local_date_and_conflicting_times_are_left_out() -> None:
    start = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # 19:00 on March 2nd in Chicago
    parts = M.time_entry_parts(log(start, start + timedelta(hours=2), time_zone="America/Chicago"),
                               wo(), env="s", ticket_id=5, resource_id=9, role_id=3,
                               settings=settings())
    assert parts[0].fields["dateWorked"] == "2026-03-02T00:00:00.000Z"
    assert "startDateTime" not in parts[0].fields
    assert parts[0].fields["hoursWorked"] == 2.0


def test_open_log_makes_no_entry() -> None:
    start = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    open_log = TimeLog(id=1, start=start, end=None, status="checked_in", logged_by=PAT)
    assert M.time_entry_parts(open_log, wo(), env="s", ticket_id=5, resource_id=9, role_id=3,
                              settings=settings()) == []


def test_marker_in_summary_notes_when_configured() -> None:
    start = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    parts = M.time_entry_parts(log(start, start + timedelta(hours=1)), wo(), env="s",
                               ticket_id=5, resource_id=9, role_id=3,
                               settings=settings(time_entry_marker_field="summaryNotes"))
    assert parts[0].fields["summaryNotes"].endswith("[FN:s:timelog:77#0]")
    assert "internalNotes" not in parts[0].fields


def test_messages_and_replies_become_notes_and_internal_stays_internal() -> None:
    reply = Message(msg_id="r1", author=PAT, text="On it")
    messages = [
        Message(msg_id="m1", author=PAT, text="Arrived <i>on site</i>", replies=[reply]),
        Message(msg_id="m2", author=User(id=1, name="Dispatch"), text="gate code 1234",
                internal=True, replies=[Message(msg_id="r2", text="thanks")]),
    ]
    notes = M.notes(messages, env="s", ticket_id=5, settings=settings())
    assert [n.fn_id for n in notes] == ["m1", "m1/r1", "m2", "m2/r2"]
    assert [n.fields["publish"] for n in notes] == [1, 1, 2, 2]
    assert notes[0].fields["title"] == "[FN:s:note:m1] Pat Tech: Arrived on site"
    assert notes[0].fields["description"] == "Arrived on site"


def test_long_note_is_cut_but_its_title_keeps_the_marker() -> None:
    message = Message(msg_id="m1", author=PAT, text="word " * 200)
    note = M.note("m1", message, env="production", ticket_id=5, settings=settings())
    assert len(note.fields["title"]) <= 60
    assert note.fields["title"].startswith("[FN:production:note:m1] ")
    assert len(note.fields["description"]) == 100
