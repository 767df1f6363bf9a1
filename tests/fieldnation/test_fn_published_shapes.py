"""The fake's Field Nation JSON against Field Nation's own published field tree.

A rich work order (time, expenses, messages with replies, files, signatures, custom fields,
contacts) is rendered by the fake, whole and through each sub-collection endpoint. Every field
the published tree lacks must be a sourced row of docs/reference/contract.md, and every value
must have its published type.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from autotask_fn.testing import FakeFieldNation

from .published_tree import published, walk

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "reference" / "contract.md"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

#: Fields the fake renders that neither published source has: each is a contract row naming
#: its source (the reference's documentation notes).
DOCUMENTED_EXTRAS = {
    "incident_id": "FN-SHAPE-INCIDENT-ID",
    "location.display_name": "FN-SHAPE-LOCATION-DISPLAY-NAME",
    "schedule.require_ontime": "FN-SHAPE-SCHEDULE-REQUIRE-ONTIME",
    "signatures.results[].title": "FN-SHAPE-SIGNATURE-TITLE",
    "expenses.correlation_id": "FN-SHAPE-ENVELOPE-CORRELATION-ID",
    "updated": "FN-WO-UPDATED-MOVES",
}

#: Sub-collection endpoint -> its published root model.
ENDPOINTS = {
    "time_logs": "TimeLogs", "expenses": "Expenses", "messages": "Messages",
    "attachments": "AttachmentFolders", "signatures": "Signatures",
    "custom_fields": "CustomFields", "contacts": "Contacts",
}


def _rich_work_order(fake: FakeFieldNation) -> int:
    wo = fake.create_work_order(title="Rich", incident_id="T2026.0001", location={
        "mode": "custom", "address1": "1 Main St", "city": "Springfield", "state": "IL",
        "zip": "62701", "country": "US", "display_name": "Store 12"})
    fake.assign(wo)
    fake.log_time(wo, T0, T0 + timedelta(hours=2))
    fake.add_expense(wo, "12.50", "Parking", receipt=b"\xff\xd8receipt")
    first = fake.post_message(wo, "On my way")
    fake.post_message(wo, "Thanks", reply_to=first)
    fake.post_message(wo, "Internal", internal=True)
    fake.upload_file(wo, "after.jpg", b"\xff\xd8photo")
    fake.capture_signature(wo, "Pat Customer", "Store manager")
    fake.set_custom_field(wo, fake.seed.custom_fields["Serial Number"], "SN1", as_provider=True)
    fake.set_custom_field(wo, fake.seed.custom_fields["Autotask Ticket Number"], "T2026.0001")
    api = fake.http_client()
    made = api.post(f"{fake.REST_PREFIX}/workorders/{wo}/contacts",
                    json={"name": "Sam", "phone": "555-0100", "role": "Site"})
    assert made.status_code in (200, 201), made.text
    return wo


def _rendered(fake: FakeFieldNation, wo: int) -> dict[str, tuple[str, str, Any]]:
    """name -> (path prefix, published root, JSON) for the whole work order and every
    sub-collection endpoint."""
    api = fake.http_client()
    out: dict[str, tuple[str, str, Any]] = {
        "work order": ("", "WorkOrder", api.get(f"{fake.REST_PREFIX}/workorders/{wo}").json())}
    for name, root in ENDPOINTS.items():
        response = api.get(f"{fake.REST_PREFIX}/workorders/{wo}/{name}")
        assert response.status_code == 200, name
        out[name] = (name, root, response.json())
    return out


def contract_ids() -> set[str]:
    """The ids of docs/reference/contract.md."""
    return set(re.findall(r"^\| `((?:AT|FN)-[A-Z0-9-]+)` \|", CONTRACT.read_text("utf-8"),
                          re.M))


def test_the_published_tree_names_its_source() -> None:
    provenance = published()["provenance"]
    assert provenance["repository"] == "fieldnation/mulesoft-v2-connector"
    assert re.fullmatch(r"[0-9a-f]{40}", provenance["commit"])
    assert set(provenance["roots"]) <= set(published()["models"])
    assert published()["models"]["CustomFieldCategory"]["fields"]["results"] == \
        "list<CustomField>"


@pytest.mark.contract("FN-SHAPE-PUBLISHED", "FN-SHAPE-INCIDENT-ID",
                      "FN-SHAPE-ENVELOPE-CORRELATION-ID",
                      "FN-SHAPE-LOCATION-DISPLAY-NAME", "FN-SHAPE-SCHEDULE-REQUIRE-ONTIME",
                      "FN-SHAPE-SIGNATURE-TITLE")
def test_every_field_of_the_fake_is_published_or_a_sourced_contract_row() -> None:
    fake = FakeFieldNation()
    wo = _rich_work_order(fake)
    unknown: dict[str, str] = {}
    mismatched: dict[str, str] = {}
    for prefix, root, body in _rendered(fake, wo).values():
        found = walk(body, root, prefix)
        unknown.update(found.unknown)
        mismatched.update(found.mismatched)
    rows = contract_ids()
    allowed = {path for path, cid in DOCUMENTED_EXTRAS.items() if cid in rows}
    assert sorted(set(unknown) - allowed) == [], unknown
    assert mismatched == {}
    # the documented extras are really rendered (else their rows describe nothing)
    assert set(DOCUMENTED_EXTRAS) <= set(unknown)


def test_the_walker_reports_unknown_fields_and_wrong_types() -> None:
    found = walk({"id": "12", "title": "t", "invented": 1,
                  "expenses_total": None, "status": {"sub_status": {"name": "x"}},
                  "custom_fields": {"results": [{"id": 1, "results": [{"id": 2,
                                                                        "filled_by": "x"}]}]}},
                 "WorkOrder")
    assert set(found.unknown) == {"invented", "expenses_total",
                                  "custom_fields.results[].results[].filled_by"}
    assert set(found.mismatched) == {"id", "status.sub_status"}
