"""A lost store, a crash between the steps of a first import, and a retry: never a second WO."""

from __future__ import annotations

import pytest
from inbound_world import InboundWorld

from autotask_fn.autotask.errors import AutotaskServerError
from autotask_fn.fieldnation.errors import FieldNationError
from autotask_fn.store import SqliteStore
from autotask_fn.store.base import scoped_key
from autotask_fn.sync.errors import WorkOrderBusyError


def test_lost_store_finds_the_work_order_through_the_ticket_marker(world: InboundWorld) -> None:
    ticket_id = world.ticket()
    first = world.svc.import_ticket(ticket_id)
    world.at_fake.ui_update_ticket(ticket_id, title="Replace POS terminal (urgent)")

    fresh_store = SqliteStore()
    svc = world.service_on(fresh_store)
    again = svc.import_ticket(ticket_id)

    assert again.work_order_id == first.work_order_id
    assert again.recovered
    assert not again.created
    assert len(world.fn_fake.state.work_orders) == 1
    assert world.wo(first.work_order_id).title == "Replace POS terminal (urgent)"
    link = fresh_store.get_link(svc.scope, "wo", str(first.work_order_id))
    assert link is not None
    assert link.at_id == ticket_id
    # The recovered link carries the snapshot hash: the next import is a no-op.
    world.reset_counts()
    assert svc.import_ticket(ticket_id).changes == ()
    assert world.fn_fake.count_requests() == 0


def test_create_lost_in_a_timeout_is_adopted_on_retry(world: InboundWorld) -> None:
    ticket_id = world.ticket()
    world.fn_fake.fail_next(r"/workorders$", method="POST", after_acting=True, timeout=True)

    with pytest.raises(Exception):  # noqa: B017 - whatever the transport error is named
        world.svc.import_ticket(ticket_id)

    intent_key = scoped_key(world.svc.scope, "inbound", "Tickets", ticket_id)
    assert world.store.get_intent(intent_key) is not None
    assert len(world.fn_fake.state.work_orders) == 1  # made, but we never heard back
    assert world.at_fake.record("Tickets", ticket_id)["externalID"] in (None, "")

    retry = world.svc.import_ticket(ticket_id)

    assert retry.recovered
    assert not retry.created
    assert len(world.fn_fake.state.work_orders) == 1
    (wo_id,) = world.fn_fake.state.work_orders
    assert retry.work_order_id == wo_id
    assert world.at_fake.record("Tickets", ticket_id)["externalID"] == f"[FN:custom:wo:{wo_id}]"
    assert world.store.get_intent(intent_key) is None


def test_marker_write_failure_is_finished_by_the_next_import(world: InboundWorld) -> None:
    ticket_id = world.ticket()
    world.at_fake.fail_next(r"/Tickets$", method="PATCH", status=500, count=10)

    with pytest.raises(AutotaskServerError):
        world.svc.import_ticket(ticket_id)
    world.at_fake.clear_faults()
    assert len(world.fn_fake.state.work_orders) == 1
    assert world.at_fake.record("Tickets", ticket_id)["externalID"] in (None, "")

    retry = world.svc.import_ticket(ticket_id)

    (wo_id,) = world.fn_fake.state.work_orders
    assert retry.work_order_id == wo_id
    assert len(world.fn_fake.state.work_orders) == 1
    assert world.at_fake.record("Tickets", ticket_id)["externalID"] == f"[FN:custom:wo:{wo_id}]"


def test_update_waits_for_a_work_order_the_outbound_sync_holds(world: InboundWorld) -> None:
    ticket_id = world.ticket()
    wo_id = world.svc.import_ticket(ticket_id).work_order_id
    world.at_fake.ui_update_ticket(ticket_id, title="Changed while busy")
    key = scoped_key(world.svc.scope, "wo", wo_id)
    assert world.store.try_lock(key, "other-worker", 60.0, now=world.clock())

    with pytest.raises(WorkOrderBusyError):
        world.svc.import_ticket(ticket_id)
    assert world.wo(wo_id).title == "Replace POS terminal"

    world.store.unlock(key, "other-worker")
    assert world.svc.import_ticket(ticket_id).changes == ("title",)


def test_failed_publish_is_retried_by_the_next_import_of_an_unchanged_ticket() -> None:
    world = InboundWorld(publish=True, type_of_work_id=11,
                         pay={"type": "fixed", "base": {"amount": 150, "units": 1}})
    ticket_id = world.ticket()
    world.fn_fake.fail_next(r"/publish$", method="POST", status=500, count=10)

    with pytest.raises(FieldNationError):
        world.svc.import_ticket(ticket_id)
    world.fn_fake.clear_faults()
    (wo_id,) = world.fn_fake.state.work_orders
    assert world.wo(wo_id).status.id == 1
    assert world.at_fake.record("Tickets", ticket_id)["externalID"] == f"[FN:custom:wo:{wo_id}]"

    retry = world.svc.import_ticket(ticket_id)

    assert "action:publish" in retry.changes
    assert world.wo(wo_id).status.id == 2
    world.reset_counts()
    assert world.svc.import_ticket(ticket_id).changes == ()
    assert world.fn_fake.count_requests() == 0


def test_failed_attachment_copy_is_finished_once_by_the_next_import() -> None:
    world = InboundWorld(import_attachments=True)
    ticket_id = world.ticket()
    for name in ("a.pdf", "b.pdf"):
        world.at_fake.ui_attach_file(ticket_id, name, b"%PDF-1.4", file_name=name)
    world.fn_fake.fail_next(r"/attachments/\d+$", method="POST", status=500, count=10)

    with pytest.raises(FieldNationError):
        world.svc.import_ticket(ticket_id)
    world.fn_fake.clear_faults()

    retry = world.svc.import_ticket(ticket_id)

    assert len([c for c in retry.changes if c.startswith("attachment:")]) == 2
    (wo_id,) = world.fn_fake.state.work_orders
    docs = next(f for f in world.fn.list_folders(wo_id) if f.name == "Documents")
    assert sorted(f.name for f in docs.files) == ["a.pdf", "b.pdf"]
    assert world.svc.import_ticket(ticket_id).changes == ()


def test_an_attachment_upload_that_failed_after_storing_is_adopted_not_copied_twice() -> None:
    world = InboundWorld(import_attachments=True)
    ticket_id = world.ticket()
    for name in ("a.pdf", "a.pdf"):  # two attachments with the same file name
        world.at_fake.ui_attach_file(ticket_id, name, b"%PDF-1.4", file_name=name)
    # The first upload is stored by Field Nation, then the answer is lost (a 500).
    world.fn_fake.fail_next(r"/attachments/\d+$", method="POST", status=500, after_acting=True)

    with pytest.raises(FieldNationError):
        world.svc.import_ticket(ticket_id)

    retry = world.svc.import_ticket(ticket_id)

    assert len([c for c in retry.changes if c.startswith("attachment:")]) == 2
    (wo_id,) = world.fn_fake.state.work_orders
    docs = next(f for f in world.fn.list_folders(wo_id) if f.name == "Documents")
    assert [f.name for f in docs.files] == ["a.pdf", "a.pdf"]  # one copy each, not three
    links = world.store.list_links(world.svc.scope, "at_attachment")
    assert len({lk.fn_id for lk in links}) == 2
    assert world.svc.import_ticket(ticket_id).changes == ()


@pytest.mark.contract("FN-SHAPE-INCIDENT-ID")
def test_a_lost_create_is_adopted_even_where_field_nation_keeps_no_incident_id(
        world: InboundWorld) -> None:
    # incident_id is in no published Field Nation model: recovery does not rest on it alone.
    ticket_id = world.ticket()
    world.fn_fake.fail_next(r"/workorders$", method="POST", after_acting=True, timeout=True)
    with pytest.raises(Exception):  # noqa: B017 - whatever the transport error is named
        world.svc.import_ticket(ticket_id)
    (wo_id,) = world.fn_fake.state.work_orders
    world.fn_fake.state.work_orders[wo_id].incident_id = None  # not kept, not searchable

    retry = world.svc.import_ticket(ticket_id)

    assert retry.recovered
    assert not retry.created
    assert list(world.fn_fake.state.work_orders) == [wo_id]
    assert world.at_fake.record("Tickets", ticket_id)["externalID"] == f"[FN:custom:wo:{wo_id}]"
