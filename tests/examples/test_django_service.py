"""The Django example view, served by a WSGI server on 127.0.0.1, driven by the served fakes."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest

pytest.importorskip("django")

from examples.django_service import app as django_app
from hosting import ServedFakes


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


class _Threading(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Host:
    """Django's WSGI application in the standard library's server (what ``runserver``
    uses) in a thread of the test process, and the served fakes."""

    def __init__(self, tmp_path: Path) -> None:
        from django.core.wsgi import get_wsgi_application

        self.fakes = ServedFakes()
        self.svc = self.fakes.service(tmp_path / "host.sqlite3")
        self.worker = django_app.configure(self.svc, interval=0.2)
        self.server = make_server("127.0.0.1", 0, get_wsgi_application(),
                                  server_class=_Threading, handler_class=_Quiet)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

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


def test_a_visit_flows_from_the_served_fakes_through_the_django_view(host: Host) -> None:
    host.fakes.register(host.svc, host.url)
    ticket_id = host.fakes.dispatch_ticket("Mount a display")
    wo_id = host.fakes.work_order_of("Mount a display")
    host.fakes.provider_visit(wo_id)
    host.fakes.expect_billed_visit(ticket_id)
    assert httpx.get(host.url + "/healthz", timeout=5).json()["dead"] == 0


def test_a_tampered_delivery_is_refused_and_get_is_not_allowed(host: Host) -> None:
    response = httpx.post(host.url + "/webhooks/fieldnation", content=b'{"event": {}}',
                          headers={"X-FN-Signature": "sha256=" + "0" * 64,
                                   "Content-Type": "application/json"}, timeout=5)
    assert response.status_code == 401
    assert httpx.get(host.url + "/webhooks/fieldnation", timeout=5).status_code == 405
