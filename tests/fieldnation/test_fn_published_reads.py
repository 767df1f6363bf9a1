"""The SDK reads the forms of Field Nation's published models (fieldnation/mulesoft-v2-connector)
and keeps tolerating the documented variants."""

from __future__ import annotations

from decimal import Decimal

import pytest

from autotask_fn.fieldnation import Expense, TimeLog, WorkOrder
from autotask_fn.fieldnation.models import structure
from autotask_fn.mapping.outbound import OutboundMapper
from autotask_fn.testing import FakeFieldNation

#: Custom fields as the published CustomFields/CustomFieldCategory/CustomField give them.
SECTIONED = {"metadata": {"total": 2}, "results": [
    {"id": 14, "name": "Buyer fields", "role": "buyer", "metadata": {"total": 2}, "results": [
        {"id": 21, "name": "PSA ticket", "tip": None, "type": "text", "role": "buyer",
         "options": [], "flags": ["required"], "value": "T2026.0001", "category": "Buyer",
         "order": 1, "dependency": None, "actions": ["edit"]},
        {"id": 22, "name": "Store", "type": "text", "role": "buyer", "value": "12"}]},
    {"id": 15, "name": "Provider fields", "role": "assigned_provider", "results": [
        {"id": 31, "name": "Serial", "type": "text", "role": "assigned_provider",
         "value": "SN-9"}]},
]}


@pytest.mark.contract("FN-CUSTOM-FIELD-SECTIONS")
def test_custom_fields_in_numbered_sections_are_all_read() -> None:
    wo = WorkOrder.from_api({"id": 1, "custom_fields": SECTIONED})
    assert [(cf.id, cf.name, cf.value) for cf in wo.custom_fields] == [
        (21, "PSA ticket", "T2026.0001"), (22, "Store", "12"), (31, "Serial", "SN-9")]
    assert [(cf.section_id, cf.section) for cf in wo.custom_fields] == [
        (14, "Buyer fields"), (14, "Buyer fields"), (15, "Provider fields")]
    assert wo.custom_fields[2].role == "assigned_provider"


def test_ungrouped_custom_fields_and_null_id_sections_still_read() -> None:
    flat = WorkOrder.from_api({"id": 1, "custom_fields": {"results": [
        {"id": 21, "name": "PSA ticket", "value": "T1"}]}})
    grouped = WorkOrder.from_api({"id": 1, "custom_fields": {"results": [
        {"id": None, "results": [{"id": 21, "name": "PSA ticket", "value": "T1"}]}]}})
    assert [(cf.id, cf.value) for cf in flat.custom_fields] == [(21, "T1")]
    assert [(cf.id, cf.value) for cf in grouped.custom_fields] == [(21, "T1")]


@pytest.mark.contract("FN-CUSTOM-FIELD-SECTIONS")
def test_sectioned_custom_fields_reach_the_ticket_udfs() -> None:
    snapshot = OutboundMapper().snapshot(WorkOrder.from_api({"id": 1,
                                                            "custom_fields": SECTIONED}))
    assert snapshot["custom_fields"] == {"PSA ticket": "T2026.0001", "Store": "12",
                                         "Serial": "SN-9"}


@pytest.mark.contract("FN-CUSTOM-FIELD-SECTIONS")
def test_the_fake_renders_sections_and_the_client_reads_every_value() -> None:
    fake = FakeFieldNation()
    wo = fake.create_work_order(title="t")
    fake.assign(wo)
    serial = fake.seed.custom_fields["Serial Number"]
    fake.set_custom_field(wo, serial, "SN1", as_provider=True)
    rendered = fake.work_order(wo)["custom_fields"]["results"]
    assert all(isinstance(s["id"], int) and isinstance(s["results"], list) for s in rendered)
    assert {s["role"] for s in rendered} == {"buyer", "assigned_provider"}
    read = WorkOrder.from_api(fake.work_order(wo))
    assert {cf.id: cf.value for cf in read.custom_fields}[serial] == "SN1"
    assert {cf.id for cf in read.custom_fields} == set(fake.seed.custom_fields.values())


@pytest.mark.contract("FN-PROVIDER-NO-EMAIL")
def test_a_published_provider_has_an_id_and_a_name_but_no_email() -> None:
    minimal = {"id": 2001, "first_name": "Pat", "last_name": "Tech", "thumbnail": "t.png"}
    log = structure({"id": 1, "logged_by": minimal}, TimeLog)
    expense = structure({"id": 2, "author": minimal}, Expense)
    for person in (log.logged_by, expense.author):
        assert person is not None
        assert (person.id, person.email, person.display_name) == (2001, None, "Pat Tech")
        assert person.thumbnail == "t.png"


@pytest.mark.contract("FN-PROVIDER-NO-EMAIL")
def test_the_fake_shows_providers_without_email() -> None:
    fake = FakeFieldNation()
    wo = fake.create_work_order(title="t")
    fake.assign(wo)
    fake.add_expense(wo, "5", "Tolls")
    api = fake.http_client()
    [expense] = api.get(f"{fake.REST_PREFIX}/workorders/{wo}/expenses").json()["results"]
    assignee = fake.work_order(wo)["assignee"]
    for person in (expense["author"], assignee["user"]):
        assert set(person) == {"id", "first_name", "last_name", "thumbnail"}


@pytest.mark.contract("FN-EXPENSE-AMOUNT-NUMBER")
def test_expense_amounts_read_as_numbers_and_as_strings() -> None:
    assert structure({"id": 1, "amount": 42.5}, Expense).amount == Decimal("42.5")
    assert structure({"id": 1, "amount": 42}, Expense).amount == Decimal("42")
    assert structure({"id": 1, "amount": "42.50"}, Expense).amount == Decimal("42.50")
    fake = FakeFieldNation()
    wo = fake.create_work_order(title="t")
    fake.assign(wo)
    fake.add_expense(wo, "12.35", "Cable")
    api = fake.http_client()
    [raw] = api.get(f"{fake.REST_PREFIX}/workorders/{wo}/expenses").json()["results"]
    assert raw["amount"] == 12.35
    assert raw["category"] == {"id": fake.seed.expense_categories["Uncategorized"],
                               "name": "Uncategorized"}
    assert structure(raw, Expense).category == "Uncategorized"


@pytest.mark.contract("FN-SHAPE-PUBLISHED")
def test_smaller_published_shapes_are_read() -> None:
    wo = WorkOrder.from_api({
        "id": 1,
        "status": {"id": 3, "name": "Assigned", "code": "checked_in", "sub_status": "Checked in"},
        "type_of_work": {"id": 62, "name": "Point of Sale (POS)", "industry": "Retail"},
        "assignee": {"user": {"id": 2001, "first_name": "Pat", "last_name": "Tech",
                              "thumbnail": None}, "status_id": 3, "work_order_id": 1},
        "location": {"mode": "custom", "coordinates": {"latitude": 44.8963,
                                                       "longitude": -93.2682, "exact": True}},
    })
    assert wo.status is not None
    assert wo.status.sub_status == "Checked in"
    assert wo.type_of_work == "Point of Sale (POS)"
    assert wo.assignee is not None
    assert (wo.assignee.id, wo.assignee.display_name) == (2001, "Pat Tech")
    assert wo.location is not None
    assert (wo.location.latitude, wo.location.longitude) == (Decimal("44.8963"),
                                                             Decimal("-93.2682"))


def test_documented_variants_of_the_smaller_shapes_are_still_read() -> None:
    wo = WorkOrder.from_api({
        "id": 1, "status": {"id": 3, "sub_status": {"name": "Checked in", "code": "checked_in"}},
        "types_of_work": [{"id": 11, "name": "Networking", "isPrimary": True}],
        "assignee": {"id": 55, "first_name": "Pat", "last_name": "Tech"},
    })
    assert wo.status is not None
    assert wo.status.sub_status == "checked_in"
    assert wo.type_of_work == "Networking"
    assert wo.assignee is not None
    assert wo.assignee.id == 55
    assert WorkOrder.from_api({"id": 1, "status": {"id": 1, "sub_status": ""}}
                              ).status.sub_status is None  # type: ignore[union-attr]


@pytest.mark.contract("FN-SHAPE-PUBLISHED")
def test_the_fake_renders_the_smaller_published_shapes() -> None:
    fake = FakeFieldNation()
    wo = fake.create_work_order(title="t", types_of_work=[{"id": 12, "isPrimary": True}])
    fake.assign(wo)
    fake.check_in(wo)
    doc = fake.work_order(wo)
    assert isinstance(doc["status"]["sub_status"], str)
    assert doc["type_of_work"] == {"id": 12, "name": "Point of Sale", "industry": None}
    assert "types_of_work" not in doc
    assert doc["assignee"]["user"]["id"] == fake.seed.provider_id
    assert doc["assignee"]["work_order_id"] == wo
    assert set(doc["location"]["coordinates"]) >= {"latitude", "longitude", "exact"}
