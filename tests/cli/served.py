"""Both fakes served on local sockets, and the environment that points autotask-fn at them
(shared by the command-line tests and the job-system example's test)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from autotask_fn.testing import FakeAutotask, FakeFieldNation, serve

FN_SECRET = "cli-webhook-secret"
SETTINGS = f"""
[settings]
webhook_secrets = ["{FN_SECRET}"]

# Field Nation providers carry no e-mail: the seeded technician by user id.
[settings.resource_map]
"{FakeFieldNation().seed.provider_id}" = {FakeAutotask().seed.tech_resource_id}

[settings.inbound]
type_of_work_id = 11
pay = {{type = "fixed", base = {{amount = 150, units = 1}}}}
"""


class Served:
    """Both fakes on local ports, and the environment that points the CLI at them."""

    def __init__(self, tmp_path: Path) -> None:
        self.at_fake = FakeAutotask()
        self.fn_fake = FakeFieldNation()
        # The tests take webhooks from the outboxes themselves: no served delivery.
        self._servers = [serve(self.at_fake, deliver=False), serve(self.fn_fake, deliver=False)]
        at_port = self._servers[0].server_address[1]
        fn_port = self._servers[1].server_address[1]
        self.at_url = f"http://127.0.0.1:{at_port}/ATServicesRest/"
        self.zone_url = f"http://127.0.0.1:{at_port}/atservicesrest/"
        self.fn_url = f"http://127.0.0.1:{fn_port}"
        self.store_path = tmp_path / "cli.sqlite3"
        self.config = tmp_path / "autotask-fn.toml"
        self.config.write_text(SETTINGS)
        self.env = {
            "AUTOTASK_FN_CONFIG": str(self.config),
            "AUTOTASK_FN_AT_USERNAME": FakeAutotask.USERNAME,
            "AUTOTASK_FN_AT_SECRET": FakeAutotask.SECRET,
            "AUTOTASK_FN_INTEGRATION_CODE": FakeAutotask.INTEGRATION_CODE,
            "AUTOTASK_FN_AT_BASE_URL": self.at_url,
            "AUTOTASK_FN_AT_ZONE_URL": self.zone_url,
            "AUTOTASK_FN_FN_CLIENT_ID": FakeFieldNation.CLIENT_ID,
            "AUTOTASK_FN_FN_CLIENT_SECRET": FakeFieldNation.CLIENT_SECRET,
            "AUTOTASK_FN_FN_USERNAME": FakeFieldNation.USERNAME,
            "AUTOTASK_FN_FN_PASSWORD": FakeFieldNation.PASSWORD,
            "AUTOTASK_FN_FN_BASE_URL": self.fn_url,
            "AUTOTASK_FN_STORE": str(self.store_path),
        }

    def close(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def ticket(self) -> int:
        seed = self.at_fake.seed
        return self.at_fake.ui_create_ticket(
            title="Replace POS terminal", companyID=seed.company_id,
            companyLocationID=seed.location_id, contactID=seed.contact_id, status=1,
            priority=2, queueID=seed.queue_id, dueDateTime="2026-03-05T18:00:00Z",
            assignedResourceID=seed.tech_resource_id,
            assignedResourceRoleID=seed.tech_role_id)


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    world = Served(tmp_path)
    for key in [k for k in os.environ if k.startswith("AUTOTASK_FN_")]:
        monkeypatch.delenv(key)
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    yield world
    world.close()
