"""``probe --write``: refused off a sandbox, writes and reads back on one, cleans up."""

from __future__ import annotations

import io
import json

import pytest
from probeworld import ProbeWorld, settings_toml

from autotask_fn.cli import main
from autotask_fn.probe.command import command
from autotask_fn.testing import FakeAutotask


def _configure(world: ProbeWorld, **kwargs: object) -> None:
    world.config.write_text(world.toml(**kwargs) + settings_toml(world))  # type: ignore[arg-type]


def _probe(world: ProbeWorld, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--config", str(world.config), "probe", "--work-order",
                 str(world.work_order_id), "--ticket", str(world.ticket_id), *args], out=out)
    return code, out.getvalue()


def test_write_refuses_a_tenant_not_marked_sandbox(world: ProbeWorld) -> None:
    _configure(world, sandbox=False)
    assert _probe(world, "--write")[0] == 2
    assert world.at_fake.records("TicketNotes") == []


def test_write_refuses_when_the_recorded_tenant_is_another(world: ProbeWorld) -> None:
    _configure(world, tenant_id=FakeAutotask.CI + 1)
    assert _probe(world, "--write")[0] == 2


def test_allow_production_wants_the_tenant_id_typed_back(world: ProbeWorld) -> None:
    _configure(world, sandbox=False)
    parser_args = ["--config", str(world.config), "probe", "--write", "--allow-production",
                   "--work-order", str(world.work_order_id)]
    from autotask_fn.cli import build_parser

    args = build_parser().parse_args(parser_args)
    from autotask_fn.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="does not match"):
        command(args, ask=lambda prompt: "123")
    assert command(args, ask=lambda prompt: str(FakeAutotask.CI))[0] == 0


def test_write_reads_back_every_record_and_lists_what_stays(world: ProbeWorld) -> None:
    _configure(world)
    code, text = _probe(world, "--write", "--json")
    doc = json.loads(text)["result"]
    assert code == 0, doc["differs"]
    outcomes = {r["id"]: r["outcome"] for r in doc["write"]}
    assert outcomes == dict.fromkeys((
        "WRITE-AT-TICKET", "WRITE-AT-NOTE", "WRITE-AT-TIME-ENTRY", "WRITE-AT-EXPENSE",
        "WRITE-AT-CHARGE", "WRITE-AT-ATTACHMENTS", "WRITE-AT-REFUSED-WRITE",
        "WRITE-FN-MESSAGES"), "ok")
    refused = next(r for r in doc["write"] if r["id"] == "WRITE-AT-REFUSED-WRITE")
    assert "unitQuantity" in refused["observed"]  # the tenant's own text, recorded
    stays = {(s["entity"], s["id"]) for s in doc["stays"]}
    tickets = [t for t in world.at_fake.records("Tickets") if "autotask-fn probe" in t["title"]]
    assert len(tickets) == 1
    assert ("Tickets", tickets[0]["id"]) in stays
    # deleted where the API allows it: no probe time entry, charge or attachment remains
    assert world.at_fake.records("TimeEntries") == []
    assert world.at_fake.records("TicketCharges") == []
    assert [a for a in world.at_fake.records("TicketAttachments")
            if a.get("parentID") == tickets[0]["id"]] == []
    assert {s["entity"] for s in doc["stays"]} >= {"Tickets", "TicketNotes", "ExpenseReports"}
