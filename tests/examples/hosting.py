"""Both fakes served on loopback ports, delivering their webhooks, and a provider visit
driven through their control API: what every example host's test runs against its server.

A host under test is a real server on 127.0.0.1 (uvicorn, wsgiref ...). The test registers
its URLs with the fakes through the SDK (a loopback ``http://`` URL is accepted because the
clients talk to loopback fakes), creates a ticket as the dispatcher, lets the Autotask
callout import it, works the visit as the provider and checks the Autotask records.
"""

from __future__ import annotations

import base64
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import WSGIApplication

import httpx

from autotask_fn import AutotaskClient, ConnectorSettings, FieldNationClient, SyncService
from autotask_fn.autotask.webhooks import create_ticket_webhook
from autotask_fn.fieldnation.webhooks import Events
from autotask_fn.store import SqliteStore
from autotask_fn.sync.inbound_settings import InboundSettings
from autotask_fn.testing import FakeAutotask, FakeFieldNation, live_clock, serve

FN_SECRET = "example-fn-secret"
AT_KEY = "example-autotask-key"


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


class _Threading(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class ThreadedWSGI:
    """A WSGI application in the standard library's threaded server (what Django's
    ``runserver`` uses) on a free loopback port, in a thread of the test process."""

    def __init__(self, app: WSGIApplication) -> None:
        self.server = make_server("127.0.0.1", 0, app, server_class=_Threading,
                                  handler_class=_Quiet)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def a_visit_flows_through(fakes: ServedFakes, svc: SyncService, url: str, title: str) -> None:
    """Register the host at ``url``, dispatch a ticket titled ``title``, work the provider
    visit through the control API, and check what reached Autotask and the host's health."""
    fakes.register(svc, url)
    ticket_id = fakes.dispatch_ticket(title)
    fakes.provider_visit(fakes.work_order_of(title))
    fakes.expect_billed_visit(ticket_id)
    assert httpx.get(url + "/healthz", timeout=5).json()["dead"] == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.05)


class ServedFakes:
    """FakeAutotask and FakeFieldNation on live clocks, served with delivery on."""

    def __init__(self) -> None:
        self.at_fake = FakeAutotask(clock=live_clock())
        # Receipts shown on read as the vendor's Expenses page shows them (receipt_url); the
        # fake's default shows none, the stricter reading of the published model.
        self.fn_fake = FakeFieldNation(clock=live_clock(), receipts_on_read="receipt_url")
        self._servers = [serve(self.at_fake), serve(self.fn_fake)]
        self.at_origin = f"http://127.0.0.1:{self._servers[0].server_address[1]}"
        self.fn_origin = f"http://127.0.0.1:{self._servers[1].server_address[1]}"
        self.fn_fake.base_url = self.fn_origin  # file links point at the served fake
        self.at_control = httpx.Client(base_url=self.at_origin + "/_fake", trust_env=False)
        self.fn_control = httpx.Client(base_url=self.fn_origin + "/_fake", trust_env=False)

    def close(self) -> None:
        self.at_control.close()
        self.fn_control.close()
        for server in self._servers:
            server.shutdown()
            server.server_close()

    # -- what a host builds from its configuration --------------------------------------
    def service(self, store_path: Path) -> SyncService:
        """A service as a host builds it, with the clients pointed at the served fakes."""
        autotask = AutotaskClient(FakeAutotask.USERNAME, FakeAutotask.SECRET,
                                  FakeAutotask.INTEGRATION_CODE,
                                  base_url=self.at_origin + "/ATServicesRest/",
                                  zone_url=self.at_origin + "/atservicesrest/")
        fieldnation = FieldNationClient(FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET,
                                        FakeFieldNation.USERNAME, FakeFieldNation.PASSWORD,
                                        base_url=self.fn_origin)
        inbound = InboundSettings(webhook_secrets=(AT_KEY,),
                                  api_resource_id=self.at_fake.api_resource_id,
                                  type_of_work_id=11,
                                  pay={"type": "fixed", "base": {"amount": 150, "units": 1}})
        # Marketplace providers carry no e-mail: map the seeded one by its user id.
        settings = ConnectorSettings(
            webhook_secrets=(FN_SECRET,), inbound=inbound,
            resource_map={self.fn_fake.seed.provider_id: self.at_fake.seed.tech_resource_id})
        return SyncService(autotask=autotask, fieldnation=fieldnation,
                           store=SqliteStore(store_path), settings=settings)

    def register(self, svc: SyncService, host: str) -> None:
        """Point both services' webhooks at the host (one-time set-up of a real host)."""
        create_ticket_webhook(
            svc.autotask, name="example host", webhook_url=f"{host}/webhooks/autotask",
            deactivation_url=f"{host}/webhooks/autotask/deactivated", secret_key=AT_KEY,
            field_ids=[self.at_fake.webhook_field_id("title")],
            excluded_resource_ids=[self.at_fake.api_resource_id])
        svc.fieldnation.webhooks.register(f"{host}/webhooks/fieldnation", list(Events.all()),
                                          FN_SECRET)

    # -- the dispatcher and the provider, through the control API -------------------------
    def act(self, client: httpx.Client, path: str, **body: Any) -> Any:
        response = client.post(path, json=body)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    def dispatch_ticket(self, title: str) -> int:
        """A dispatcher creates a ticket; its callout reaches the host, which imports it."""
        ticket_id: int = self.act(self.at_control, "/tickets", title=title)["id"]
        attempts = self.act(self.at_control, "/deliveries/flush")["attempts"]
        assert [a["status"] for a in attempts] == [200], attempts
        return ticket_id

    def work_order_of(self, title: str) -> int:
        def made() -> int | None:
            rows = self.fn_control.get("/work-orders").json()
            return next((r["id"] for r in rows if r["title"] == title), None)

        wo_id: int = wait_until(made, what="the imported work order")
        return wo_id

    def provider_visit(self, wo_id: int) -> None:
        """Assign, check in and out (2 h 15), a message, an expense with a receipt, a photo,
        a signature, work done; every delivery answered 2xx by the host."""
        fn, w = self.fn_control, f"/work-orders/{wo_id}"
        self.act(fn, w + "/assign")
        self.act(fn, w + "/check-in", at="2026-03-05T14:00:00Z")
        self.act(fn, w + "/check-out", at="2026-03-05T16:15:00Z")
        self.act(fn, w + "/messages", text="Terminal replaced and tested with a sale.")
        self.act(fn, w + "/expenses", amount="42.50", description="Spare PSU",
                 receipt=base64.b64encode(b"\xff\xd8receipt").decode())
        self.act(fn, w + "/files", name="after.jpg",
                 content=base64.b64encode(b"\xff\xd8photo").decode())
        self.act(fn, w + "/signatures", name="Pat Customer", title="Store manager")
        self.act(fn, w + "/complete")
        attempts = self.act(fn, "/deliveries/flush")["attempts"]
        assert attempts, "no delivery was made"
        assert {a["status"] for a in attempts} == {200}, attempts

    def ticket_records(self, entity: str, ticket_id: int, field: str = "ticketID") -> list[Any]:
        rows: list[Any] = self.at_control.get(f"/records/{entity}",
                                              params={field: ticket_id}).json()
        return rows

    def expect_billed_visit(self, ticket_id: int) -> None:
        """The Autotask records a finished visit leaves: 2.25 h, the note, the expense with
        its receipt, and the photo, signature and receipt as attachments."""
        def hours() -> float:
            return sum(float(e["hoursWorked"]) for e in self.ticket_records("TimeEntries",
                                                                             ticket_id))

        def attachments() -> list[Any]:
            return self.ticket_records("TicketAttachments", ticket_id, "parentID")

        wait_until(lambda: hours() == 2.25, what="2.25 h of time entries")
        wait_until(lambda: len(attachments()) == 3, what="three attachments")
        notes = self.ticket_records("TicketNotes", ticket_id)
        assert any("Terminal replaced" in (n.get("description") or "") for n in notes)
        items = self.ticket_records("ExpenseItems", ticket_id)
        charges = self.ticket_records("TicketCharges", ticket_id)
        assert len(items) + len(charges) == 1
        assert all(item.get("haveReceipt") is True for item in items)
        ticket = self.at_control.get(f"/records/Tickets/{ticket_id}").json()
        assert str(ticket.get("externalID", "")).startswith("[FN:")
