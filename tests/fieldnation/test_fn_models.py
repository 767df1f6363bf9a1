"""The models read every documented variant into one typed shape, and dates round-trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autotask_fn.fieldnation import (
    Expense,
    Message,
    TimeLog,
    WorkOrder,
    fn_datetime,
    parse_fn_datetime,
)
from autotask_fn.fieldnation.models import structure

FULL_WO = {
    "id": "4711",
    "title": "Replace switch",
    "description": {"html": "<p>Rack 3</p>"},
    "status": {"id": 3, "name": "Assigned", "display": "Assigned: Checked in",
               "code": "checked_in", "correlation_id": "a" * 40},
    "incident_id": 12345,
    "schedule": {"service_window": {"mode": "between", "start": {"utc": "2026-03-01 08:00:00"},
                                    "end": {"utc": "2026-03-01 12:00:00"}},
                 "require_ontime": True, "time_zone": {"id": 1, "name": "UTC"}},
    "location": {"mode": "custom", "address1": "1 Main St", "city": "Fargo", "state": "ND",
                 "zip": 58102, "country": "US",
                 "coordinates": {"latitude": 46.87, "longitude": "-96.79"}},
    "assignee": {"id": 55, "first_name": "Pat", "last_name": "Tech", "email": "p@x.test"},
    "company": {"id": 9, "name": "Buyer Co"},
    "time_logs": {"correlation_id": "b" * 40, "actions": ["add"],
                  "metadata": {"total": 2}, "results": [
        {"id": 1, "in": {"created": {"utc": "2026-03-01 08:05:00"}},
         "out": {"created": {"utc": "2026-03-01 10:00:00"}}, "hours": 1.9167,
         "status": "checked_out", "logged_by": {"id": 55, "first_name": "Pat"}},
        {"id": "2", "start": {"utc": "2026-03-01 11:00:00"}, "end": None, "user_id": 55},
    ]},
    "attachments": {"results": [
        {"id": 10, "name": "Documents", "type": "document", "results": []},
        {"id": 11, "name": "Misc", "type": "slot", "max_files": 999, "results": [
            {"id": 99, "file": {"name": "photo.jpg", "link": "https://files.test/a",
                                "size_bytes": "2048"},
             "status": "PENDING", "notes": "before", "created": {"utc": "2026-03-01 09:00:00"}},
        ]},
    ]},
    "signatures": {"results": [{"id": 3, "name": "Dana", "title": "Manager",
                                "data": "data:image/png;base64,AAAA"}]},
    "custom_fields": {"results": [{"id": 21, "name": "PSA ticket", "value": "T2026.0001",
                                   "type": "text"}]},
    "messages": {"total": 4},
    "some_future_field": {"anything": True},
}


def test_full_work_order_is_read_with_its_sub_collections() -> None:
    wo = WorkOrder.from_api(FULL_WO)

    assert wo.id == 4711
    assert wo.description_html == "<p>Rack 3</p>"
    assert (wo.status.id, wo.status.code) == (3, "checked_in")
    assert wo.incident_id == "12345"
    assert wo.schedule.mode == "between"
    assert wo.schedule.start == datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert wo.schedule.require_ontime is True
    assert wo.location.zip == "58102"
    assert wo.location.latitude == Decimal("46.87")
    assert wo.assignee.display_name == "Pat Tech"
    assert wo.company.name == "Buyer Co"
    first, second = wo.time_logs
    assert first.hours == Decimal("1.9167")
    assert first.end == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert (second.id, second.end, second.logged_by.id) == (2, None, 55)
    assert [f.name for f in wo.folders] == ["Documents", "Misc"]
    (photo,) = wo.attachments
    assert (photo.folder_id, photo.name, photo.size_bytes) == (11, "photo.jpg", 2048)
    assert wo.signatures[0].data.startswith("data:image/png")
    assert wo.custom_fields[0].value == "T2026.0001"
    assert wo.raw["some_future_field"] == {"anything": True}


def test_plain_string_description_and_bare_status_id() -> None:
    wo = WorkOrder.from_api({"id": 1, "description": "plain", "status": "2"})
    assert wo.description_html == "plain"
    assert wo.status.id == 2


def test_a_work_order_without_id_is_refused() -> None:
    with pytest.raises(ValueError, match="id"):
        WorkOrder.from_api({"title": "nameless"})


def test_empty_assignee_reads_as_none() -> None:
    assert WorkOrder.from_api({"id": 1, "assignee": {"id": 0}}).assignee is None


def test_time_log_hours_are_derived_when_absent() -> None:
    log = structure({"id": 5, "start": "2026-03-01T08:00:00Z", "end": "2026-03-01T09:45:00Z"},
                    TimeLog)
    assert log.hours == Decimal("1.75")


@pytest.mark.parametrize(("given_status", "read_as"),
                         [("new", "new"), ("pending", "new"), ("approved", "approved"),
                          ("rejected", "disapproved"), ("disapproved", "disapproved")])
def test_expense_status_vocabularies_are_normalised(given_status: str, read_as: str) -> None:
    expense = structure({"id": 1, "status": given_status, "amount": "50.00"}, Expense)
    assert expense.status == read_as


@pytest.mark.parametrize(("amount", "expected"),
                         [("12.10", Decimal("12.10")), (12.1, Decimal("12.1")),
                          ("1,012.10", Decimal("1012.10"))])
def test_amounts_are_decimal_from_strings_or_numbers(amount: object, expected: Decimal) -> None:
    expense = structure({"id": 1, "amount": amount, "quantity": 2,
                         "category": {"id": 4, "label": "Parts"}}, Expense)
    assert isinstance(expense.amount, Decimal)
    assert expense.amount == expected
    assert (expense.category, expense.category_id, expense.quantity) == ("Parts", 4, 2)


@pytest.mark.parametrize(("mtype", "internal"),
                         [("INTERNAL", True), ("STAFF_NOTE", True), ("ASSIGNEDTECH", False),
                          (None, True)])
def test_message_internal_flag_follows_type(mtype: str | None, internal: bool) -> None:
    msg = structure({"msg_id": 8, "message": "hi", "type": mtype,
                     "from": {"id": 3, "name": "Sam Buyer", "role": "buyer"},
                     "created": {"utc": "2026-03-01 09:00:00"},
                     "replies": [{"msg_id": "9", "message": "ok"}]}, Message)
    assert msg.internal is internal
    assert msg.msg_id == "8"
    assert msg.author.display_name == "Sam Buyer"
    assert msg.replies[0].text == "ok"


def test_fn_datetime_renders_the_exact_utc_form() -> None:
    cet = timezone(timedelta(hours=1))
    assert fn_datetime(datetime(2026, 1, 5, 10, 30, 15, 999, tzinfo=cet)) == {
        "utc": "2026-01-05 09:30:15"}


def test_fn_datetime_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        fn_datetime(datetime(2026, 1, 5, 10, 30))


@pytest.mark.parametrize("value", [None, "", "not a date", {"local": {"date": "2026-01-01"}},
                                   [], True])
def test_unreadable_dates_are_none(value: object) -> None:
    assert parse_fn_datetime(value) is None


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1),
                    timezones=st.just(UTC)))
def test_fn_datetime_round_trips_to_the_second(dt: datetime) -> None:
    assert parse_fn_datetime(fn_datetime(dt)) == dt.replace(microsecond=0)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["id", "in", "out", "start", "end", "user", "file",
                                       "results", "utc", "created", "status", "amount",
                                       "from", "replies", "service_window", "coordinates",
                                       "category", "description", "logged_by", "assignee",
                                       "attachments", "time_logs", "custom_fields", "type",
                                       "hours", "name", "value", "message"]),
                      children, max_size=6),
    max_leaves=30,
)


@settings(max_examples=100, deadline=None)
@given(_json, st.sampled_from([WorkOrder, TimeLog, Expense, Message]))
def test_arbitrary_json_reads_or_raises_value_error_only(value: object, cls: type) -> None:
    try:
        model = structure(value, cls)
    except ValueError:
        return
    assert isinstance(model, cls)


@pytest.mark.parametrize("value", ["²", "--1", "-", "1²", "\u0661\u0662x"])
def test_to_int_never_raises_on_digit_like_text(value: str) -> None:
    from autotask_fn.fieldnation.models import to_int

    assert to_int(value) is None


def test_to_int_reads_negative_and_unicode_decimal_ids() -> None:
    from autotask_fn.fieldnation.models import to_int

    assert (to_int("-12"), to_int(" 7 "), to_int("\u0661\u0662")) == (-12, 7, 12)


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00",
                                   {"utc": "0001-01-01T00:30:00+01:00"},
                                   datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=3)))])
def test_dates_at_the_ends_of_the_calendar_are_unreadable_not_overflow(value: object) -> None:
    assert parse_fn_datetime(value) is None


def test_a_time_log_with_an_out_of_range_date_still_reads() -> None:
    log = structure({"id": "²", "in": {"utc": "0001-01-01T00:00:00+05:00"}}, TimeLog)
    assert (log.id, log.start) == (None, None)
