"""Metadata parsing, picklist helpers and UDF helpers."""

from __future__ import annotations

import pytest

from autotask_fn.autotask import (
    AutotaskPicklistError,
    EntityInfo,
    FieldInfo,
    Picklist,
    get_udf,
    set_udfs,
)

PRIORITY = {
    "name": "priority", "dataType": "integer", "length": 0, "isRequired": True,
    "isReadOnly": False, "isQueryable": True, "isReference": False, "referenceEntityType": "",
    "isPickList": True, "picklistParentValueField": "",
    "picklistValues": [
        {"value": "1", "label": "High", "isDefaultValue": False, "sortOrder": 2,
         "parentValue": "", "isActive": True, "isSystem": True},
        {"value": "2", "label": "Medium", "isDefaultValue": True, "sortOrder": 1,
         "parentValue": "", "isActive": True, "isSystem": True},
        {"value": "9", "label": "Old High", "isActive": False},
    ],
}


def test_field_info_is_parsed_from_the_wire() -> None:
    info = FieldInfo.from_api(PRIORITY)
    assert (info.name, info.data_type, info.is_required, info.is_picklist) == (
        "priority", "integer", True, True)
    assert info.reference_entity_type is None
    assert [v.value for v in info.picklist_values] == ["1", "2", "9"]
    assert info.picklist_values[1].is_default
    assert not info.picklist_values[2].is_active


def test_picklist_maps_labels_and_values_case_insensitively() -> None:
    picklist = Picklist("Tickets", FieldInfo.from_api(PRIORITY))
    assert picklist.value_for("high") == 1
    assert picklist.value_for(" MEDIUM ") == 2
    assert picklist.label_for(2) == "Medium"
    assert picklist.label_for("1") == "High"
    assert picklist.labels() == ["Medium", "High"]


def test_missing_labels_and_values_name_the_field() -> None:
    picklist = Picklist("Tickets", FieldInfo.from_api(PRIORITY))
    with pytest.raises(AutotaskPicklistError, match=r"Tickets\.priority.*'Urgent'"):
        picklist.value_for("Urgent")
    with pytest.raises(AutotaskPicklistError, match="'42'"):
        picklist.label_for(42)


def test_dependent_picklists_filter_by_parent_value() -> None:
    sub = FieldInfo.from_api({"name": "subIssueType", "dataType": "integer", "isPickList": True,
                              "picklistValues": [
                                  {"value": "10", "label": "Paper", "parentValue": "1"},
                                  {"value": "20", "label": "Paper", "parentValue": "2"}]})
    assert Picklist("Tickets", sub).value_for("paper", parent_value=2) == 20


def test_entity_info_reads_access_flags() -> None:
    info = EntityInfo.from_api({"name": "TimeEntries", "canCreate": True, "canDelete": True,
                                "canQuery": True, "canUpdate": True,
                                "userAccessForCreate": True, "userAccessForDelete": "None",
                                "userAccessForQuery": "All", "userAccessForUpdate": False})
    assert info.allows("create")
    assert info.allows("query")
    assert not info.allows("delete")
    assert not info.allows("update")


def test_udf_helpers_read_and_write_the_name_value_list() -> None:
    record = {"id": 1, "userDefinedFields": [{"name": "Rank", "value": "Gold"}]}
    assert get_udf(record, "rank") == "Gold"
    assert get_udf(record, "Missing", "-") == "-"
    body = set_udfs({"id": 1, "userDefinedFields": [{"name": "Rank", "value": "Gold"}]},
                    {"RANK": "Silver", "Score": 5, "Gone": None})
    assert body["userDefinedFields"] == [{"name": "Rank", "value": "Silver"},
                                         {"name": "Score", "value": "5"},
                                         {"name": "Gone", "value": None}]


@pytest.mark.parametrize(("value", "expected"), [("-3", -3), ("--3", "--3"), ("²", "²"),
                                                 ("A1", "A1")])
def test_picklist_values_that_are_not_plain_integers_stay_text(value: str,
                                                               expected: object) -> None:
    field = FieldInfo.from_api({"name": "odd", "dataType": "string", "isPickList": True,
                                "picklistValues": [{"value": value, "label": "Odd"}]})
    assert Picklist("Tickets", field).value_for("odd") == expected
