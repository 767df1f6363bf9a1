"""Every import error is typed, names the field, and leaves nothing written on either side."""

from __future__ import annotations

import pytest
from inbound_world import InboundWorld

from autotask_fn.mapping.inbound import MissingAddressError, UnmappablePicklistError
from autotask_fn.sync.errors import SyncInputError
from autotask_fn.sync.inbound import TicketNotFoundError, TicketNotReadableError


def assert_nothing_written(world: InboundWorld) -> None:
    assert world.fn_fake.state.work_orders == {}
    assert world.at_writes() == 0
    assert world.store.list_links() == []


def test_unknown_ticket_id(world: InboundWorld) -> None:
    world.reset_counts()
    with pytest.raises(TicketNotFoundError) as info:
        world.svc.import_ticket(987654321)
    assert info.value.field == "id"
    assert isinstance(info.value, SyncInputError)
    assert "987654321" in str(info.value)
    assert_nothing_written(world)


def test_ticket_the_api_user_cannot_read(world: InboundWorld) -> None:
    ticket_id = world.ticket()
    world.reset_counts()
    world.at_fake.fail_next(rf"/Tickets/{ticket_id}$", method="GET", status=403,
                            body={"errors": ["You do not have permission to view this ticket."]})
    with pytest.raises(TicketNotReadableError) as info:
        world.svc.import_ticket(ticket_id)
    assert info.value.field == "id"
    assert_nothing_written(world)


def test_company_without_address(world: InboundWorld) -> None:
    company = world.at_fake.insert("Companies", {"companyName": "No Street Ltd",
                                                 "isActive": True, "companyType": 1})
    ticket_id = world.ticket(companyID=company, companyLocationID=None, contactID=None)
    world.reset_counts()
    with pytest.raises(MissingAddressError) as info:
        world.svc.import_ticket(ticket_id)
    assert info.value.field == "address1"
    assert info.value.entity == "Companies"
    assert info.value.entity_id == company
    assert_nothing_written(world)


def test_unmappable_picklist_value(world: InboundWorld) -> None:
    ticket_id = world.ticket()
    world.at_fake._set_fields("Tickets", ticket_id, priority=77)
    world.reset_counts()
    with pytest.raises(UnmappablePicklistError) as info:
        world.svc.import_ticket(ticket_id)
    assert info.value.field == "priority"
    assert "77" in str(info.value)
    assert_nothing_written(world)


@pytest.mark.parametrize(("field", "value"), [("companyLocationID", "\u0000"),
                                              ("contactID", "nine"), ("companyID", 7.5),
                                              ("contactID", True)])
def test_a_reference_that_is_not_a_record_id_is_a_typed_error_naming_it(
        world: InboundWorld, field: str, value: object) -> None:
    """int() of such a reference used to escape as ValueError (or read True as record 1)."""
    ticket_id = world.ticket()
    world.at_fake._set_fields("Tickets", ticket_id, **{field: value})  # as a bad tenant holds it
    world.reset_counts()
    with pytest.raises(SyncInputError) as info:
        world.svc.import_ticket(ticket_id)
    assert info.value.field == field
    assert_nothing_written(world)
