"""FakeFieldNation: time logs, check-in/out, expenses, messages, files and signatures."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from autotask_fn.testing import FakeFieldNation
from autotask_fn.testing.fieldnation import FakeApiError

W = f"{FakeFieldNation.REST_PREFIX}/workorders"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> FakeFieldNation:
    return FakeFieldNation()


@pytest.fixture
def wo(fake: FakeFieldNation) -> int:
    wo_id = fake.create_work_order(title="Install AP")
    fake.assign(wo_id)
    return wo_id


@pytest.fixture
def api(fake: FakeFieldNation) -> httpx.Client:
    return fake.http_client()


@pytest.fixture
def tech(fake: FakeFieldNation) -> httpx.Client:
    return fake.http_client("tech")


def _utc(when: datetime) -> dict[str, str]:
    return {"utc": when.strftime("%Y-%m-%d %H:%M:%S")}


# -- time logs -----------------------------------------------------------------------------
def test_time_log_create_read_edit_delete(tech: httpx.Client, fake: FakeFieldNation,
                                          wo: int) -> None:
    made = tech.post(f"{W}/{wo}/time_logs", json={
        "in": {"created": _utc(T0)}, "out": {"created": _utc(T0 + timedelta(minutes=115))}})
    assert made.status_code == 201
    log = made.json()
    assert log["hours"] == pytest.approx(1.9167)
    assert log["status"] == "checked_out"
    assert log["logged_by"]["id"] == fake.seed.provider_id
    assert log["in"] == {"created": {"utc": "2026-01-05 09:00:00"}}
    edited = tech.put(f"{W}/{wo}/time_logs/{log['id']}",
                      json={"out": {"created": _utc(T0 + timedelta(hours=3))}})
    assert edited.json()["hours"] == 3.0
    listed = tech.get(f"{W}/{wo}/time_logs").json()
    assert set(listed) == {"correlation_id", "actions", "metadata", "results"}
    assert [t["id"] for t in listed["results"]] == [log["id"]]
    assert tech.delete(f"{W}/{wo}/time_logs/{log['id']}").status_code == 204
    assert tech.get(f"{W}/{wo}/time_logs").json()["results"] == []


def test_time_log_accepts_start_end_and_rejects_plain_strings(tech: httpx.Client,
                                                              wo: int) -> None:
    ok = tech.post(f"{W}/{wo}/time_logs", json={"start": _utc(T0),
                                                "end": _utc(T0 + timedelta(hours=1))})
    assert ok.json()["hours"] == 1.0
    bad = tech.post(f"{W}/{wo}/time_logs", json={"in": "2026-01-05 09:00:00",
                                                 "out": "2026-01-05 10:00:00"})
    assert bad.status_code == 400
    backwards = tech.post(f"{W}/{wo}/time_logs", json={"in": _utc(T0 + timedelta(hours=1)),
                                                       "out": _utc(T0)})
    assert backwards.status_code == 400


def test_check_in_and_out_over_rest_move_the_sub_status(tech: httpx.Client, api: httpx.Client,
                                                        fake: FakeFieldNation, wo: int) -> None:
    opened = tech.post(f"{W}/{wo}/check_in").json()
    assert opened["status"] == "checked_in"
    assert opened["out"] is None
    status = api.get(f"{W}/{wo}", params={"columns": "status"}).json()["status"]
    assert (status["id"], status["code"]) == (3, "checked_in")
    assert tech.post(f"{W}/{wo}/check_in").status_code == 400
    fake.clock.advance(2700)  # tokens live an hour, so stay inside it
    closed = tech.post(f"{W}/{wo}/check_out").json()
    assert closed["hours"] == 0.75
    assert api.get(f"{W}/{wo}").json()["status"]["code"] == "checked_out"


def test_time_helpers(fake: FakeFieldNation, api: httpx.Client, wo: int) -> None:
    log_id = fake.log_time(wo, T0, T0 + timedelta(hours=2))
    fake.edit_time_log(wo, log_id, end=T0 + timedelta(hours=4))
    logs = api.get(f"{W}/{wo}/time_logs").json()["results"]
    assert [(t["id"], t["hours"]) for t in logs] == [(log_id, 4.0)]
    fake.check_in(wo, at=T0 + timedelta(days=1))
    with pytest.raises(FakeApiError):
        fake.complete_work(wo)  # still checked in
    fake.check_out(wo, at=T0 + timedelta(days=1, hours=1))
    fake.delete_time_log(wo, log_id)
    assert [t["hours"] for t in api.get(f"{W}/{wo}/time_logs").json()["results"]] == [1.0]
    fake.complete_work(wo)
    fake.approve(wo)
    assert api.get(f"{W}/{wo}/time_logs").json()["results"][0]["verified"] is True


@pytest.mark.contract("FN-SUBCOLLECTION-PAGED", "FN-SUBCOLLECTION-EMBEDDED-PAGE")
def test_sub_resource_lists_are_paged_and_the_full_order_embeds_one_page(
        fake: FakeFieldNation, api: httpx.Client, wo: int) -> None:
    ids = [fake.log_time(wo, T0 + timedelta(hours=h), T0 + timedelta(hours=h, minutes=30))
           for h in range(30)]
    first = api.get(f"{W}/{wo}/time_logs").json()
    assert first["metadata"] == {"total": 30, "per_page": 25, "pages": 2, "page": 1}
    second = api.get(f"{W}/{wo}/time_logs", params={"page": 2}).json()
    assert [t["id"] for t in first["results"] + second["results"]] == ids
    embedded = api.get(f"{W}/{wo}").json()["time_logs"]
    assert [t["id"] for t in embedded["results"]] == ids[:25]
    assert embedded["metadata"] == {"total": 30, "per_page": 25, "pages": 2, "page": 1}


def test_unassigned_provider_cannot_log_time(fake: FakeFieldNation, wo: int) -> None:
    other = fake.http_client("tech2")
    response = other.post(f"{W}/{wo}/time_logs", json={"in": _utc(T0), "out": _utc(T0)})
    assert response.status_code == 403


# -- expenses ------------------------------------------------------------------------------
def test_expenses_create_review_and_validation(tech: httpx.Client, api: httpx.Client,
                                               fake: FakeFieldNation, wo: int) -> None:
    parts = fake.seed.expense_categories["Parts"]
    made = tech.post(f"{W}/{wo}/expenses", json={"description": "Patch cables", "amount": "50",
                                                  "quantity": 2, "category": {"id": parts}})
    assert made.status_code == 201
    expense = made.json()
    assert (expense["amount"], expense["quantity"], expense["status"]) == (50, 2, "new")
    assert expense["category"] == {"id": parts, "name": "Parts"}
    assert expense["author"] == {"id": fake.seed.provider_id, "first_name": "Pat",
                                 "last_name": "Tech", "thumbnail": None}
    assert expense["added"] == {"utc": "2026-01-05 09:00:00"}
    assert tech.put(f"{W}/{wo}/expenses/{expense['id']}",
                    json={"status": "approved"}).status_code == 403
    reviewed = api.put(f"{W}/{wo}/expenses/{expense['id']}",
                       json={"status": "disapproved", "status_description": "no receipt"})
    assert reviewed.json()["status"] == "disapproved"
    for body in ({"amount": "5"}, {"description": "x", "amount": "-1"},
                 {"description": "x", "amount": "abc"}, {"description": "x", "amount": "1",
                                                         "category": {"id": 1}}):
        assert tech.post(f"{W}/{wo}/expenses", json=body).status_code == 400, body
    listed = api.get(f"{W}/{wo}/expenses").json()
    assert [e["status"] for e in listed["results"]] == ["disapproved"]


def test_expense_helpers(fake: FakeFieldNation, api: httpx.Client, wo: int) -> None:
    first = fake.add_expense(wo, "12.5", "Parking")
    fake.set_expense_status(wo, first, "approved")
    got = api.get(f"{W}/{wo}/expenses").json()["results"][0]
    assert (got["id"], got["amount"], got["status"]) == (first, 12.5, "approved")
    assert got["category"]["name"] == "Uncategorized"


# -- messages ------------------------------------------------------------------------------
@pytest.mark.contract("FN-MESSAGE-SHAPE", "FN-MESSAGE-AUDIENCE", "FN-MESSAGE-HIDDEN",
                      "FN-MESSAGE-TYPES")
def test_messages_and_replies(api: httpx.Client, tech: httpx.Client, wo: int) -> None:
    posted = api.post(f"{W}/{wo}/messages", json={"message": "Bring a ladder",
                                                  "type": "ASSIGNEDTECH"})
    assert posted.status_code == 201
    msg = posted.json()
    assert isinstance(msg["msg_id"], int)  # published Message model (reference: string)
    assert (msg["type"], msg["role"]) == ("ASSIGNEDTECH", "ASSIGNEDTECH")
    assert "internal" not in msg
    assert msg["from"]["role"] == "buyer"
    assert msg["created"] == {"utc": "2026-01-05 09:00:00"}
    reply = tech.post(f"{W}/{wo}/messages/{msg['msg_id']}", json={"message": "Will do"})
    assert reply.status_code == 201
    api.post(f"{W}/{wo}/messages", json={"message": "tech is slow", "type": "INTERNAL"})
    buyer_view = api.get(f"{W}/{wo}/messages").json()["results"]
    assert [(m["message"], m["type"]) for m in buyer_view] == [
        ("Bring a ladder", "ASSIGNEDTECH"), ("tech is slow", "INTERNAL")]
    replies = buyer_view[0]["replies"]
    assert replies["metadata"]["total"] == 1
    assert [(r["message"], r["parent_id"]) for r in replies["results"]] == [
        ("Will do", msg["msg_id"])]
    tech_view = tech.get(f"{W}/{wo}/messages").json()["results"]
    assert [m["message"] for m in tech_view] == ["Bring a ladder"]
    assert tech.post(f"{W}/{wo}/messages", json={"message": "x",
                                                 "type": "INTERNAL"}).status_code == 403
    assert api.post(f"{W}/{wo}/messages", json={"type": "INTERNAL"}).status_code == 400
    assert api.post(f"{W}/{wo}/messages", json={"message": "x",
                                                "type": "SHOUT"}).status_code == 400


@pytest.mark.contract("FN-MESSAGES-COUNT-ONLY")
def test_message_helper(fake: FakeFieldNation, api: httpx.Client, wo: int) -> None:
    note = fake.post_message(wo, "internal", internal=True)
    first = fake.post_message(wo, "On site now")
    fake.post_message(wo, "Done soon", reply_to=first)
    got = {str(m["msg_id"]): m for m in api.get(f"{W}/{wo}/messages").json()["results"]}
    assert got[note]["role"] == "INTERNAL"
    assert got[first]["from"]["id"] == fake.seed.provider_id
    assert [r["message"] for r in got[first]["replies"]["results"]] == ["Done soon"]
    full = api.get(f"{W}/{wo}").json()
    assert full["messages"]["metadata"]["total"] == 2
    assert "results" not in full["messages"]


# -- attachments ---------------------------------------------------------------------------
def _docs(api: httpx.Client, wo: int) -> dict:
    folders = api.get(f"{W}/{wo}/attachments").json()["results"]
    return next(f for f in folders if f["name"] == "Documents")


def test_upload_download_review_delete(api: httpx.Client, tech: httpx.Client,
                                       fake: FakeFieldNation, wo: int) -> None:
    folder = _docs(api, wo)
    up = tech.post(f"{W}/{wo}/attachments/{folder['id']}",
                   files={"file": ("photo.png", b"\x89PNG-bytes", "image/png")},
                   data={"notes": "rack"})
    assert up.status_code == 201
    stored = up.json()
    assert stored["file"]["name"] == "photo.png"
    assert stored["file"]["size_bytes"] == len(b"\x89PNG-bytes")
    assert stored["notes"] == "rack"
    assert stored["status"] == "PENDING"
    link = stored["file"]["link"]
    assert link.startswith(f"{FakeFieldNation.BASE_URL}/files/")
    assert "access_token" not in link
    assert api.get(link).content == b"\x89PNG-bytes"
    assert fake.http_client(None).get(link).status_code == 401
    put = api.put(f"{W}/{wo}/attachments/{folder['id']}/{stored['id']}",
                  json={"status": "APPROVED", "notes": "ok"})
    assert (put.json()["status"], put.json()["notes"]) == ("APPROVED", "ok")
    assert api.put(f"{W}/{wo}/attachments/{folder['id']}/{stored['id']}",
                   json={"status": "MAYBE"}).status_code == 400
    assert api.delete(f"{W}/{wo}/attachments/{folder['id']}/{stored['id']}").status_code == 204
    assert _docs(api, wo)["results"] == []
    assert api.get(link).status_code == 404


def test_upload_refusals(api: httpx.Client, tech: httpx.Client, fake: FakeFieldNation,
                         wo: int) -> None:
    folder = _docs(api, wo)["id"]
    url = f"{W}/{wo}/attachments/{folder}"
    assert tech.post(url, files={"file": ("run.exe", b"MZ")}).status_code == 400
    assert tech.post(url, json={"file": "x"}).status_code == 400
    assert tech.post(url, files={"other": ("a.pdf", b"x")}).status_code == 400
    fake.state.max_file_bytes = 10
    assert tech.post(url, files={"file": ("big.pdf", b"x" * 11)}).status_code == 413


def test_folders(api: httpx.Client, wo: int) -> None:
    made = api.post(f"{W}/{wo}/attachments", json={"name": "Photos"})
    assert made.status_code == 201
    assert made.json()["type"] == "document"
    assert api.post(f"{W}/{wo}/attachments", json={"name": "Photos"}).status_code == 400
    assert api.delete(f"{W}/{wo}/attachments/{made.json()['id']}").status_code == 204
    names = [f["name"] for f in api.get(f"{W}/{wo}/attachments").json()["results"]]
    assert names == ["Documents", "Misc"]


def test_links_can_embed_the_token_for_leak_tests(wo: int) -> None:
    fake = FakeFieldNation(embed_token_in_links=True)
    wo = fake.create_work_order()
    fake.assign(wo)
    file_id = fake.upload_file(wo, "report.pdf", b"%PDF-1.4", folder="Misc")
    api = fake.http_client()
    token = api.params["access_token"]
    files = [s for f in api.get(f"{W}/{wo}/attachments").json()["results"]
             for s in f["results"]]
    assert [s["id"] for s in files] == [file_id]
    link = files[0]["file"]["link"]
    assert link.endswith(f"?access_token={token}")
    assert fake.http_client(None).get(link).content == b"%PDF-1.4"


def test_file_helpers(fake: FakeFieldNation, api: httpx.Client, wo: int) -> None:
    file_id = fake.upload_file(wo, "a.pdf", b"one")
    fake.set_file_status(wo, file_id, "DENIED", "blurry")
    got = _docs(api, wo)["results"][0]
    assert (got["id"], got["status"], got["status_description"]) == (file_id, "DENIED", "blurry")
    fake.delete_file(wo, file_id)
    assert _docs(api, wo)["results"] == []


# -- signatures ----------------------------------------------------------------------------
def test_signatures(tech: httpx.Client, fake: FakeFieldNation, wo: int) -> None:
    data = "data:image/png;base64," + base64.b64encode(b"png").decode()
    made = tech.post(f"{W}/{wo}/signatures", json={"name": "Jo Client", "title": "Manager",
                                                   "signature": data})
    assert made.status_code == 201
    sig = made.json()
    assert (sig["name"], sig["title"], sig["data"]) == ("Jo Client", "Manager", data)
    assert sig["created"] == {"utc": "2026-01-05 09:00:00"}
    assert tech.post(f"{W}/{wo}/signatures", json={"name": "x",
                                                   "signature": "not a uri"}).status_code == 400
    helper_id = fake.capture_signature(wo, "Al", "Owner", png_bytes=b"img")
    listed = tech.get(f"{W}/{wo}/signatures").json()["results"]
    assert [s["id"] for s in listed] == [sig["id"], helper_id]
    assert tech.delete(f"{W}/{wo}/signatures/{sig['id']}").status_code == 204
    assert [s["id"] for s in tech.get(f"{W}/{wo}/signatures").json()["results"]] == [helper_id]
