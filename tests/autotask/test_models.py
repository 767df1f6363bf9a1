"""Typed models: UNSET vs None, wire names, UDFs, tolerant parsing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from autotask_fn.autotask import UNSET, Company, ExpenseItem, Ticket, TimeEntry
from autotask_fn.autotask.models import wire_name


def test_wire_names_follow_autotask_casing() -> None:
    assert wire_name("company_id") == "companyID"
    assert wire_name("assigned_resource_role_id") == "assignedResourceRoleID"
    assert wire_name("due_date_time") == "dueDateTime"
    assert wire_name("id") == "id"


def test_to_api_sends_only_what_was_set_and_none_clears() -> None:
    ticket = Ticket(title="Printer jam", company_id=5, due_date_time=None)
    assert ticket.to_api() == {"title": "Printer jam", "companyID": 5, "dueDateTime": None}
    assert Ticket().to_api() == {}
    assert ticket.status is UNSET
    assert not ticket.status


def test_values_are_rendered_in_wire_format() -> None:
    entry = TimeEntry(ticket_id=1, hours_worked=Decimal("1.25"),
                      start_date_time=dt.datetime(2024, 1, 2, 10, tzinfo=dt.UTC))
    assert entry.to_api() == {"ticketID": 1, "hoursWorked": 1.25,
                              "startDateTime": "2024-01-02T10:00:00.000Z"}


def test_from_api_parses_types_and_keeps_unknown_fields() -> None:
    data = {"id": 9, "ticketID": 3, "hoursWorked": 2.5, "dateWorked": "2018-01-23T00:00:00.00Z",
            "newFieldFrom2027": "kept", "userDefinedFields": [{"name": "Rank", "value": "Gold"}]}
    entry = TimeEntry.from_api(data)
    assert entry.id == 9
    assert entry.ticket_id == 3
    assert entry.hours_worked == Decimal("2.5")
    assert entry.date_worked == dt.datetime(2018, 1, 23, tzinfo=dt.UTC)
    assert entry.extra == {"newFieldFrom2027": "kept"}
    assert entry.udfs == {"Rank": "Gold"}
    assert entry.summary_notes is UNSET  # absent from the answer, so not set


def test_udfs_round_trip_as_the_name_value_list() -> None:
    company = Company(id=4, udfs={"Tier": "A", "Old": None})
    assert company.to_api() == {"id": 4, "userDefinedFields": [
        {"name": "Tier", "value": "A"}, {"name": "Old", "value": None}]}


def test_wire_names_are_matched_case_insensitively() -> None:
    item = ExpenseItem.from_api({"ExpenseReportID": 7, "Description": "Parking"})
    assert item.expense_report_id == 7
    assert item.description == "Parking"


def test_a_ticket_attachment_names_its_ticket_note_or_time_entry() -> None:
    from autotask_fn.autotask.models import TicketAttachment

    row = {"id": 5, "parentID": 9, "ticketID": 3, "ticketNoteID": 9, "title": "photo"}
    attachment = TicketAttachment.from_api(row)
    assert (attachment.ticket_id, attachment.ticket_note_id) == (3, 9)
    assert TicketAttachment(parent_id=3, title="x").to_api() == {"parentID": 3, "title": "x"}
