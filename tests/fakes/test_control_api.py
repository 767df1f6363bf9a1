"""The control API of the served fakes (``/_fake``): act as dispatcher, provider and buyer."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from autotask_fn.testing import FakeAutotask, FakeFieldNation, serve

from .receiver import receiving


class Served:
    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self.server = serve(fake)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.server.server_address[1]}",
                                 trust_env=False)

    def close(self) -> None:
        self.http.close()
        self.server.shutdown()
        self.server.server_close()

    def post(self, path: str, **body: Any) -> httpx.Response:
        return self.http.post("/_fake" + path, json=body)


@pytest.fixture
def fn() -> Iterator[Served]:
    served = Served(FakeFieldNation())
    yield served
    served.close()


@pytest.fixture
def at() -> Iterator[Served]:
    served = Served(FakeAutotask())
    yield served
    served.close()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_provider_visit_through_the_control_api(fn: Served) -> None:
    with receiving() as rx:
        assert fn.post("/webhooks", url=rx.url, secret="s").status_code == 200
        wo_id = fn.post("/work-orders", title="Replace POS terminal").json()["id"]
        for action in ("assign", "confirm", "on-my-way"):
            assert fn.post(f"/work-orders/{wo_id}/{action}").status_code == 200
        log_in = fn.post(f"/work-orders/{wo_id}/check-in", at="2026-03-05T14:00:00Z").json()
        log_out = fn.post(f"/work-orders/{wo_id}/check-out", at="2026-03-05T15:30:00Z").json()
        assert log_in == log_out  # the same time log, now closed
        msg = fn.post(f"/work-orders/{wo_id}/messages", text="Terminal replaced").json()
        expense = fn.post(f"/work-orders/{wo_id}/expenses", amount="42.50",
                          description="Spare PSU", receipt=_b64(b"\xff\xd8receipt")).json()
        upload = fn.post(f"/work-orders/{wo_id}/files", name="after.jpg",
                         content=_b64(b"\xff\xd8photo")).json()
        signature = fn.post(f"/work-orders/{wo_id}/signatures", name="Pat Customer",
                            title="Store manager").json()
        assert fn.post(f"/work-orders/{wo_id}/complete").status_code == 200
        fn.fake.flush_deliveries()
        events = {r.body for r in rx.received}

    wo = fn.http.get(f"/_fake/work-orders/{wo_id}").json()
    assert wo["status"]["name"] == "Work Done"
    (time_log,) = wo["time_logs"]["results"]
    assert time_log["id"] == log_in["time_log_id"]
    assert time_log["hours"] == 1.5
    assert [s["id"] for s in wo["signatures"]["results"]] == [signature["id"]]
    files = [f["id"] for folder in wo["attachments"]["results"] for f in folder["results"]]
    assert upload["id"] in files
    stored = fn.fake.state.raw_work_order(wo_id)
    assert [m.msg_id for m in stored.messages] == [msg["msg_id"]]
    (item,) = stored.expenses
    assert item.id == expense["id"]
    assert item.receipt is not None
    assert item.receipt.content == b"\xff\xd8receipt"
    names = {httpx.Response(200, content=b).json()["event"]["name"] for b in events}
    assert {"workorder.status.assigned", "workorder.status.checked_in",
            "workorder.status.checked_out", "workorder.message_posted",
            "workorder.provider_upload", "workorder.status.work_done"} <= names
    listed = fn.http.get("/_fake/work-orders").json()
    assert listed == [{"id": wo_id, "title": "Replace POS terminal", "status": "Work Done"}]


def test_refusals_keep_the_domain_status_and_say_why(fn: Served) -> None:
    wo_id = fn.post("/work-orders", title="Not assigned").json()["id"]
    assert fn.post(f"/work-orders/{wo_id}/check-in").status_code == 403  # not the worker
    fn.post(f"/work-orders/{wo_id}/assign")
    refused = fn.post(f"/work-orders/{wo_id}/check-out")
    assert refused.json() == {"error": "The provider is not checked in."}
    assert refused.status_code == 400
    assert fn.post("/work-orders/999999/check-in").status_code == 404
    assert fn.post(f"/work-orders/{wo_id}/messages").json() == {"error": "'text' is required"}
    bad = fn.post(f"/work-orders/{wo_id}/files", name="x.jpg", content="not base64!")
    assert (bad.status_code, bad.json()) == (400, {"error": "'content' must be base64"})
    assert fn.http.get(f"/_fake/work-orders/{wo_id}/check-in").status_code == 405
    assert fn.http.get("/_fake/nothing-here").status_code == 404
    assert fn.http.post("/_fake/work-orders", content=b"[1]").status_code == 400


def test_control_requests_are_not_api_calls(fn: Served) -> None:
    fn.fake.fail_next(".*", count=5, status=500)
    routes = fn.http.get("/_fake").json()["routes"]
    assert {"method": "POST", "path": r"/_fake/work-orders/(\d+)/check-in",
            "summary": "the provider checks in: {at?}"} in routes
    assert fn.post("/work-orders", title="x").status_code == 200  # no injected fault
    assert fn.fake.count_requests() == 0  # not in the request log


def test_the_clock_moves_through_the_control_api(fn: Served) -> None:
    before = fn.fake.clock.now()
    answer = fn.post("/clock/advance", seconds=90).json()
    assert (fn.fake.clock.now() - before).total_seconds() == 90
    assert answer["now"] == fn.fake.clock.now().isoformat()
    assert fn.post("/clock/advance", seconds=-1).status_code == 400


def test_a_dispatcher_creates_and_changes_tickets(at: Served) -> None:
    with receiving() as rx:
        fake: FakeAutotask = at.fake
        from autotask_fn.autotask.webhooks import create_ticket_webhook

        create_ticket_webhook(fake.client(), name="ctl", webhook_url=rx.url,
                              deactivation_url=rx.url + "/off", secret_key="k" * 12,
                              field_ids=[fake.webhook_field_id("title")])
        made = at.post("/tickets", title="POS down at Main St")
        assert made.status_code == 200
        ticket_id = made.json()["id"]
        changed = at.http.patch(f"/_fake/tickets/{ticket_id}", json={"title": "POS fixed"})
        assert changed.json()["title"] == "POS fixed"
        fake.flush_deliveries()
        assert len(rx.received) == 2  # the create and the title change
    ticket = at.http.get(f"/_fake/records/Tickets/{ticket_id}").json()
    assert ticket["companyID"] == fake.seed.company_id
    assert ticket["assignedResourceID"] == fake.seed.tech_resource_id
    only = at.http.get("/_fake/records/Tickets", params={"id": ticket_id}).json()
    assert [t["id"] for t in only] == [ticket_id]
    assert at.http.get("/_fake/records/Tickets/1").status_code == 404
    refused = at.post("/tickets", status=424242)
    assert refused.status_code == 400
    assert "status" in refused.json()["error"]
    assert at.http.get("/_fake/seed").json()["queue_id"] == fake.seed.queue_id
