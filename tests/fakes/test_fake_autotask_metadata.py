"""FakeAutotask: the entityInformation family and the seeded tenant data."""

from __future__ import annotations

import httpx
import pytest

from autotask_fn.testing import FakeAutotask
from autotask_fn.testing.autotask.schema import ENTITIES

from .test_fake_autotask_support import connect


@pytest.fixture
def client() -> httpx.Client:
    return connect()[1]


@pytest.mark.parametrize("entity", sorted(ENTITIES))
@pytest.mark.contract("AT-ENTITY-ACCESS")
def test_entity_information_matches_the_routes(client: httpx.Client, entity: str) -> None:
    info = client.get(f"{entity}/entityInformation").json()["info"]
    spec = ENTITIES[entity]
    assert (info["canCreate"], info["canUpdate"], info["canDelete"], info["canQuery"]) == \
        (spec.can_create, spec.can_update, spec.can_delete, True)
    assert info["userAccessForCreate"] == ("All" if spec.can_create else "None")
    assert {"userAccessForQuery", "userAccessForUpdate", "userAccessForDelete",
            "hasUserDefinedFields", "supportsWebhookCallouts", "name"} <= set(info)
    fields = client.get(f"{entity}/entityInformation/fields").json()["fields"]
    assert fields[0]["name"] == "id"
    assert [f["name"] for f in fields] == [f.name for f in spec.fields]


@pytest.mark.contract("AT-FIELD-METADATA")
def test_field_shape_and_string_picklist_values(client: httpx.Client) -> None:
    fields = {f["name"]: f for f in
              client.get("Tickets/entityInformation/fields").json()["fields"]}
    status = fields["status"]
    assert set(status) >= {"name", "dataType", "length", "isRequired", "isReadOnly",
                           "isQueryable", "isReference", "referenceEntityType", "isPickList",
                           "picklistValues", "picklistParentValueField",
                           "isSupportedWebhookField"}
    labels = {v["value"]: v["label"] for v in status["picklistValues"]}
    assert {"1": "New", "5": "Complete", "8": "In Progress"}.items() <= labels.items()
    assert {"Waiting Customer", "Cancelled"} <= set(labels.values())
    priority = {v["value"]: v["label"] for v in fields["priority"]["picklistValues"]}
    assert priority == {"1": "High", "2": "Medium", "3": "Low", "4": "Critical"}
    queues = [int(v["value"]) for v in fields["queueID"]["picklistValues"]]
    assert all(q > 1_000_000 for q in queues)
    assert fields["companyID"]["isReference"] is True
    assert fields["companyID"]["referenceEntityType"] == "Company"
    assert fields["creatorType"]["isQueryable"] is False
    assert fields["ticketNumber"]["isReadOnly"] is True


def test_note_publish_picklist(client: httpx.Client) -> None:
    fields = {f["name"]: f for f in
              client.get("TicketNotes/entityInformation/fields").json()["fields"]}
    publish = {v["value"]: v["label"] for v in fields["publish"]["picklistValues"]}
    assert publish == {"1": "All Autotask Users", "2": "Internal Only"}
    assert fields["noteType"]["isPickList"] is True


@pytest.mark.contract("AT-UDF-METADATA")
def test_ticket_udfs(client: httpx.Client) -> None:
    udfs = {u["name"]: u for u in
            client.get("Tickets/entityInformation/userDefinedFields").json()["fields"]}
    picklists = [u for u in udfs.values() if u["isPickList"]]
    texts = [u for u in udfs.values() if not u["isPickList"]]
    assert picklists
    assert texts
    assert all(isinstance(v["value"], str) for u in picklists for v in u["picklistValues"])


def test_attachments_have_no_udf_endpoint(client: httpx.Client) -> None:
    response = client.get("TicketAttachments/entityInformation/userDefinedFields")
    assert response.status_code in (404, 405)


def test_seed_ids_reference_real_records() -> None:
    fake = FakeAutotask()
    seed = fake.seed
    location = fake.record("CompanyLocations", seed.location_id)
    contact = fake.record("Contacts", seed.contact_id)
    assert location is not None
    assert contact is not None
    assert location["companyID"] == contact["companyID"] == seed.company_id
    api = fake.record("Resources", seed.api_resource_id)
    tech = fake.record("Resources", seed.tech_resource_id)
    assert api is not None
    assert tech is not None
    assert api["email"] == fake.USERNAME
    assert tech["email"]
    assert fake.record("Roles", seed.role_id) is not None
    code = fake.record("BillingCodes", seed.billing_code_id)
    assert code is not None
    assert code["isActive"] is True
    assert fake.ci == FakeAutotask.CI
    assert fake.api_resource_id == seed.api_resource_id
