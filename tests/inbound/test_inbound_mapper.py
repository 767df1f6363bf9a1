"""InboundMapper on plain Autotask dicts: what a ticket becomes on a Field Nation work order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from autotask_fn.errors import ConfigurationError
from autotask_fn.mapping.inbound import (
    InboundMapper,
    InboundRecord,
    MissingAddressError,
    UnmappablePicklistError,
    parse_autotask_datetime,
    text_to_html,
)
from autotask_fn.sync.inbound_settings import InboundField, InboundSettings

PICKLISTS = {
    "status": {"1": "New", "5": "Complete", "8": "In Progress", "13": "Cancelled"},
    "priority": {"1": "High", "2": "Medium", "3": "Low", "4": "Critical"},
}


def ticket(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": 501, "ticketNumber": "T20260101.0007", "title": "Replace  switch\nin rack",
        "description": "Switch is dead.\nBring a spare.", "status": 1, "priority": 1,
        "dueDateTime": "2026-02-03T14:30:00.00Z", "companyID": 7, "contactID": 9,
        "userDefinedFields": [{"name": "SiteCode", "value": "NYC-4"},
                              {"name": "GateCode", "value": "1234"},
                              {"name": "Tier", "value": "2"}],
    }
    base.update(over)
    return base


COMPANY = {"id": 7, "companyName": "Acme & Sons", "address1": "1 Main St", "city": "Albany",
           "state": "NY", "postalCode": "12207", "countryID": 237}
LOCATION = {"id": 70, "companyID": 7, "name": "Warehouse", "address1": "9 Dock Rd",
            "address2": "Bay 3", "city": "Troy", "state": "NY", "postalCode": "12180",
            "countryID": 237}
CONTACT = {"id": 9, "firstName": "Jane", "lastName": "Doe", "phone": "555-0100",
           "emailAddress": "jane@acme.test"}


def record(**over: object) -> InboundRecord:
    args: dict[str, object] = {
        "entity": "Tickets", "id": 501, "ticket": ticket(), "company": COMPANY,
        "location": None, "contact": CONTACT, "picklists": PICKLISTS,
    }
    args.update(over)
    return InboundRecord(**args)  # type: ignore[arg-type]


def test_title_is_the_ticket_title_on_one_line() -> None:
    assert InboundMapper().title(record()) == "Replace switch in rack"


def test_description_carries_number_status_priority_body_company_and_contact() -> None:
    lines = InboundMapper().description_lines(record())
    assert lines[:3] == ["Autotask ticket T20260101.0007", "Status: New", "Priority: High"]
    assert "Switch is dead." in lines
    assert "Bring a spare." in lines
    assert "Company: Acme & Sons" in lines
    assert "Contact: Jane Doe, 555-0100, jane@acme.test" in lines


def test_description_html_is_escaped_text() -> None:
    html = InboundMapper().description(record())["html"]
    assert "Acme &amp; Sons" in html
    assert "<br>Status: New<br>" in html
    assert text_to_html("a<b\nc") == "a&lt;b<br>c"


def test_due_date_becomes_exact_schedule_in_fn_utc_form() -> None:
    schedule = InboundMapper().schedule(record())
    assert schedule == {"service_window": {"mode": "exact",
                                           "start": {"utc": "2026-02-03 14:30:00"}}}


def test_between_mode_runs_from_the_ticket_creation_until_the_due_date() -> None:
    mapper = InboundMapper(InboundSettings(schedule_mode="between"))
    rec = record(ticket=ticket(createDate="2026-02-01T08:00:00.000Z"))
    assert mapper.schedule(rec) == {"service_window": {
        "mode": "between", "start": {"utc": "2026-02-01 08:00:00"},
        "end": {"utc": "2026-02-03 14:30:00"}}}
    # Without a creation date (or one after the due date) the window is exact.
    assert mapper.schedule(record())["service_window"]["mode"] == "exact"


def test_no_due_date_means_no_schedule_part() -> None:
    parts = InboundMapper().parts(record(ticket=ticket(dueDateTime=None)))
    assert "schedule" not in parts


def test_autotask_datetimes_parse_with_any_fraction() -> None:
    assert parse_autotask_datetime("2018-01-23T10:00:00.00Z") == datetime(
        2018, 1, 23, 10, tzinfo=UTC)
    assert parse_autotask_datetime("2018-01-23T10:00:00.1234567Z").microsecond == 123456
    assert parse_autotask_datetime("2018-01-23T10:00:00") == datetime(2018, 1, 23, 10, tzinfo=UTC)


def test_location_prefers_the_company_location() -> None:
    loc = InboundMapper(InboundSettings(country_map={237: "US"})).location(
        record(location=LOCATION))
    assert loc == {"mode": "custom", "display_name": "Acme & Sons - Warehouse",
                   "address1": "9 Dock Rd", "address2": "Bay 3", "city": "Troy",
                   "state": "NY", "zip": "12180", "country": "US"}


def test_location_falls_back_to_the_company_address() -> None:
    loc = InboundMapper(InboundSettings(country_map={237: "CA"})).location(record())
    assert loc["address1"] == "1 Main St"
    assert loc["zip"] == "12207"
    assert loc["country"] == "CA"


@pytest.mark.parametrize(("text", "expected"), [
    ("2018-01-23T10:00:00.1234567+02:00", datetime(2018, 1, 23, 8, 0, 0, 123456, tzinfo=UTC)),
    ("2018-01-23T10:00:00.00+00:00", datetime(2018, 1, 23, 10, tzinfo=UTC)),
    ("2026-01-20T08:55:58.5-06:00", datetime(2026, 1, 20, 14, 55, 58, 500000, tzinfo=UTC)),
    ("2018-01-23T10:00:00.5z", datetime(2018, 1, 23, 10, 0, 0, 500000, tzinfo=UTC)),
])
def test_an_offset_after_a_fraction_is_honoured_not_cut_off(text: str,
                                                            expected: datetime) -> None:
    assert parse_autotask_datetime(text) == expected


@pytest.mark.parametrize("due", ["next tuesday", "0001-01-01T00:00:00+05:00", "2026-13-01"])
def test_an_unreadable_due_date_is_a_typed_error_naming_the_field(due: str) -> None:
    from autotask_fn.mapping.inbound import InboundMappingError

    with pytest.raises(InboundMappingError) as info:
        InboundMapper().parts(record(ticket=ticket(dueDateTime=due)))
    assert (info.value.field, info.value.entity) == ("dueDateTime", "Tickets")


def test_company_without_address_is_a_typed_error_naming_the_field() -> None:
    company = {"id": 7, "companyName": "Nowhere Inc", "address1": ""}
    with pytest.raises(MissingAddressError) as info:
        InboundMapper().parts(record(company=company))
    assert info.value.field == "address1"
    assert info.value.entity == "Companies"
    assert info.value.entity_id == 7


def test_unknown_status_value_is_a_typed_error_naming_the_field() -> None:
    with pytest.raises(UnmappablePicklistError) as info:
        InboundMapper().parts(record(ticket=ticket(status=99)))
    assert info.value.field == "status"
    assert "99" in str(info.value)


def test_unknown_priority_value_names_priority() -> None:
    with pytest.raises(UnmappablePicklistError) as info:
        InboundMapper().description_lines(record(ticket=ticket(priority=42)))
    assert info.value.field == "priority"


def test_contact_name_phone_and_email() -> None:
    assert InboundMapper().contacts(record()) == [
        {"name": "Jane Doe", "phone": "555-0100", "email": "jane@acme.test",
         "role": "Site contact"}]
    assert InboundMapper().contacts(record(contact=None)) == []


def test_udfs_go_to_custom_fields_or_description_lines_by_the_field_map() -> None:
    settings = InboundSettings(field_map=(InboundField("SiteCode", custom_field_id=301),
                                          InboundField("GateCode", label="Gate code")))
    mapper = InboundMapper(settings)
    parts = mapper.parts(record())
    assert parts["cf:301"] == "NYC-4"
    assert "Gate code: 1234" in mapper.description_lines(record())
    # Unmapped UDFs are ignored.
    assert not any("Tier" in line for line in mapper.description_lines(record()))


def test_picklist_udf_shows_its_label_and_rejects_unknown_values() -> None:
    settings = InboundSettings(field_map=(InboundField("Tier", label="Tier"),))
    mapper = InboundMapper(settings)
    rec = record(udf_picklists={"Tier": {"1": "Gold", "2": "Silver"}})
    assert "Tier: Silver" in mapper.description_lines(rec)
    bad = record(udf_picklists={"Tier": {"1": "Gold"}})
    with pytest.raises(UnmappablePicklistError) as info:
        mapper.parts(bad)
    assert info.value.field == "Tier"


def test_only_changed_parts_are_reported() -> None:
    mapper = InboundMapper()
    before = mapper.parts(record())
    hashes = mapper.part_hashes(before)
    assert mapper.changed_parts(before, hashes) == {}
    after = mapper.parts(record(ticket=ticket(title="New title")))
    assert set(mapper.changed_parts(after, hashes)) == {"title"}


def test_create_payload_adds_template_type_of_work_pay_and_manager() -> None:
    settings = InboundSettings(template_id=11, type_of_work_id=63, manager_id=5,
                               pay={"type": "fixed", "base": {"amount": 150, "units": 1}})
    mapper = InboundMapper(settings)
    payload = mapper.create_payload(mapper.parts(record()))
    assert payload["template"] == {"id": 11}
    assert payload["types_of_work"] == [{"id": 63, "isPrimary": True}]
    assert payload["pay"]["base"]["amount"] == 150
    assert payload["manager"] == {"id": 5}
    assert payload["incident_id"] == "T20260101.0007"


def test_action_map_uses_the_status_label() -> None:
    mapper = InboundMapper(InboundSettings(action_map={"Cancelled": "cancel"}))
    assert mapper.action(record(ticket=ticket(status=13))) == "cancel"
    assert mapper.action(record()) is None


def test_service_call_uses_its_window_and_lists_its_tickets() -> None:
    second = ticket(id=502, ticketNumber="T20260101.0008", title="Patch panel")
    call = {"id": 40, "description": "Quarterly visit", "companyID": 7,
            "startDateTime": "2026-03-01T09:00:00Z", "endDateTime": "2026-03-01T12:00:00Z"}
    rec = record(entity="ServiceCalls", id=40, service_call=call, tickets=[ticket(), second])
    mapper = InboundMapper()
    assert mapper.schedule(rec) == {"service_window": {
        "mode": "between", "start": {"utc": "2026-03-01 09:00:00"},
        "end": {"utc": "2026-03-01 12:00:00"}}}
    lines = mapper.description_lines(rec)
    assert lines[0] == "Autotask service call T20260101.0007"
    assert "Quarterly visit" in lines
    assert "- T20260101.0008: Patch panel" in lines


def test_project_title_and_number() -> None:
    task = {"id": 88, "projectID": 3, "title": "Field Nation", "status": 1,
            "description": "Install APs"}
    project = {"id": 3, "projectName": "Office move", "projectNumber": "P20260001",
               "companyID": 7}
    rec = record(entity="Projects", id=3, ticket=task, project=project)
    mapper = InboundMapper()
    assert mapper.title(rec) == "Office move - Field Nation"
    assert mapper.number(rec) == "P20260001"
    assert mapper.description_lines(rec)[0] == "Autotask project P20260001"


def test_settings_reject_bad_field_maps_and_actions_and_hide_secrets() -> None:
    with pytest.raises(ConfigurationError):
        InboundField("X")
    with pytest.raises(ConfigurationError):
        InboundField("X", custom_field_id=1, label="X")
    with pytest.raises(ConfigurationError):
        InboundSettings(action_map={"Cancelled": "explode"})  # type: ignore[dict-item]
    settings = InboundSettings(webhook_secrets="super-secret-key-1")
    assert settings.webhook_secrets == ("super-secret-key-1",)
    assert "super-secret-key-1" not in repr(settings)
