"""Files and signatures -> TicketAttachments: embed limit, replace/remove/deny, the byte budget,
echo of imported files, and secrets kept out of Autotask."""

from __future__ import annotations

import base64
import json
from typing import Any

import attrs
import pytest
from outbound_world import PNG, OutboundWorld

from autotask_fn.fieldnation.errors import FieldNationTransportError
from autotask_fn.store.base import EntryStatus, Link
from autotask_fn.sync import Action
from autotask_fn.sync.outbound_settings import AttachmentSettings
from autotask_fn.testing import FakeAutotask

MB = 1_000_000


@pytest.fixture(params=["release-2021.1", "swagger-2024"])
def world(request: pytest.FixtureRequest) -> OutboundWorld:
    """The attachment flows run against both shapes of TicketAttachments: with ``ticketID``
    required (vendor, release 2021.1) and without it (the 2024 Swagger copy)."""
    world = OutboundWorld()
    world.at_fake.set_tenant_option(ticket_attachment_ids=request.param == "release-2021.1")
    return world


def ignore_parent_conditions(fake: FakeAutotask, *fields: str) -> None:
    """Make the fake's tenant drop the parent conditions of every query, as Autotask drops a
    condition it does not honour (the operator is rewritten to one it does not know)."""
    handle = fake.handle

    def rewritten(request: Any) -> Any:
        if request.method == "POST" and "/query" in request.path and request.body:
            body = json.loads(request.body)
            for item in body.get("filter", []):
                if item.get("field") in fields and item.get("op") == "eq":
                    item["op"] = "equals"
            request = attrs.evolve(request, body=json.dumps(body).encode())
        return handle(request)

    fake.handle = rewritten  # type: ignore[method-assign]


def attachments(world: OutboundWorld, ticket: int) -> list[dict]:
    return world.on_ticket("TicketAttachments", ticket)


def stored_file(world: OutboundWorld, file_id: int):  # the fake's record of an upload
    return next(f for f in world.fn_fake.state.files_by_token.values() if f.id == file_id)


def test_a_file_is_embedded_with_its_marker_in_the_title(world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    file_id = world.fn_fake.upload_file(wo, "site.jpg", b"jpeg-bytes" * 100)
    world.sync(wo)
    [att] = attachments(world, ticket)
    assert att["title"] == f"[FN:custom:file:{file_id}] site.jpg"
    assert att["attachmentType"] == "FILE_ATTACHMENT"
    assert base64.b64decode(world.at.get("TicketAttachments", att["id"])["data"]) \
        == b"jpeg-bytes" * 100


def test_a_replaced_file_is_deleted_and_created_again(world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    file_id = world.fn_fake.upload_file(wo, "site.jpg", b"old")
    world.sync(wo)
    [old] = attachments(world, ticket)
    stored_file(world, file_id).content = b"new and longer"
    world.fn_fake.state.touch(world.fn_fake.state.raw_work_order(wo))
    world.at_fake.reset_requests()
    report = world.sync(wo)
    assert [(c.action, c.at_id) for c in report.changes] == [
        (Action.DELETED, old["id"]), (Action.CREATED, attachments(world, ticket)[0]["id"])]
    [new] = attachments(world, ticket)
    assert new["id"] != old["id"]
    assert new["fileSize"] == len(b"new and longer")
    assert world.at_fake.count_requests("DELETE") == 1
    assert world.at_fake.count_requests("POST", "Attachments$") == 1


def test_removed_and_denied_files_delete_their_attachments(world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    keep = world.fn_fake.upload_file(wo, "keep.pdf", b"%PDF keep")
    removed = world.fn_fake.upload_file(wo, "gone.pdf", b"%PDF gone")
    denied = world.fn_fake.upload_file(wo, "blurry.jpg", b"blurry")
    world.sync(wo)
    assert len(attachments(world, ticket)) == 3
    world.fn_fake.delete_file(wo, removed)
    world.fn_fake.set_file_status(wo, denied, "DENIED")
    report = world.sync(wo)
    assert sorted((c.fn_id, c.action) for c in report.changes) == sorted(
        [(str(removed), Action.DELETED), (str(denied), Action.DELETED)])
    assert [a["title"] for a in attachments(world, ticket)] == [
        f"[FN:custom:file:{keep}] keep.pdf"]


def test_a_file_above_the_embed_limit_becomes_a_url_attachment_without_download() -> None:
    world = OutboundWorld(attachments=AttachmentSettings(embed_limit=1000))
    wo, ticket = world.linked_work_order()
    world.fn_fake.upload_file(wo, "manual.pdf", b"%" * 5000)
    world.fn_fake.reset_requests()
    world.sync(wo)
    [att] = attachments(world, ticket)
    assert att["attachmentType"] == "URL"
    assert att["fullPath"].startswith(world.fn_fake.base_url)
    assert "?" not in att["fullPath"]
    assert world.fn_fake.count_requests(path="/files/") == 0  # decided by size_bytes alone


def test_a_large_file_whose_link_carries_a_token_becomes_a_note_and_no_token_leaks() -> None:
    world = OutboundWorld(attachments=AttachmentSettings(embed_limit=1000))
    world.fn_fake.embed_token_in_links = True
    wo, ticket = world.linked_work_order()
    file_id = world.fn_fake.upload_file(wo, "manual.pdf", b"%" * 5000)
    world.sync(wo)
    assert attachments(world, ticket) == []
    [note] = [n for n in world.on_ticket("TicketNotes", ticket)
              if f"[FN:custom:file:{file_id}]" in n["title"]]
    assert f"/workorders/{wo}" in note["description"]
    everything = repr(world.at_fake.records("TicketNotes")) + repr(
        world.at_fake.records("TicketAttachments"))
    assert "access_token" not in everything
    # small files are still embedded (downloaded with the token, which stays with us)
    world.fn_fake.upload_file(wo, "small.jpg", b"tiny")
    world.sync(wo)
    assert [a["attachmentType"] for a in attachments(world, ticket)] == ["FILE_ATTACHMENT"]
    assert "access_token" not in repr(world.at_fake.records("TicketAttachments"))


def test_files_imported_from_autotask_are_never_sent_back(world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    imported = world.fn_fake.upload_file(wo, "from-autotask.pdf", b"%PDF")
    world.store.save_link(Link(scope=world.svc.scope, kind="at_attachment",
                               fn_id=str(imported), at_entity="TicketAttachments", at_id=1,
                               work_order_id=wo))
    world.sync(wo)
    assert attachments(world, ticket) == []


def test_a_signature_is_embedded_public_and_deleted_with_its_source(
        world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    sig = world.fn_fake.capture_signature(wo, "Sam Manager", "Store manager", png_bytes=PNG)
    world.sync(wo)
    [att] = attachments(world, ticket)
    assert att["title"] == f"[FN:custom:signature:{sig}] Signature: Sam Manager (Store manager)"
    assert att["publish"] == 1
    assert att["fullPath"] == f"signature-{sig}.png"
    assert base64.b64decode(world.at.get("TicketAttachments", att["id"])["data"]) == PNG
    world.fn_fake.state.delete_signature(wo, sig, world.fn_fake.state.api_user())
    world.sync(wo)
    assert attachments(world, ticket) == []


def test_signatures_stay_public_when_files_are_internal() -> None:
    world = OutboundWorld(attachments=AttachmentSettings(publish="Internal Only"))
    wo, ticket = world.linked_work_order()
    world.fn_fake.upload_file(wo, "notes.pdf", b"%PDF")
    world.fn_fake.capture_signature(wo, "Sam Manager")
    world.sync(wo)
    by_kind = {a["title"].split(":")[2]: a["publish"] for a in attachments(world, ticket)}
    assert by_kind == {"file": 2, "signature": 1}


def test_the_byte_budget_defers_uploads_and_never_dead_letters_them() -> None:
    world = OutboundWorld(max_attempts=1)
    wo, ticket = world.linked_work_order()
    for n in range(3):  # 3 x 3.5 MB: the third does not fit in 10,000,000 bytes per 5 minutes
        world.fn_fake.upload_file(wo, f"photo{n}.jpg", bytes([n]) * (35 * MB // 10))
    world.deliver_all()
    first = world.svc.process_pending()
    assert (first.succeeded, first.retried, first.dead) == (0, 3, 0)
    assert len(attachments(world, ticket)) == 2
    assert world.svc.dead_letters() == []
    world.advance(30)  # not yet: the budget frees up 5 minutes after the first upload
    assert world.svc.process_pending().processed == 0
    world.wait(300)
    second = world.svc.process_pending()
    assert (second.succeeded, second.dead) == (3, 0)
    assert sorted(a["title"].rsplit(" ", 1)[1] for a in attachments(world, ticket)) == [
        "photo0.jpg", "photo1.jpg", "photo2.jpg"]
    assert world.store.count_entries(EntryStatus.DEAD) == 0


def test_a_work_order_linked_to_a_project_task_gets_no_ticket_records(
        world: OutboundWorld) -> None:
    wo = world.fn_fake.create_work_order()
    world.fn_fake.assign(wo)
    snapshot = world.svc.mapper.snapshot(world.fn.get_work_order(wo))
    world.store.save_link(Link(scope=world.svc.scope, kind="wo", fn_id=str(wo),
                               at_entity="Tasks", at_id=world.at_fake.seed.task_id,
                               work_order_id=wo, data={"snapshot": snapshot}))
    world.fn_fake.add_expense(wo, "5.00", "Tolls", receipt=PNG)
    world.fn_fake.upload_file(wo, "photo.jpg", b"jpeg")
    world.at_fake.reset_requests()
    world.sync(wo)
    assert world.at_fake.count_requests("POST") == world.at_fake.count_requests(
        "POST", "/query")  # nothing written: tasks take no ticket attachments or charges


def test_a_download_that_breaks_mid_upload_is_checked_by_marker_and_sent_once(
        world: OutboundWorld) -> None:
    # The file downloads while its upload body is sent: a download failing half way breaks
    # the upload mid-body. That is treated as ambiguous: the next sync looks for the marker
    # before uploading again, and the file ends up attached exactly once.
    wo, ticket = world.linked_work_order()
    world.fn_fake.upload_file(wo, "site.jpg", b"jpeg-bytes" * 1000)
    world.fn_fake.fail_next(r"^/files/", method="GET", timeout=True)
    with pytest.raises(FieldNationTransportError):
        world.sync(wo)
    assert attachments(world, ticket) == []
    world.at_fake.reset_requests()
    world.sync(wo)
    assert [(r.method, r.path.rsplit("/", 2)[-2:]) for r in world.at_fake.requests] == [
        ("POST", ["TicketAttachments", "query"]),  # the marker scan comes first
        ("POST", [str(ticket), "Attachments"])]
    [att] = attachments(world, ticket)
    assert base64.b64decode(world.at.get("TicketAttachments", att["id"])["data"]) \
        == b"jpeg-bytes" * 1000


@pytest.mark.contract("AT-ATTACH-TICKETID-QUERY", "AT-ATTACH-SWAGGER-2024")
def test_attachments_of_the_tickets_notes_and_time_entries_are_never_taken_for_ours(
        world: OutboundWorld) -> None:
    wo, ticket = world.linked_work_order()
    file_id = world.fn_fake.upload_file(wo, "site.jpg", b"jpeg-bytes")
    title = f"[FN:custom:file:{file_id}] site.jpg"
    note = world.at_fake.insert("TicketNotes", {"ticketID": ticket, "title": "copy",
                                                "description": "a copy", "publish": 1})
    entry = world.at_fake.insert("TimeEntries", {"ticketID": ticket, "hoursWorked": 1})
    on_note = world.at_fake.ui_attach_file(ticket, title, b"jpeg-bytes", note_id=note)
    on_entry = world.at_fake.ui_attach_file(ticket, title, b"jpeg-bytes", time_entry_id=entry)
    world.sync(wo)
    [att] = attachments(world, ticket)  # our own, not one of the look-alikes adopted
    assert att["title"] == title
    world.fn_fake.delete_file(wo, file_id)
    world.sync(wo)
    assert attachments(world, ticket) == []
    assert world.at_fake.record("TicketAttachments", on_note) is not None
    assert world.at_fake.record("TicketAttachments", on_entry) is not None


@pytest.mark.contract("AT-QUERY-IGNORED-OPERATOR")
def test_a_parent_condition_autotask_drops_does_not_adopt_another_tickets_attachment() -> None:
    world = OutboundWorld()
    world.at_fake.set_tenant_option(ticket_attachment_ids=False)  # queried by parentID
    wo, ticket = world.linked_work_order()
    file_id = world.fn_fake.upload_file(wo, "site.jpg", b"jpeg-bytes")
    other = world.at_fake.ui_create_ticket(
        title="another ticket", companyID=world.at_fake.seed.company_id, status=1, priority=2,
        queueID=world.at_fake.seed.queue_id)
    elsewhere = world.at_fake.ui_attach_file(other, f"[FN:custom:file:{file_id}] site.jpg",
                                             b"jpeg-bytes")
    ignore_parent_conditions(world.at_fake, "parentID")
    world.sync(wo)
    [att] = attachments(world, ticket)
    assert att["id"] != elsewhere
    assert world.store.get_link(world.svc.scope, "file", str(file_id)).at_id == att["id"]


@pytest.mark.contract("AT-QUERY-IGNORED-OPERATOR")
def test_a_ticket_condition_autotask_drops_does_not_adopt_another_tickets_note() -> None:
    world = OutboundWorld()
    wo, ticket = world.linked_work_order()
    msg = world.fn_fake.post_message(wo, "on site at 9")
    other = world.at_fake.ui_create_ticket(
        title="another ticket", companyID=world.at_fake.seed.company_id, status=1, priority=2,
        queueID=world.at_fake.seed.queue_id)
    marker = world.svc.markers.make("note", msg).text
    elsewhere = world.at_fake.insert("TicketNotes", {
        "ticketID": other, "title": f"{marker} copied", "description": "x", "publish": 1})
    ignore_parent_conditions(world.at_fake, "ticketID")
    world.sync(wo)
    link = world.store.get_link(world.svc.scope, "note", str(msg))
    assert link is not None
    assert link.at_id != elsewhere
    assert world.at_fake.record("TicketNotes", link.at_id)["ticketID"] == ticket
