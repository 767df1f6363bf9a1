"""Outbound create: a ticket (or service call, or project ticket) for an unlinked work order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from outbound_world import T0, OutboundWorld

from autotask_fn.autotask.errors import AutotaskError
from autotask_fn.sync import ConnectorSettings
from autotask_fn.sync.errors import SettingsError
from autotask_fn.sync.outbound_settings import OutboundCreateSettings
from autotask_fn.testing.autotask.picklists import QUEUE_FIELD_SERVICES

MARKER = "[FN:custom:wo:{}]"


def create_world(**create: Any) -> OutboundWorld:
    probe = OutboundWorld()  # the fake's seeded ids are the same in every fake
    seed = probe.at_fake.seed
    options: dict[str, Any] = {
        "enabled": True, "default_company_id": seed.company_id,
        "assigned_resource_id": seed.tech_resource_id, "assigned_role_id": seed.tech_role_id,
        **create}
    if options.get("service_object") == "Project":
        options.setdefault("project_id", seed.project_id)
        options.setdefault("project_task_id", seed.task_id)
    return OutboundWorld(create=OutboundCreateSettings(**options))


def new_work_order(world: OutboundWorld) -> int:
    wo = world.fn_fake.create_work_order(title="Install POS terminal")
    world.fn_fake.assign(wo)
    world.fn_fake.take_deliveries()
    return wo


def created_tickets(world: OutboundWorld, wo: int) -> list[dict[str, Any]]:
    return [t for t in world.at_fake.records("Tickets")
            if t.get("externalID") == MARKER.format(wo)]


def test_with_create_off_an_unlinked_work_order_makes_nothing(world: OutboundWorld) -> None:
    wo = new_work_order(world)
    report = world.sync(wo)
    assert report.skipped == "not_linked"
    assert created_tickets(world, wo) == []


@pytest.mark.parametrize("service_object", ["Ticket", "ServiceCall", "Project"])
def test_create_makes_a_complete_ticket_and_child_records_follow(service_object: str) -> None:
    world = create_world(service_object=service_object)
    seed = world.at_fake.seed
    wo = new_work_order(world)
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=2))
    world.fn_fake.add_expense(wo, "9.99", "Cable ties")
    report = world.sync(wo)
    [ticket] = created_tickets(world, wo)
    assert report.ticket_id == ticket["id"]
    assert ticket["title"] == "Install POS terminal"
    assert ticket["companyID"] == seed.company_id
    assert ticket["queueID"] == QUEUE_FIELD_SERVICES
    # the work order's mapped status (assigned -> In Progress); priority from settings
    assert ticket["status"] == world.validated.status_values["assigned"]
    assert ticket["priority"] == 2
    assert ticket["dueDateTime"].startswith("2026-01-06T14:00:00")
    assert ticket["assignedResourceRoleID"] == seed.tech_role_id
    [entry] = world.on_ticket("TimeEntries", ticket["id"])  # time can use the ticket's role
    assert entry["roleID"] == seed.tech_role_id
    assert len(world.on_ticket("ExpenseItems", ticket["id"])) == 1
    calls = world.at_fake.records("ServiceCallTickets")
    if service_object == "ServiceCall":
        [link] = calls
        assert link["ticketID"] == ticket["id"]
        call = world.at_fake.record("ServiceCalls", link["serviceCallID"])
        assert call is not None
        assert MARKER.format(wo) in call["description"]
    else:
        assert calls == []
    assert ticket["projectID"] == (seed.project_id if service_object == "Project" else None)
    # the ticket fields were written at create: the next sync patches nothing
    world.at_fake.reset_requests()
    world.fn_fake.post_message(wo, "on site")
    world.sync(wo)
    assert world.at_fake.count_requests("PATCH") == 0


@pytest.mark.parametrize("service_object", ["Ticket", "ServiceCall"])
def test_an_ambiguous_failure_finds_the_ticket_again_by_its_marker(service_object: str) -> None:
    world = create_world(service_object=service_object)
    wo = new_work_order(world)
    world.at_fake.fail_next(r"/Tickets$", method="POST", after_acting=True, timeout=True)
    if service_object == "ServiceCall":
        world.at_fake.fail_next(r"/ServiceCalls/\d+/Tickets$", method="POST",
                                after_acting=True)
    failures = 0
    for _ in range(3):  # as the inbox would retry
        try:
            world.sync(wo)
        except AutotaskError as exc:
            ambiguous = exc.ambiguous
            failures += 1
            assert ambiguous
        else:
            break
    assert failures == (2 if service_object == "ServiceCall" else 1)
    assert len(created_tickets(world, wo)) == 1
    if service_object == "ServiceCall":
        assert len(world.at_fake.records("ServiceCalls")) == 1
        assert len(world.at_fake.records("ServiceCallTickets")) == 1
    link = world.store.get_link(world.svc.scope, "wo", str(wo))
    assert link is not None
    assert link.at_id == created_tickets(world, wo)[0]["id"]


def test_companies_are_found_by_name_or_created_with_a_location_when_allowed() -> None:
    probe = OutboundWorld()
    owner = probe.at_fake.seed.ui_resource_id
    world = create_world(default_company_id=None, create_companies=True,
                         company_owner_resource_id=owner)
    wo = new_work_order(world)
    world.sync(wo)
    [ticket] = created_tickets(world, wo)
    company = world.at_fake.record("Companies", ticket["companyID"])
    assert company is not None
    assert company["companyName"] == "Example MSP LLC"
    location = world.at_fake.record("CompanyLocations", ticket["companyLocationID"])
    assert location is not None
    assert location["address1"] == "1 Main St"
    other = new_work_order(world)
    world.sync(other)
    [second] = created_tickets(world, other)
    assert (second["companyID"], second["companyLocationID"]) == (
        ticket["companyID"], ticket["companyLocationID"])
    assert len([c for c in world.at_fake.records("Companies")
                if c["companyName"] == "Example MSP LLC"]) == 1


@pytest.mark.parametrize(("options", "field"), [
    ({"default_company_id": None}, "create.default_company_id"),
    ({"create_companies": True, "default_company_id": None}, "create.company_owner_resource_id"),
    ({"service_object": "Project"}, "create.project_id"),
    ({"queue": "Nowhere"}, "create.queue"),
    ({"assigned_resource_id": 1}, "create.assigned_role_id"),
    ({"extra_fields": {}}, None),
])
def test_missing_create_settings_fail_at_validation(world: OutboundWorld,
                                                    options: dict[str, Any],
                                                    field: str | None) -> None:
    create = OutboundCreateSettings(**{"enabled": True,
                                       "default_company_id": world.at_fake.seed.company_id,
                                       **options})
    settings = ConnectorSettings(create=create,
                                 default_resource_id=world.at_fake.seed.tech_resource_id)
    if field is None:
        assert settings.validate(world.at).parts["create"]["queue"] == QUEUE_FIELD_SERVICES
        return
    with pytest.raises(SettingsError) as caught:
        settings.validate(world.at)
    assert field in caught.value.fields


def test_the_old_outbound_create_flag_alone_is_refused(world: OutboundWorld) -> None:
    with pytest.raises(SettingsError) as caught:
        ConnectorSettings(outbound_create=True,
                          default_resource_id=world.at_fake.seed.tech_resource_id,
                          ).validate(world.at)
    assert caught.value.fields == ("outbound_create",)


def test_an_unmapped_work_order_status_creates_the_ticket_with_the_configured_status() -> None:
    world = create_world(status="Waiting Customer")
    wo = world.fn_fake.create_work_order(title="Survey")
    world.fn_fake.publish(wo)  # "published" is not in the status map
    world.sync(wo)
    [ticket] = created_tickets(world, wo)
    assert ticket["status"] == 7  # Waiting Customer
