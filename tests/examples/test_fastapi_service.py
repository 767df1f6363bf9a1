"""The FastAPI example host, served by uvicorn on 127.0.0.1, driven by the served fakes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

fastapi = pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from examples.fastapi_service.app import create_app  # noqa: E402
from hosting import (  # noqa: E402
    FN_SECRET,
    ServedFakes,
    a_visit_flows_through,
    free_port,
    wait_until,
)


class Uvicorn:
    """An ASGI app served by uvicorn on a free loopback port, in a thread of the test."""

    def __init__(self, app: Any) -> None:
        port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_until(lambda: self.server.started, what="uvicorn to start")
        self.url = f"http://127.0.0.1:{port}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


class Host:
    """The example app in uvicorn and the served fakes."""

    def __init__(self, tmp_path: Path) -> None:
        self.fakes = ServedFakes()
        self.svc = self.fakes.service(tmp_path / "host.sqlite3")
        self.uvicorn = Uvicorn(create_app(self.svc, interval=0.2))
        self.url = self.uvicorn.url

    def close(self) -> None:
        self.uvicorn.close()
        self.fakes.close()


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    h = Host(tmp_path)
    yield h
    h.close()


def test_a_visit_flows_from_the_served_fakes_through_the_fastapi_host(host: Host) -> None:
    a_visit_flows_through(host.fakes, host.svc, host.url, "Install card reader")


def test_a_tampered_delivery_is_refused_with_401(host: Host) -> None:
    response = httpx.post(host.url + "/webhooks/fieldnation", content=b'{"event": {}}',
                          headers={"X-FN-Signature": "sha256=" + "0" * 64,
                                   "Content-Type": "application/json"}, timeout=5)
    assert response.status_code == 401


def test_a_body_bytes_parameter_answers_422_where_the_raw_body_verifies() -> None:
    # Why the example (and the hosting guide) read ``await request.body()``: declared as
    # ``Body(bytes)``, a JSON delivery is parsed as JSON and refused before the handler runs.
    from fastapi import Body, FastAPI

    from autotask_fn.testing import FakeFieldNation

    fake = FakeFieldNation()
    wo_id = fake.create_work_order()
    fake.assign(wo_id)
    fake.register_webhook("https://host.example/fn", ["workorder.message_posted"], FN_SECRET)
    fake.post_message(wo_id, "hello")
    (delivery,) = fake.take_deliveries()

    naive = FastAPI()
    seen: list[bytes] = []

    @naive.post("/fn")
    def as_bytes(body: bytes = Body(...)) -> None:
        seen.append(body)

    server = Uvicorn(naive)
    try:
        answer = httpx.post(server.url + "/fn", content=delivery.body,
                            headers=dict(delivery.headers), timeout=5)
    finally:
        server.close()
    assert answer.status_code == 422
    assert seen == []
