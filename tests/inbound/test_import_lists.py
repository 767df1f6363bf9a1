"""Inbound over the fakes: work-order lists that do not depend on the saved sticky list or on
an undocumented filter, and no second upload on the strength of an incomplete folder list."""

from __future__ import annotations

import attrs
import pytest
from inbound_world import InboundWorld

from autotask_fn.fieldnation.client import FieldNationClient, Listing
from autotask_fn.fieldnation.errors import FieldNationError


@pytest.mark.contract("FN-WO-FILTER-INCIDENT", "FN-WO-LIST-STICKY")
def test_recovery_checks_each_work_order_itself_whatever_list_is_saved(
        world: InboundWorld) -> None:
    decoys = [world.fn_fake.create_work_order(title=f"Other {n}", incident_id=f"T2025.{n}")
              for n in range(3)]
    # The API user's login last saved the "assigned" tab as sticky: a bare list shows none.
    world.fn_fake.http_client().get("/api/rest/v2/workorders",
                                    params={"list": "workorders_assigned", "sticky": "true"})
    ticket_id = world.ticket()
    world.fn_fake.fail_next(r"/workorders$", method="POST", after_acting=True, timeout=True)
    with pytest.raises(Exception):  # noqa: B017 - whatever the transport error is named
        world.svc.import_ticket(ticket_id)

    retry = world.svc.import_ticket(ticket_id)

    assert retry.recovered
    assert retry.work_order_id not in decoys
    assert len(world.fn_fake.state.work_orders) == 4
    assert not any("f_incident_id" in r.url for r in world.fn_fake.requests)


@pytest.mark.contract("FN-SUBCOLLECTION-PAGED")
def test_an_upload_is_not_repeated_on_the_strength_of_an_incomplete_folder_list(
        monkeypatch: pytest.MonkeyPatch) -> None:
    world = InboundWorld(import_attachments=True)
    ticket_id = world.ticket()
    world.at_fake.ui_attach_file(ticket_id, "a.pdf", b"%PDF-1.4", file_name="a.pdf")
    world.fn_fake.fail_next(r"/attachments/\d+$", method="POST", status=500, after_acting=True)
    with pytest.raises(FieldNationError):
        world.svc.import_ticket(ticket_id)

    real = FieldNationClient.list_folders
    torn = [True]

    def read(self: FieldNationClient, work_order_id: int | str) -> Listing:  # type: ignore[type-arg]
        found = real(self, work_order_id)
        if not torn[0]:
            return found
        return Listing([attrs.evolve(f, files=[]) for f in found], complete=False)

    monkeypatch.setattr(FieldNationClient, "list_folders", read)
    world.svc.import_ticket(ticket_id)  # cannot tell whether the upload landed: waits
    (wo_id,) = world.fn_fake.state.work_orders
    torn[0] = False
    world.svc.import_ticket(ticket_id)
    docs = next(f for f in world.fn.list_folders(wo_id) if f.name == "Documents")
    assert [f.name for f in docs.files] == ["a.pdf"]
    assert len(world.store.list_links(world.svc.scope, "at_attachment")) == 1
