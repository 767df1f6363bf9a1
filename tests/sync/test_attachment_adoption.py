"""An attachment already on the ticket with our marker, but unknown to the store, is adopted."""

from __future__ import annotations

import attrs
import pytest
from world import World


@pytest.mark.parametrize("kind", ["file", "receipt", "signature"])
def test_a_marked_attachment_the_store_forgot_is_adopted_on_first_touch(kind: str) -> None:
    world = World()
    wo, ticket = world.linked_work_order()
    fn = world.fn_fake
    fn.receipts_on_read = "receipt"  # a receipt must show on read to sync (FN-EXPENSE-RECEIPT-READ)
    made = {
        "file": lambda: fn.upload_file(wo, "after.jpg", b"\xff\xd8photo"),
        "receipt": lambda: fn.add_expense(wo, "12.00", "Parking", receipt=b"\xff\xd8r"),
        "signature": lambda: fn.capture_signature(wo, "Pat Customer"),
    }[kind]()
    world.svc.sync_work_order(wo)
    scope = world.svc.scope
    link = world.store.get_link(scope, kind, str(made))
    assert link is not None
    # The store loses that link and the note that the ticket's attachments were scanned
    # (restored from an older backup, say); the attachment itself stays on the ticket.
    world.store.delete_link(scope, kind, str(made))
    wo_link = world.store.get_link(scope, "wo", str(wo))
    assert wo_link is not None
    forgotten = {k: v for k, v in wo_link.data.items() if k not in ("scanned", "fn_hash")}
    world.store.save_link(attrs.evolve(wo_link, data=forgotten))
    world.at_fake.reset_requests()

    report = world.svc.sync_work_order(wo)

    assert (kind, "adopted") in [(c.kind, c.action.value) for c in report.changes]
    assert world.at_fake.count_requests("POST", r"/Attachments$") == 0
    attachments = [a for a in world.at_fake.records("TicketAttachments")
                   if a.get("parentID") == ticket]
    assert [a["id"] for a in attachments] == [link.at_id]
    again = world.store.get_link(scope, kind, str(made))
    assert again is not None
    assert again.at_id == link.at_id
