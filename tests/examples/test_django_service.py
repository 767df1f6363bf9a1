"""The Django example view, served by a WSGI server on 127.0.0.1, driven by the served fakes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytest.importorskip("django")

from examples.django_service import app as django_app
from hosting import ServedFakes, ThreadedWSGI, a_visit_flows_through


class Host:
    """Django's WSGI application in the standard library's server (what ``runserver``
    uses) in a thread of the test process, and the served fakes."""

    def __init__(self, tmp_path: Path) -> None:
        from django.core.wsgi import get_wsgi_application

        self.fakes = ServedFakes()
        self.svc = self.fakes.service(tmp_path / "host.sqlite3")
        self.worker = django_app.configure(self.svc, interval=0.2)
        self.server = ThreadedWSGI(get_wsgi_application())
        self.url = self.server.url

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


def test_a_visit_flows_from_the_served_fakes_through_the_django_view(host: Host) -> None:
    a_visit_flows_through(host.fakes, host.svc, host.url, "Mount a display")


def test_a_tampered_delivery_is_refused_and_get_is_not_allowed(host: Host) -> None:
    response = httpx.post(host.url + "/webhooks/fieldnation", content=b'{"event": {}}',
                          headers={"X-FN-Signature": "sha256=" + "0" * 64,
                                   "Content-Type": "application/json"}, timeout=5)
    assert response.status_code == 401
    assert httpx.get(host.url + "/webhooks/fieldnation", timeout=5).status_code == 405
