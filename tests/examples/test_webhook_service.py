"""The WSGI example host, served by wsgiref on 127.0.0.1, driven by the served fakes."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from examples.webhook_service.app import WebhookApp, Worker
from hosting import ServedFakes


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


class _Threading(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Host:
    """The example app in a real WSGI server, its worker thread, and the served fakes."""

    def __init__(self, tmp_path: Path) -> None:
        self.fakes = ServedFakes()
        self.svc = self.fakes.service(tmp_path / "host.sqlite3")
        self.server = make_server("127.0.0.1", 0, WebhookApp(self.svc),
                                  server_class=_Threading, handler_class=_Quiet)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.worker = Worker(self.svc, interval=0.05)
        self.worker.start()

    def close(self) -> None:
        self.worker.stop()
        self.worker.join(timeout=5)
        self.server.shutdown()
        self.server.server_close()
        self.fakes.close()


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    h = Host(tmp_path)
    yield h
    h.close()


def test_a_visit_flows_from_the_served_fakes_through_the_wsgi_host(host: Host) -> None:
    host.fakes.register(host.svc, host.url)
    ticket_id = host.fakes.dispatch_ticket("Replace POS terminal")
    wo_id = host.fakes.work_order_of("Replace POS terminal")
    host.fakes.provider_visit(wo_id)
    host.fakes.expect_billed_visit(ticket_id)
    health = httpx.get(host.url + "/healthz", timeout=5).json()
    assert health["dead"] == 0


def test_a_tampered_delivery_is_refused_with_401(host: Host) -> None:
    response = httpx.post(host.url + "/webhooks/fieldnation", content=b'{"event": {}}',
                          headers={"X-FN-Signature": "sha256=" + "0" * 64}, timeout=5)
    assert response.status_code == 401


def test_unknown_routes_are_404(host: Host) -> None:
    assert httpx.get(host.url + "/nope", timeout=5).status_code == 404
