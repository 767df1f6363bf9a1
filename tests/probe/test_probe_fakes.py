"""The probe against the served fakes: every probed row ok; a fake made to differ on
purpose is reported exactly on the rows it breaks."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from probeworld import Differ, ProbeWorld

from autotask_fn.cli import main
from autotask_fn.probe import Outcome, load_rows, run_probe


def _run(world: ProbeWorld) -> Any:
    at, fn = world.clients()
    return run_probe(at, fn, work_order_id=world.work_order_id, ticket_id=world.ticket_id)


def test_every_probed_row_is_ok_on_the_served_fakes(world: ProbeWorld) -> None:
    report = _run(world)
    assert [r.id for r in report.rows] == [r.id for r in load_rows()]
    assert report.differs == []
    unchecked = {r.id: r.why for r in report.rows if r.outcome is Outcome.NOT_CHECKED}
    assert all(why.startswith("not checkable: ") for why in unchecked.values()), unchecked
    assert report.ok


def test_the_report_lists_the_tenant_facts_the_sdk_resolves(world: ProbeWorld) -> None:
    at, fn = world.clients()
    from autotask_fn.probe import ContractRow

    every = [ContractRow(i, "", "", "") for i in (
        "AT-ZONE-ANSWER", "AT-FIELD-METADATA", "AT-EXPENSE-REPORT-OPEN",
        "AT-CHARGE-MATERIAL-CODE", "AT-HOURLY-THRESHOLD", "FN-TOKEN-PASSWORD-GRANT")]
    tenant = run_probe(at, fn, rows=every, work_order_id=world.work_order_id).tenant
    assert tenant["zone"]["ci"] == world.at_fake.ci
    for picklist in ("Tickets.status", "Tickets.priority", "TicketNotes.noteType",
                     "TicketNotes.publish", "TicketAttachments.publish",
                     "ExpenseReports.status"):
        assert tenant[picklist], picklist
    assert any("material" in label.lower() for label in tenant["BillingCodes.useType"])
    assert tenant["threshold"]["externalRequestThreshold"] == 10000
    assert tenant["fieldnation_token"] == {"grant": "password (form)", "placement": "query",
                                           "expires_in": 3600}


def _audience_elsewhere(method: str, path: str, body: Any) -> Any:
    """Messages carry their audience in ``audience`` instead of ``type``/``role``."""
    if path.endswith("/messages") and isinstance(body, dict):
        for row in body.get("results", []):
            row["audience"] = row.pop("type", None)
            row.pop("role", None)
    return body


def _other_report_ids(method: str, path: str, body: Any) -> Any:
    """Expense report statuses numbered differently."""
    if path.endswith("ExpenseReports/entityInformation/fields"):
        for field in body.get("fields", []):
            for n, value in enumerate(field.get("picklistValues") or []):
                value["value"] = str(100 + n)
    return body


DIFFERENCES = {
    "message audience in another field": (
        {"fieldnation": Differ(None, _audience_elsewhere)}, ["FN-MESSAGE-AUDIENCE"]),
    "other expense report status ids": (
        {"autotask": Differ(None, _other_report_ids)}, ["AT-EXPENSE-REPORT-OPEN"]),
    "GET paging allowed": ({"autotask": Differ(None, get_paging=True)}, ["AT-PAGING-POST"]),
}


@pytest.mark.parametrize("name", sorted(DIFFERENCES))
def test_a_fake_made_to_differ_is_reported_on_exactly_those_rows(
        name: str, tmp_path: Path) -> None:
    apps, broken = DIFFERENCES[name]
    known = {r.id for r in load_rows()}
    if not set(broken) & known:
        pytest.skip(f"{broken} not in the registry yet")
    world = ProbeWorld(tmp_path, **apps)
    try:
        report = _run(world)
    finally:
        world.close()
    assert report.differs == [b for b in broken if b in known]
    assert not report.ok


def _cli(world: ProbeWorld, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--config", str(world.config), "probe", "--work-order",
                 str(world.work_order_id), "--ticket", str(world.ticket_id), *args], out=out)
    return code, out.getvalue()


def test_the_command_prints_one_line_per_row_and_a_summary(world: ProbeWorld) -> None:
    code, text = _cli(world)
    assert code == 0
    lines = text.strip().splitlines()
    for row in load_rows():
        assert any(line.startswith(f"{row.id}: ") for line in lines), row.id
    assert lines[-1].endswith("not checked")
    assert " ok, 0 differ, " in lines[-1]


def test_json_is_one_redacted_document_and_a_difference_exits_1(tmp_path: Path) -> None:
    world = ProbeWorld(tmp_path, fieldnation=Differ(None, _audience_elsewhere))
    try:
        code, text = _cli(world, "--json")
    finally:
        world.close()
    doc = json.loads(text)
    assert code == 1
    assert doc["exit_code"] == 1
    assert doc["ok"] is False
    assert doc["result"]["differs"] == ["FN-MESSAGE-AUDIENCE"]
    assert {r["id"] for r in doc["result"]["rows"]} == {r.id for r in load_rows()}
    assert "api-user@example.com" not in text  # the fake's user name is an e-mail address
    assert "client-secret" not in text
    assert '"secret"' not in text.lower().replace(
        '"secret": "[redacted]"', "")


def test_a_configuration_error_exits_2(world: ProbeWorld, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[autotask]\nusername = 'x@example.com'\n")
    out = io.StringIO()
    assert main(["--config", str(bad), "probe"], out=out) == 2
