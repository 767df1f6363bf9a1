"""Messages (audience, published and documented shapes), paged lists and work-order lists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from autotask_fn.fieldnation import FieldNationClient, Message
from autotask_fn.fieldnation.models import structure
from autotask_fn.testing import FakeFieldNation

from .conftest import StubFN, make_client

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> FakeFieldNation:
    return FakeFieldNation()


@pytest.fixture
def fn(fake: FakeFieldNation) -> Iterator[FieldNationClient]:
    with FieldNationClient(
            FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET, FakeFieldNation.USERNAME,
            FakeFieldNation.PASSWORD, base_url=fake.base_url,
            transport=httpx.WSGITransport(app=fake),  # type: ignore[arg-type]
            clock=fake.clock.timestamp, sleep=lambda s: None) as client:
        yield client


@pytest.fixture
def assigned(fake: FakeFieldNation) -> int:
    wo_id = fake.create_work_order(title="Assigned job")
    fake.assign(wo_id)
    return wo_id


# --------------------------------------------------------------------------- audience


def _message(**fields: Any) -> Message:
    return structure({"msg_id": 8, "message": "hi", "from": {"id": 3, "name": "Sam"},
                      **fields}, Message)


@pytest.mark.contract("FN-MESSAGE-AUDIENCE")
@pytest.mark.parametrize(("fields", "audience", "internal"), [
    ({"role": "ASSIGNEDTECH"}, "ASSIGNEDTECH", False),  # the messages page's example
    ({"role": "INTERNAL"}, "INTERNAL", True),
    ({"role": "STAFF_NOTE"}, "INTERNAL", True),
    ({"type": "FROMTECH"}, "FROMTECH", False),  # the published model's enum
    ({"type": "staff_note"}, "INTERNAL", True),
    ({"type": "ASSIGNEDTECH", "role": "INTERNAL"}, "INTERNAL", True),  # any internal wins
    ({"type": "ASSIGNEDTECH", "role": "buyer"}, "ASSIGNEDTECH", False),  # type decides
    ({"type": "ASSIGNEDTECH", "internal": True}, "INTERNAL", True),
    ({"internal": False}, None, True),  # an invented flag cannot publish
    ({}, None, True),  # no audience at all
    ({"role": "buyer"}, "BUYER", True),  # an author role is not an audience
    ({"type": "CUSTOMER_BROADCAST"}, "CUSTOMER_BROADCAST", True),  # unknown
    ({"type": "REPLY"}, "REPLY", True),  # follows a thread; alone it is not public
])
def test_only_documented_provider_audiences_are_public(
        fields: dict[str, Any], audience: str | None, internal: bool) -> None:
    msg = _message(**fields)
    assert (msg.audience, msg.internal) == (audience, internal)


@pytest.mark.contract("FN-MESSAGE-SHAPE")
@pytest.mark.parametrize("replies", [
    [{"msg_id": "9", "message": "ok", "role": "FROMTECH"}],
    {"metadata": {"total": 1, "per_page": 25, "pages": 1, "page": 1},
     "results": [{"msg_id": 9, "parent_id": 8, "message": "ok", "type": "FROMTECH"}]},
])
def test_message_ids_and_replies_read_in_either_form(replies: Any) -> None:
    msg = _message(type="ASSIGNEDTECH", replies=replies)
    assert msg.msg_id == "8"
    [reply] = msg.replies
    assert (reply.msg_id, reply.text, reply.internal) == ("9", "ok", False)


@pytest.mark.contract("FN-MESSAGE-AUDIENCE", "FN-MESSAGE-SHAPE")
@pytest.mark.parametrize("shape", ["published", "documented"])
def test_internal_and_staff_notes_are_internal_in_both_shapes(
        fn: FieldNationClient, fake: FakeFieldNation, assigned: int, shape: str) -> None:
    fake.state.message_shape = shape
    note = fn.post_message(assigned, "Customer is VIP")  # INTERNAL
    staff = fn.post_message(assigned, "Watch this tech", type="STAFF_NOTE")
    public = fn.post_message(assigned, "Bring a ladder", type="ASSIGNEDTECH")
    from_tech = fake.post_message(assigned, "On my way")
    fake.post_message(assigned, "Parking is at the back", reply_to=from_tech)

    got = {m.msg_id: m for m in fn.list_messages(assigned)}
    assert got[note.msg_id].internal
    assert got[staff.msg_id].internal
    assert not got[public.msg_id].internal
    assert not got[from_tech].internal
    assert [(r.text, r.internal) for r in got[from_tech].replies] == [
        ("Parking is at the back", False)]
    raw = got[note.msg_id].raw
    assert "internal" not in raw
    assert isinstance(raw["msg_id"], int if shape == "published" else str)
    assert ("type" in raw) is (shape == "published")


@pytest.mark.contract("FN-MESSAGES-PAGED")
def test_messages_are_read_page_by_page(fn: FieldNationClient, fake: FakeFieldNation,
                                        assigned: int) -> None:
    ids = [fake.post_message(assigned, f"update {n}") for n in range(130)]
    fake.reset_requests()
    messages = fn.list_messages(assigned)
    assert [m.msg_id for m in messages] == ids
    assert messages.complete
    assert fake.count_requests("GET", r"/messages$") == 2  # at most 100 a page
    assert fn.get_work_order(assigned).raw["messages"]["metadata"]["total"] == 130


# --------------------------------------------------------------------------- paged lists


@pytest.mark.contract("FN-SUBCOLLECTION-EMBEDDED-PAGE", "FN-SUBCOLLECTION-PAGED", "FN-WO-COLUMNS")
def test_a_full_read_fetches_the_rest_of_a_partly_embedded_collection(
        fn: FieldNationClient, fake: FakeFieldNation, assigned: int) -> None:
    logs = [fake.log_time(assigned, T0 + timedelta(hours=h), T0 + timedelta(hours=h, minutes=20))
            for h in range(30)]
    signatures = [fake.capture_signature(assigned, f"Signer {n}") for n in range(27)]
    few = fake.create_work_order(title="Small job")
    fake.reset_requests()

    wo = fn.get_work_order(assigned)
    assert [t.id for t in wo.time_logs] == logs
    assert [s.id for s in wo.signatures] == signatures
    assert wo.incomplete == frozenset()
    assert fake.count_requests("GET", r"/time_logs$") == 1
    assert fake.count_requests("GET", r"/signatures$") == 1

    fake.reset_requests()
    assert fn.get_work_order(few).incomplete == frozenset()
    assert fake.count_requests() == 1  # nothing partial: no extra read
    assert fn.get_work_order(assigned, columns=["title"]).incomplete == frozenset(
        {"time_logs", "attachments", "signatures", "contacts"})


def _pages(pages: dict[int, dict[str, Any]]) -> StubFN:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[int(request.url.params["page"])])
    return StubFN(handler)


def _page(ids: list[int], total: int | None, page: int, pages: int | None) -> dict[str, Any]:
    meta = {k: v for k, v in (("total", total), ("page", page), ("pages", pages),
                              ("per_page", 2)) if v is not None}
    return {"metadata": meta, "results": [{"id": i, "in": {"utc": "2026-01-05 09:00:00"}}
                                          for i in ids]}


@pytest.mark.contract("FN-SUBCOLLECTION-PAGED")
@pytest.mark.parametrize(("pages", "complete"), [
    ({1: _page([1, 2], 3, 1, 2), 2: _page([3], 3, 2, 2)}, True),
    # a row deleted between the pages: row 3 moved onto page 1 and was never seen
    ({1: _page([1, 2], 4, 1, 2), 2: _page([4], 3, 2, 2)}, False),
    # a row added between the pages: row 2 is seen twice, one row is missed
    ({1: _page([1, 2], 3, 1, 2), 2: _page([2, 3], 4, 2, 2)}, False),
    ({1: _page([1, 2], None, 1, None)}, False),  # no metadata: not known
    ({1: _page([1], 3, 1, 1)}, False),  # fewer rows than the total
    ({1: _page([], 0, 1, 1)}, True),
])
def test_a_list_is_complete_only_when_its_pages_agree(pages: dict[int, dict[str, Any]],
                                                     complete: bool) -> None:
    with make_client(_pages(pages)) as client:
        listing = client.list_time_logs(7)
    assert listing.complete is complete
    assert len({t.id for t in listing}) == len(listing)


# --------------------------------------------------------------------------- work-order lists


@pytest.mark.contract("FN-WO-LIST-STICKY")
def test_work_order_lists_never_depend_on_the_saved_sticky_list(
        fn: FieldNationClient, fake: FakeFieldNation) -> None:
    draft = fake.create_work_order(title="Draft")
    published = fake.create_work_order(title="Published")
    fake.publish(published)
    # Someone using the API user's login saved the "drafts" tab as sticky state.
    ui = fake.http_client()
    saved = ui.get("/api/rest/v2/workorders",
                   params={"list": "workorders_draft", "sticky": "true"})
    assert [w["id"] for w in saved.json()["results"]] == [draft]
    bare = ui.get("/api/rest/v2/workorders").json()
    assert [w["id"] for w in bare["results"]] == [draft]  # no list: the sticky one

    assert [w.id for w in fn.iter_work_orders()] == [draft, published]
    sent = [r.url for r in fake.requests if r.path.endswith("/workorders")][-1]
    assert "list=workorders_all" in sent
    assert "sticky=false" in sent
    assert [w.id for w in fn.iter_work_orders({"list": "workorders_published_routed"})] == [
        published]


@pytest.mark.contract("FN-WO-FILTER-INCIDENT")
def test_incident_id_is_not_a_work_order_filter(fn: FieldNationClient) -> None:
    wo = fn.create_work_order({"title": "Loc", "incident_id": "T20260105.0042"})
    assert wo.incident_id == "T20260105.0042"
    with pytest.raises(Exception, match="f_incident_id"):
        next(fn.iter_work_orders({"incident_id": "T20260105.0042"}))
