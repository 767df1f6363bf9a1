"""Over both fakes: nothing is lost past the first embedded page, nothing is deleted on the
strength of an incomplete Field Nation list, and internal messages never become public notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from world import World

from autotask_fn.fieldnation.client import FieldNationClient, Listing
from autotask_fn.fieldnation.models import Message, TimeLog, structure
from autotask_fn.sync import Action, Change, ConnectorSettings, SyncReport

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def of(report: SyncReport, action: Action) -> list[Change]:
    """The report's changes with one action."""
    return [c for c in report.changes if c.action == action]


def _log_many(world: World, wo: int, count: int) -> list[int]:
    return [world.fn_fake.log_time(wo, T0 + timedelta(hours=h),
                                   T0 + timedelta(hours=h, minutes=15)) for h in range(count)]


@pytest.mark.contract("FN-SUBCOLLECTION-EMBEDDED-PAGE")
def test_time_logs_past_the_first_embedded_page_become_time_entries(world: World) -> None:
    wo, ticket = world.linked_work_order()
    logs = _log_many(world, wo, 30)
    world.svc.sync_work_order(wo)
    entries = world.records("TimeEntries", ticket)
    assert len(entries) == 30
    marked = {world.svc.markers.find(e["internalNotes"], "timelog")[0].id for e in entries}
    assert marked == {f"{log}#0" for log in logs}


@pytest.mark.contract("FN-SUBCOLLECTION-PAGED")
def test_a_vanished_log_is_not_deleted_while_the_list_is_incomplete(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    wo, ticket = world.linked_work_order()
    logs = _log_many(world, wo, 30)
    world.svc.sync_work_order(wo)
    assert len(world.records("TimeEntries", ticket)) == 30

    # The provider deletes a log while the list is being read: the pages disagree.
    world.fn_fake.delete_time_log(wo, logs[27])
    real = FieldNationClient.list_time_logs

    def torn_read(self: FieldNationClient, work_order_id: int | str) -> Listing[TimeLog]:
        rows = real(self, work_order_id)
        return Listing([r for r in rows if r.id != logs[28]], complete=False)

    monkeypatch.setattr(FieldNationClient, "list_time_logs", torn_read)
    report = world.svc.sync_work_order(wo)
    assert of(report, Action.DELETED) == []
    skipped = {c.fn_id for c in of(report, Action.SKIPPED)}
    assert skipped == {f"{logs[27]}#0", f"{logs[28]}#0"}
    assert all("not known to be complete" in (c.detail or "")
               for c in of(report, Action.SKIPPED))
    assert len(world.records("TimeEntries", ticket)) == 30

    monkeypatch.setattr(FieldNationClient, "list_time_logs", real)  # a clean read again
    report = world.svc.sync_work_order(wo, force=True)
    assert [c.fn_id for c in of(report, Action.DELETED)] == [f"{logs[27]}#0"]
    assert len(world.records("TimeEntries", ticket)) == 29


@pytest.mark.contract("FN-MESSAGE-AUDIENCE")
@pytest.mark.parametrize("shape", ["published", "documented"])
def test_internal_and_staff_notes_never_become_public_ticket_notes(world: World,
                                                                    shape: str) -> None:
    world.fn_fake.state.message_shape = shape
    wo, ticket = world.linked_work_order()
    buyer = world.fn
    buyer.post_message(wo, "Customer is difficult")  # INTERNAL
    staff = buyer.post_message(wo, "Staff only", type="STAFF_NOTE")
    buyer.reply_message(wo, str(staff.msg_id), "Agreed")
    buyer.post_message(wo, "Bring a ladder", type="ASSIGNEDTECH")
    world.fn_fake.post_message(wo, "On my way")
    world.svc.sync_work_order(wo)

    publish = {n["description"]: n["publish"] for n in world.records("TicketNotes", ticket)}
    internal = world.validated.note_publish_internal
    assert publish == {"Customer is difficult": internal, "Staff only": internal,
                       "Agreed": internal, "Bring a ladder": publish["Bring a ladder"],
                       "On my way": publish["On my way"]}
    assert publish["Bring a ladder"] != internal
    assert publish["On my way"] != internal


@pytest.mark.contract("FN-MESSAGE-AUDIENCE")
def test_a_setting_widens_the_public_audiences(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(message_public_audiences=["customer_broadcast"])
    wo, ticket = world.linked_work_order()
    world.fn.post_message(wo, "Bring a ladder", type="ASSIGNEDTECH")
    real = FieldNationClient.list_messages

    def with_unknown(self: FieldNationClient, work_order_id: int | str) -> Any:
        found = real(self, work_order_id)
        extra = [structure({"msg_id": 1, "message": "Broadcast", "type": "CUSTOMER_BROADCAST"},
                           Message),
                 structure({"msg_id": 2, "message": "Mystery", "type": "SOMETHING_NEW"},
                           Message)]
        return Listing([*found, *extra], complete=found.complete)

    monkeypatch.setattr(FieldNationClient, "list_messages", with_unknown)
    world.svc.sync_work_order(wo)
    publish = {n["description"]: n["publish"] for n in world.records("TicketNotes", ticket)}
    internal = world.validated.note_publish_internal
    assert publish["Broadcast"] != internal
    assert publish["Mystery"] == internal


def test_internal_audiences_cannot_be_made_public() -> None:
    faults = ConnectorSettings(message_public_audiences=["staff_note", "customer_broadcast"]
                               ).check()
    assert [("STAFF_NOTE" in f.message) for f in faults
            if f.field == "message_public_audiences"] == [True]
    assert ConnectorSettings(message_public_audiences=["Customer_Broadcast"]
                             ).message_public_audiences == frozenset({"CUSTOMER_BROADCAST"})
