"""Both fakes served on real sockets and seeded so every probe can run, optionally behind a
middleware that makes them differ from the registry on purpose."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from autotask_fn.autotask import AutotaskClient
from autotask_fn.fieldnation import FieldNationClient
from autotask_fn.testing import FakeAutotask, FakeFieldNation, serve

Transform = Callable[[str, str, Any], Any]


class Differ:
    """WSGI middleware: rewrites JSON answers (``transform(method, path, body)``) and, with
    ``get_paging``, answers a GET on a ``query/next`` link like the POST it stands for."""

    def __init__(self, app: Any, transform: Transform | None = None, *,
                 get_paging: bool = False) -> None:
        self.app = app
        self.transform = transform
        self.get_paging = get_paging
        self._bodies: dict[str, bytes] = {}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        if self.get_paging and path.lower().endswith("/query") and method == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(size)
            self._bodies[path.lower()] = body
            environ["wsgi.input"] = io.BytesIO(body)
        if self.get_paging and method == "GET" and path.lower().endswith("/query/next"):
            body = self._bodies.get(path.lower()[: -len("/next")], b"{}")
            environ = {**environ, "REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(body),
                       "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json"}
        if self.transform is None:
            return self.app(environ, start_response)
        captured: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        raw = b"".join(self.app(environ, keep))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        try:
            data = json.loads(raw)
        except ValueError:
            start_response(captured["status"], [*headers, ("Content-Length", str(len(raw)))])
            return [raw]
        out = json.dumps(self.transform(method, path, data)).encode()
        start_response(captured["status"], [*headers, ("Content-Length", str(len(out)))])
        return [out]


class ProbeWorld:
    """FakeAutotask and FakeFieldNation on local ports, seeded for the probe."""

    def __init__(self, tmp_path: Path, *, autotask: Differ | None = None,
                 fieldnation: Differ | None = None) -> None:
        self.at_fake = FakeAutotask()
        self.fn_fake = FakeFieldNation()
        at_app = autotask or Differ(self.at_fake)
        at_app.app = self.at_fake
        fn_app = fieldnation or Differ(self.fn_fake)
        fn_app.app = self.fn_fake
        self._servers = [serve(at_app), serve(fn_app)]
        at_port = self._servers[0].server_address[1]
        fn_port = self._servers[1].server_address[1]
        self.at_url = f"http://127.0.0.1:{at_port}/ATServicesRest/"
        self.zone_url = f"http://127.0.0.1:{at_port}/atservicesrest/"
        self.fn_url = f"http://127.0.0.1:{fn_port}"
        self.fn_fake.base_url = self.fn_url
        self.config = tmp_path / "autotask-fn.toml"
        self.config.write_text(self.toml())
        os.chmod(self.config, 0o600)
        self.ticket_id, self.work_order_id = self._seed()

    def toml(self, *, sandbox: bool = True, tenant_id: int | None = FakeAutotask.CI) -> str:
        """The configuration file pointing at both fakes."""
        tenant = f"tenant_id = {tenant_id}\n" if tenant_id is not None else ""
        return (
            f'[autotask]\nusername = "{FakeAutotask.USERNAME}"\n'
            f'secret = "{FakeAutotask.SECRET}"\n'
            f'integration_code = "{FakeAutotask.INTEGRATION_CODE}"\n'
            f'base_url = "{self.at_url}"\nzone_url = "{self.zone_url}"\n{tenant}'
            f"sandbox = {str(sandbox).lower()}\n\n"
            f'[fieldnation]\nclient_id = "{FakeFieldNation.CLIENT_ID}"\n'
            f'client_secret = "{FakeFieldNation.CLIENT_SECRET}"\n'
            f'username = "{FakeFieldNation.USERNAME}"\npassword = "{FakeFieldNation.PASSWORD}"\n'
            f'base_url = "{self.fn_url}"\nsandbox = {str(sandbox).lower()}\n')

    def _seed(self) -> tuple[int, int]:
        seed = self.at_fake.seed
        for n in range(501):  # a query with more than 500 matches, for the paging rows
            self.at_fake.insert("Tickets", {"title": f"Seeded {n}",
                                            "companyID": seed.company_id, "status": 1,
                                            "priority": 2, "queueID": seed.queue_id})
        if not any("material" in str(c.get("name", "")).lower() and c.get("useType") == 2
                   for c in self.at_fake.records("BillingCodes")):
            self.at_fake.insert("BillingCodes", {"name": "Probe materials", "useType": 2,
                                                 "billingCodeType": 2, "isActive": True})
        ticket = self.at_fake.ui_create_ticket(
            title="Probe seed", companyID=seed.company_id, status=1, priority=2,
            queueID=seed.queue_id, assignedResourceID=seed.tech_resource_id,
            assignedResourceRoleID=seed.tech_role_id)
        if hasattr(self.at_fake, "ui_attach_file"):
            self.at_fake.ui_attach_file(ticket, "seed.txt", b"seed")
        fn = self.fn_fake
        wo = fn.create_work_order(title="Probe seed")
        fn.publish(wo)
        fn.assign(wo)
        start = datetime(2026, 3, 5, 14, tzinfo=UTC)
        fn.log_time(wo, start, start + timedelta(hours=1))
        fn.add_expense(wo, "12.50", "Parking")
        fn.capture_signature(wo, "Site Manager", title="Manager")
        fn.post_message(wo, "internal note", internal=True)
        fn.post_message(wo, "from the tech")
        return ticket, wo

    def clients(self) -> tuple[AutotaskClient, FieldNationClient]:
        """Clients for both served fakes (real sockets)."""
        at = AutotaskClient(FakeAutotask.USERNAME, FakeAutotask.SECRET,
                            FakeAutotask.INTEGRATION_CODE, base_url=self.at_url,
                            zone_url=self.zone_url, http_client=httpx.Client(timeout=30))
        fn = FieldNationClient(FakeFieldNation.CLIENT_ID, FakeFieldNation.CLIENT_SECRET,
                               FakeFieldNation.USERNAME, FakeFieldNation.PASSWORD,
                               base_url=self.fn_url)
        return at, fn

    def close(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()


def settings_toml(world: ProbeWorld) -> str:
    """``[settings]`` with the resource and role the probe writes time and expenses as."""
    seed = world.at_fake.seed
    return (f"\n[settings]\ndefault_resource_id = {seed.tech_resource_id}\n"
            f"role_id = {seed.tech_role_id}\n\n[settings.attachments]\nembed_limit = 2048\n")
