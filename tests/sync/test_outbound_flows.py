"""End to end over both fakes: every outbound row of the sync core, one call per change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from world import World

from autotask_fn.fieldnation.webhooks import parse_delivery
from autotask_fn.store import LinkState
from autotask_fn.sync import Action, SyncInputError

T0 = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


def sync(world: World) -> int:
    """Deliver queued webhooks, process them, then one sweep; the Autotask calls made."""
    world.at_fake.reset_requests()
    world.deliver_all()
    world.svc.process_pending()
    world.svc.sweep()
    return world.at_fake.count_requests()


def test_title_and_description_change_patch_only_those_fields(world: World) -> None:
    wo, ticket = world.linked_work_order()
    world.svc.sync_work_order(wo)  # first sync: nothing but the snapshot
    world.at_fake.ui_update_ticket(ticket, priority=1)  # an edit made in Autotask
    world.fn_fake.update_work_order(wo, title="Replace POS terminal #4",
                                    description={"html": "<p>Bring <b>ladder</b></p>"})
    world.at_fake.reset_requests()
    report = world.svc.sync_work_order(wo)
    assert world.at_fake.count_requests() == 1
    assert [(c.action, set(c.fields)) for c in report.changes] == [
        (Action.UPDATED, {"title", "description"})]
    record = world.at_fake.record("Tickets", ticket)
    assert record is not None
    assert record["title"] == "Replace POS terminal #4"
    assert record["description"] == "Bring ladder"
    assert record["priority"] == 1  # not overwritten


def test_status_is_written_when_the_work_is_done_and_only_then(world: World) -> None:
    wo, ticket = world.linked_work_order()
    world.fn_fake.check_in(wo, T0)
    assert sync(world) == 0  # checked in maps to the same "In Progress": nothing to write
    world.fn_fake.check_out(wo, T0 + timedelta(hours=1))
    world.fn_fake.complete_work(wo)
    sync(world)
    record = world.at_fake.record("Tickets", ticket)
    assert record is not None
    assert record["status"] == world.validated.status_values["work_done"]
    assert sync(world) == 0


def test_schedule_becomes_the_due_date(world: World) -> None:
    wo, ticket = world.linked_work_order()
    world.fn_fake.update_work_order(wo, schedule={"service_window": {
        "mode": "exact", "start": {"utc": "2026-02-10 15:30:00"}}})
    world.svc.sync_work_order(wo)
    record = world.at_fake.record("Tickets", ticket)
    assert record is not None
    assert record["dueDateTime"].startswith("2026-02-10T15:30:00")


def test_time_logged_changed_and_deleted(world: World) -> None:
    wo, ticket = world.linked_work_order()
    log_id = world.fn_fake.log_time(wo, T0, T0 + timedelta(minutes=90))
    world.svc.sync_work_order(wo)
    [entry] = world.records("TimeEntries", ticket)
    assert entry["hoursWorked"] == 1.5
    assert entry["resourceID"] == world.at_fake.seed.tech_resource_id
    assert entry["roleID"] == world.at_fake.seed.tech_role_id
    assert entry["internalNotes"] == f"[FN:custom:timelog:{log_id}#0]"

    world.fn_fake.edit_time_log(wo, log_id, end=T0 + timedelta(hours=2))
    world.at_fake.reset_requests()
    world.svc.sync_work_order(wo)
    assert world.at_fake.count_requests() == 1
    [entry] = world.records("TimeEntries", ticket)
    assert entry["hoursWorked"] == 2.0

    world.fn_fake.delete_time_log(wo, log_id)
    world.at_fake.reset_requests()
    world.svc.sync_work_order(wo)
    assert world.at_fake.count_requests() == 1
    assert world.records("TimeEntries", ticket) == []
    assert world.store.links_for_work_order(world.svc.scope, wo, "timelog") == []


def test_log_spanning_midnight_becomes_two_entries(world: World) -> None:
    wo, ticket = world.linked_work_order()
    start = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)
    log_id = world.fn_fake.log_time(wo, start, start + timedelta(hours=5))
    world.svc.sync_work_order(wo)
    entries = sorted(world.records("TimeEntries", ticket), key=lambda r: r["startDateTime"])
    assert [e["hoursWorked"] for e in entries] == [2.0, 3.0]
    assert [e["internalNotes"] for e in entries] == [
        f"[FN:custom:timelog:{log_id}#0]", f"[FN:custom:timelog:{log_id}#1]"]


def test_messages_replies_and_internal_messages_become_notes(world: World) -> None:
    wo, ticket = world.linked_work_order()
    first = world.fn_fake.post_message(wo, "Arrived on site")
    world.fn_fake.post_message(wo, "Parts are on the way", reply_to=first)
    world.fn_fake.post_message(wo, "Gate code is 4411", internal=True)
    assert sync(world) > 0
    notes = {n["description"]: n for n in world.records("TicketNotes", ticket)}
    assert set(notes) == {"Arrived on site", "Parts are on the way", "Gate code is 4411"}
    internal = world.validated.note_publish_internal
    assert notes["Gate code is 4411"]["publish"] == internal
    assert notes["Arrived on site"]["publish"] != internal
    assert notes["Arrived on site"]["title"].startswith(f"[FN:custom:note:{first}]")
    assert sync(world) == 0


def test_long_html_description_and_message_are_cut_to_the_field(world: World) -> None:
    wo, ticket = world.linked_work_order()
    world.fn_fake.update_work_order(wo, description={"html": "<p>" + "lorem ipsum " * 5000})
    world.fn_fake.post_message(wo, "x" * 40000)
    world.svc.sync_work_order(wo)
    lengths = world.validated.field_lengths
    record = world.at_fake.record("Tickets", ticket)
    assert record is not None
    assert len(record["description"]) == lengths["Tickets.description"]
    [note] = world.records("TicketNotes", ticket)
    assert len(note["description"]) == lengths["TicketNotes.description"]
    assert len(note["title"]) == lengths["TicketNotes.title"]
    [marker] = world.svc.markers.find(note["title"], "note")
    assert note["title"].startswith(marker.text + " ")


def test_one_autotask_call_per_change_in_steady_state(world: World) -> None:
    wo, _ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "warm-up")
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    world.svc.sync_work_order(wo)  # first touch of each kind scans for markers once
    world.fn_fake.post_message(wo, "second note")
    world.fn_fake.log_time(wo, T0 + timedelta(hours=2), T0 + timedelta(hours=3))
    world.at_fake.reset_requests()
    report = world.svc.sync_work_order(wo)
    assert report.writes == 2
    assert world.at_fake.count_requests() == 2


def test_approved_time_entry_turns_the_link_diverged_without_retries(world: World) -> None:
    wo, ticket = world.linked_work_order()
    log_id = world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    world.svc.sync_work_order(wo)
    [entry] = world.records("TimeEntries", ticket)
    world.at_fake.approve_time_entry(entry["id"])
    world.fn_fake.edit_time_log(wo, log_id, end=T0 + timedelta(hours=3))
    report = world.svc.sync_work_order(wo)
    assert [c.action for c in report.changes] == [Action.DIVERGED]
    link = world.store.get_link(world.svc.scope, "timelog", f"{log_id}#0")
    assert link is not None
    assert link.state == LinkState.DIVERGED
    assert link.data["locked"] is True
    world.at_fake.reset_requests()
    world.svc.sync_work_order(wo, force=True)
    assert world.at_fake.count_requests() == 0
    assert world.records("TimeEntries", ticket)[0]["hoursWorked"] == 1.0


def delete_ticket(world: World, ticket_id: int) -> None:
    # Autotask's API cannot delete tickets; a person can (or a merge absorbs one).
    with world.at_fake._lock:
        world.at_fake._tenant.tables["Tickets"].pop(ticket_id)


def test_deleted_ticket_unlinks_the_work_order_and_reports_it(world: World) -> None:
    wo, ticket = world.linked_work_order()
    delete_ticket(world, ticket)
    world.fn_fake.post_message(wo, "Anyone there?")
    report = world.svc.sync_work_order(wo)
    assert [c.action for c in report.changes] == [Action.UNLINKED]
    link = world.store.get_link(world.svc.scope, "wo", str(wo))
    assert link is not None
    assert link.state == LinkState.UNLINKED
    world.at_fake.reset_requests()
    world.fn_fake.post_message(wo, "Hello?")
    assert world.svc.sync_work_order(wo).skipped == "unlinked"
    assert world.at_fake.count_requests() == 0


@pytest.mark.parametrize("baseline", [True, False])
def test_link_without_baseline_pushes_current_facts(world: World, baseline: bool) -> None:
    wo, ticket = world.linked_work_order(baseline=baseline, title="From Field Nation")
    world.svc.sync_work_order(wo)
    record = world.at_fake.record("Tickets", ticket)
    assert record is not None
    assert (record["title"] == "From Field Nation") is not baseline


def test_providers_complete_work_orders_labour_and_notes_appear_in_autotask(
        world: World) -> None:
    orders = [world.linked_work_order(title=f"Store {n} refresh") for n in range(3)]
    for n, (wo, _ticket) in enumerate(orders):
        world.fn_fake.check_in(wo, T0 + timedelta(hours=n))
        world.fn_fake.post_message(wo, f"On site at store {n}")
        world.fn_fake.check_out(wo, T0 + timedelta(hours=n, minutes=45))
        world.fn_fake.complete_work(wo)
    world.deliver_all()
    world.svc.process_pending()
    for _wo, ticket in orders:
        [entry] = world.records("TimeEntries", ticket)
        assert entry["hoursWorked"] == 0.75
        assert len(world.records("TicketNotes", ticket)) == 1
        record = world.at_fake.record("Tickets", ticket)
        assert record is not None
        assert record["status"] == world.validated.status_values["work_done"]


def test_unknown_provider_falls_back_to_the_default_resource() -> None:
    probe = World()
    seed = probe.at_fake.seed
    world = World(lookup_resources_by_email=False, default_resource_id=seed.ui_resource_id)
    world.at_fake.grant_role(seed.ui_resource_id, seed.tech_role_id)
    wo, ticket = world.linked_work_order()
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    world.svc.sync_work_order(wo)
    [entry] = world.records("TimeEntries", ticket)
    assert entry["resourceID"] == seed.ui_resource_id


def test_fixed_role_where_the_tenant_allows_it() -> None:
    probe = World()
    seed = probe.at_fake.seed
    world = World(role_policy="fixed", role_id=seed.role_id)
    world.at_fake.set_tenant_option(allow_role_override=True)
    wo, ticket = world.linked_work_order()
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    world.svc.sync_work_order(wo)
    [entry] = world.records("TimeEntries", ticket)
    assert entry["roleID"] == seed.role_id


def test_refused_create_is_bad_input_naming_the_record(world: World) -> None:
    wo = world.fn_fake.create_work_order()
    world.fn_fake.assign(wo)
    seed = world.at_fake.seed
    manager_role = world.at_fake.insert("Roles", {"name": "Manager", "isActive": True})
    world.at_fake.grant_role(seed.ui_resource_id, manager_role)  # the technician lacks it
    ticket = world.ticket(assignedResourceID=seed.ui_resource_id,
                          assignedResourceRoleID=manager_role)
    world.svc.link_work_order(wo, ticket)
    log_id = world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    with pytest.raises(SyncInputError, match=f"timelog {log_id}#0") as caught:
        world.svc.sync_work_order(wo)
    assert "role" in str(caught.value).lower()
    assert world.records("TimeEntries", ticket) == []


def test_sweep_reads_changes_without_events_and_skips_finished_work(world: World) -> None:
    wo, ticket = world.linked_work_order()
    done, _ = world.linked_work_order()
    world.fn_fake.complete_work(done)
    world.fn_fake.approve(done)
    world.fn_fake.mark_paid(done)
    world.svc.sweep()
    world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))  # no webhook for time logs
    world.fn_fake.reset_requests()
    report = world.svc.sweep()
    assert report.checked == 1
    assert report.synced == 1
    assert len(world.records("TimeEntries", ticket)) == 1
    assert not world.fn_fake.count_requests(path=rf"/workorders/{done}")


def test_custom_field_follows_into_the_mapped_udf() -> None:
    probe = World()
    udf = probe.at.udfs("Tickets")[0].name
    world = World(custom_field_map={"Serial Number": udf})
    wo, ticket = world.linked_work_order()
    [field] = [cf for cf in world.fn.list_custom_fields(wo) if cf.name == "Serial Number"]
    assert field.id is not None
    world.fn_fake.set_custom_field(wo, field.id, "SN-0042", as_provider=True)
    world.deliver_all()
    world.svc.process_pending()
    record = world.at_fake.record("Tickets", ticket)
    assert record is not None
    assert {"name": udf, "value": "SN-0042"} in [
        {"name": u["name"], "value": u["value"]} for u in record["userDefinedFields"]]


def test_handle_event_reconciles_now(world: World) -> None:
    wo, ticket = world.linked_work_order()
    world.fn_fake.post_message(wo, "handled directly")
    [delivery] = world.fn_fake.take_deliveries()
    event = parse_delivery(delivery.body, delivery.headers)
    report = world.svc.handle_event(event)
    assert [c.action for c in report.changes] == [Action.CREATED]
    assert len(world.records("TicketNotes", ticket)) == 1


def test_deleting_a_log_whose_entry_is_approved_diverges_instead_of_deleting(
        world: World) -> None:
    wo, ticket = world.linked_work_order()
    log_id = world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    world.svc.sync_work_order(wo)
    [entry] = world.records("TimeEntries", ticket)
    world.at_fake.approve_time_entry(entry["id"])
    world.fn_fake.delete_time_log(wo, log_id)
    report = world.svc.sync_work_order(wo)
    assert [(c.action, c.at_id) for c in report.changes] == [(Action.DIVERGED, entry["id"])]
    assert len(world.records("TimeEntries", ticket)) == 1
    world.at_fake.reset_requests()
    world.fn_fake.post_message(wo, "later activity")
    world.svc.sync_work_order(wo)
    assert world.at_fake.count_requests("DELETE") == 0


def test_events_of_unlinked_work_orders_cost_no_call(world: World) -> None:
    wo = world.fn_fake.create_work_order()
    world.fn_fake.assign(wo)
    world.fn_fake.post_message(wo, "not ours")
    world.deliver_all()
    world.at_fake.reset_requests()
    world.fn_fake.reset_requests()
    report = world.svc.process_pending()
    assert report.succeeded > 0
    assert {r.skipped for r in report.reports} == {"not_linked"}
    assert world.at_fake.count_requests() == 0
    assert world.fn_fake.count_requests() == 0


def test_sweep_filters_by_status_and_recent_activity(world: World) -> None:
    busy, busy_ticket = world.linked_work_order()
    done, done_ticket = world.linked_work_order()
    for wo in (busy, done):
        world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    world.fn_fake.complete_work(done)
    report = world.svc.sweep(statuses={"work_done"})
    assert [r.work_order_id for r in report.reports if r.skipped is None] == [done]
    assert world.records("TimeEntries", busy_ticket) == []
    assert len(world.records("TimeEntries", done_ticket)) == 1

    far_future = datetime(2100, 1, 1, tzinfo=UTC)
    assert world.svc.sweep(changed_since=far_future).checked == 0
    assert world.svc.sweep(changed_since=0.0).checked == 2


@pytest.mark.parametrize("change", ["title", "time"])
def test_deleted_ticket_is_found_by_any_write(world: World, change: str) -> None:
    wo, ticket = world.linked_work_order()
    delete_ticket(world, ticket)
    if change == "title":
        world.fn_fake.update_work_order(wo, title="Renamed after the ticket was deleted")
    else:
        world.fn_fake.log_time(wo, T0, T0 + timedelta(hours=1))
    report = world.svc.sync_work_order(wo)
    assert report.changes[-1].action == Action.UNLINKED
    assert world.at_fake.records("TimeEntries") == []
