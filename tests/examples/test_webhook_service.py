"""The WSGI example host, served by wsgiref on 127.0.0.1, driven by the served fakes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from examples.webhook_service.app import WebhookApp, Worker
from hosting import ServedFakes, ThreadedWSGI, a_visit_flows_through


class Host:
    """The example app in a real WSGI server, its worker thread, and the served fakes."""

    def __init__(self, tmp_path: Path) -> None:
        self.fakes = ServedFakes()
        self.svc = self.fakes.service(tmp_path / "host.sqlite3")
        self.server = ThreadedWSGI(WebhookApp(self.svc))
        self.url = self.server.url
        self.worker = Worker(self.svc, interval=0.05)
        self.worker.start()

    def close(self) -> None:
        self.worker.stop()
        self.worker.join(timeout=5)
        self.server.close()
        self.fakes.close()


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    h = Host(tmp_path)
    yield h
    h.close()


def test_a_visit_flows_from_the_served_fakes_through_the_wsgi_host(host: Host) -> None:
    a_visit_flows_through(host.fakes, host.svc, host.url, "Replace POS terminal")


def test_a_tampered_delivery_is_refused_with_401(host: Host) -> None:
    response = httpx.post(host.url + "/webhooks/fieldnation", content=b'{"event": {}}',
                          headers={"X-FN-Signature": "sha256=" + "0" * 64}, timeout=5)
    assert response.status_code == 401


def test_unknown_routes_are_404(host: Host) -> None:
    assert httpx.get(host.url + "/nope", timeout=5).status_code == 404
