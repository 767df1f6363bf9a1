"""The command line as scripts use it: ``--json`` documents, exit codes, progress, and the
setup paths that used to mislead (base URL and tenant id, fake-server's configuration, empty
stores)."""

from __future__ import annotations

import io
import itertools
import json
import os
import signal
import stat
import subprocess
import sys
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from served import Served

from autotask_fn._cli_output import SCHEMA_VERSION
from autotask_fn.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from autotask_fn.fieldnation.webhooks import Events
from autotask_fn.store import SqliteStore
from autotask_fn.testing import FakeAutotask


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def run_json(*argv: str) -> tuple[int, dict[str, Any]]:
    code, out = run("--json", *argv)
    doc = json.loads(out)  # exactly one document: json.loads refuses trailing text
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["exit_code"] == code
    assert doc["ok"] is (code == EXIT_OK)
    return code, doc


def imported(served: Served) -> tuple[int, int]:
    ticket_id = served.ticket()
    assert run("import-ticket", str(ticket_id))[0] == EXIT_OK
    (wo_id,) = served.fn_fake.state.work_orders
    return ticket_id, wo_id


# -- base URL and the tenant id ----------------------------------------------------------
def test_base_url_without_a_tenant_source_is_one_configuration_error(
    served: Served, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AUTOTASK_FN_AT_ZONE_URL")
    for command in (["check"], ["import-ticket", "1"], ["sweep"]):
        code, _ = run(*command)
        err = capsys.readouterr().err
        assert code == EXIT_USAGE, command
        assert err.count("configuration error") == 1
        assert "AUTOTASK_FN_AT_TENANT_ID" in err
        assert "AUTOTASK_FN_AT_ZONE_URL" in err
    assert served.at_fake.count_requests() == 0  # nothing was asked of any host


def test_base_url_with_a_tenant_id_never_asks_zone_discovery(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AUTOTASK_FN_AT_ZONE_URL")
    # the zone lookup goes nowhere: a request to it would fail the command
    monkeypatch.setenv("AUTOTASK_FN_AT_TENANT_ID", str(served.at_fake.ci))
    ticket_id = served.ticket()
    code, out = run("check")
    assert code == EXIT_OK, out
    assert f"tenant id {served.at_fake.ci} (configured)" in out
    code, out = run("import-ticket", str(ticket_id))
    assert code == EXIT_OK, out
    assert served.at_fake.count_requests(path=r"zoneInformation") == 0


def test_check_looks_up_the_tenant_at_zone_url_when_base_url_is_given(
    served: Served, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run("check")
    assert f"tenant id {served.at_fake.ci} (zone discovery at {served.zone_url}" in out
    monkeypatch.setenv("AUTOTASK_FN_AT_ZONE_URL", "http://127.0.0.1:9/atservicesrest/")
    code, out = run("check")  # the import would fail the same way: the check says so first
    assert code == EXIT_FAILED
    assert "zone" in capsys.readouterr().err.lower()


def test_a_configured_tenant_id_that_differs_from_the_zone_is_a_warning(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    served.fn_fake.register_webhook("https://host.example/fn", list(Events.all()), "s")
    monkeypatch.setenv("AUTOTASK_FN_AT_TENANT_ID", "12345")
    monkeypatch.delenv("AUTOTASK_FN_AT_BASE_URL")  # zone discovery gives the REST base
    code, out = run("check")
    assert code == EXIT_OK, out
    assert f"[warn] tenant id: configured 12345, but zone discovery says {served.at_fake.ci}" in out


def test_links_stay_found_whichever_way_the_tenant_id_was_obtained(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_id, wo_id = imported(served)  # tenant id from zone discovery at zone_url
    (link,) = SqliteStore(served.store_path).list_links(kind="wo")
    assert link.scope.at_tenant == served.at_fake.ci
    monkeypatch.delenv("AUTOTASK_FN_AT_ZONE_URL")
    monkeypatch.setenv("AUTOTASK_FN_AT_TENANT_ID", str(served.at_fake.ci))
    code, doc = run_json("import-ticket", str(ticket_id))  # now from the setting
    assert code == EXIT_OK
    (imp,) = doc["result"]["imports"]
    assert imp["result"]["work_order_id"] == wo_id
    assert imp["result"]["created"] is False
    assert len(served.fn_fake.state.work_orders) == 1  # found, not created again
    code, doc = run_json("sweep")
    assert doc["result"]["checked"] == 1  # the sweep sees the link stored before


def test_a_tenant_id_that_is_not_a_number_is_a_configuration_error(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOTASK_FN_AT_TENANT_ID", "ci-123")
    code, doc = run_json("check")
    assert code == EXIT_USAGE
    assert doc["error"]["type"] == "ConfigurationError"
    assert "AUTOTASK_FN_AT_TENANT_ID" in doc["error"]["message"]


def test_a_wrong_base_url_gets_a_fix_about_the_url(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOTASK_FN_AT_BASE_URL", served.at_url.replace("ATServices", "AT"))
    code, out = run("check")
    assert code == EXIT_FAILED
    assert "404" in out
    assert "fix: Check base_url (AUTOTASK_FN_AT_BASE_URL" in out
    assert "contact Autotask Support" not in out
    assert "Retry later" not in out


def test_a_base_url_ending_in_v1_is_a_configuration_error_naming_the_fix(
    served: Served, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTOTASK_FN_AT_BASE_URL", served.at_url + "V1.0/")
    for command in (["check"], ["import-ticket", "1"]):
        code, _ = run(*command)
        err = capsys.readouterr().err
        assert code == EXIT_USAGE
        assert "ends in V1.0" in err
        assert "/ATServicesRest/" in err
    assert served.at_fake.count_requests() == 0


def test_a_404_from_a_wrong_base_url_hints_at_the_url() -> None:
    from autotask_fn.autotask.errors import AutotaskNotFoundError
    from autotask_fn.cli import _hint

    wrong = AutotaskNotFoundError("not found", 404, url="http://h/ATServicesRest/V1.0/V1.0/x")
    right = AutotaskNotFoundError("not found", 404, url="http://h/ATServicesRest/V1.0/Tickets/5")
    assert "AUTOTASK_FN_AT_BASE_URL" in (_hint(wrong) or "")
    assert _hint(right) is None  # a record that is not there is not a URL problem


# -- check: one honest status per line --------------------------------------------------
def test_refused_credentials_skip_the_checks_that_depend_on_them(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOTASK_FN_AT_SECRET", "wrong")
    code, out = run("check")
    assert code == EXIT_FAILED
    assert "[FAIL] credentials" in out
    assert "[skip] integration code: not checked" in out
    assert "[ok  ] integration code" not in out
    assert "[skip] connector settings" in out
    _no_fix_under_ok(out)


def test_no_webhook_is_a_warning_with_a_fix_never_an_ok_with_one(served: Served) -> None:
    code, out = run("check")
    assert code == EXIT_OK, out  # a warning does not fail the check
    assert "[warn] Field Nation webhooks: none registered" in out
    _no_fix_under_ok(out)
    code, doc = run_json("check")
    statuses = {line["name"]: line["status"] for line in doc["result"]["lines"]}
    assert statuses["Field Nation webhooks"] == "warn"
    assert statuses["credentials"] == "ok"
    assert all(line["fix"] is None for line in doc["result"]["lines"]
               if line["status"] in ("ok", "skip"))


def _no_fix_under_ok(out: str) -> None:
    lines = out.splitlines()
    for above, line in itertools.pairwise(lines):
        if line.strip().startswith("fix:"):
            assert not above.startswith(("[ok", "[skip")), (above, line)


# -- store commands without a store --------------------------------------------------------
@pytest.mark.parametrize("command", [["links"], ["dead-letters"], ["dead-letters", "list"]])
def test_store_commands_refuse_without_a_configured_store(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key in [k for k in os.environ if k.startswith("AUTOTASK_FN_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    code, _ = run(*command)
    assert code == EXIT_USAGE
    assert "AUTOTASK_FN_STORE" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no empty store was created


def test_store_commands_read_the_default_store_when_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.startswith("AUTOTASK_FN_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    SqliteStore(tmp_path / "autotask_fn.sqlite3").close()
    assert run("links") == (EXIT_OK, "no links\n")


# -- exit codes ----------------------------------------------------------------------------
def test_process_pending_exits_1_when_an_entry_is_dead_lettered(served: Served) -> None:
    store = SqliteStore(served.store_path)
    store.enqueue("fieldnation", "delivery-1", b'{"broken": true}', {})
    store.close()
    code, doc = run_json("process-pending")
    assert code == EXIT_FAILED
    assert doc["result"]["dead"] == 1
    assert doc["result"]["errors"]
    code, doc = run_json("process-pending")  # nothing left to do: a clean run
    assert (code, doc["result"]["processed"]) == (EXIT_OK, 0)


def test_sweep_exits_1_when_a_work_order_fails(served: Served) -> None:
    _ticket_id, wo_id = imported(served)
    served.fn_fake.assign(wo_id)
    served.fn_fake.log_time(wo_id, datetime(2026, 3, 5, 14, tzinfo=UTC),
                            datetime(2026, 3, 5, 15, tzinfo=UTC))
    served.fn_fake.fail_next(rf"/workorders/{wo_id}", count=50, status=403)
    code, doc = run_json("sweep")
    assert code == EXIT_FAILED
    assert doc["result"]["errors"]
    assert doc["result"]["synced"] == 0


def test_sweep_counts_as_synced_only_work_orders_written(served: Served) -> None:
    import attrs

    _ticket_id, wo_id = imported(served)
    served.fn_fake.assign(wo_id)
    served.fn_fake.log_time(wo_id, datetime(2026, 3, 5, 14, tzinfo=UTC),
                            datetime(2026, 3, 5, 15, tzinfo=UTC))
    code, doc = run_json("sweep")
    assert (code, doc["result"]["synced"]) == (EXIT_OK, 1)
    (report,) = doc["result"]["reports"]
    assert report["writes"] >= 1
    store = SqliteStore(served.store_path)  # forget the hash: the next sweep reconciles again
    (link,) = store.list_links(kind="wo")
    store.save_link(attrs.evolve(link, data={**link.data, "fn_hash": "stale"}))
    store.close()
    code, doc = run_json("sweep")
    assert code == EXIT_OK
    (report,) = doc["result"]["reports"]
    assert (report["skipped"], report["writes"]) == (None, 0)  # reconciled, nothing to write
    assert doc["result"]["synced"] == 0


# -- --json on every command ---------------------------------------------------------------
def test_every_command_takes_json_before_or_after_the_command(served: Served) -> None:
    assert run_json("links")[1]["result"] == {"links": []}
    _code, out = run("links", "--json")
    assert json.loads(out)["result"] == {"links": []}


def test_json_documents_of_the_facade_commands(served: Served, tmp_path: Path) -> None:
    ticket_id = served.ticket()
    code, doc = run_json("import-ticket", str(ticket_id), "--dry-run")
    assert code == EXIT_OK
    assert doc["planned_writes"]
    assert doc["planned_writes"][0]["method"] == "POST"
    assert {"method", "url", "body"} == set(doc["planned_writes"][0])
    code, doc = run_json("import-ticket", str(ticket_id))
    (imp,) = doc["result"]["imports"]
    assert imp["ok"] is True
    assert imp["result"]["created"] is True
    assert {"entity", "id", "work_order_id", "created", "changes", "wrote"} <= set(imp["result"])
    wo_id = imp["result"]["work_order_id"]
    code, doc = run_json("sync-work-order", str(wo_id))
    assert code == EXIT_OK
    assert doc["result"]["work_order_id"] == wo_id
    assert {"ticket_id", "changes", "skipped", "writes"} <= set(doc["result"])
    code, doc = run_json("links", "--work-order", str(wo_id))
    (link,) = [lk for lk in doc["result"]["links"] if lk["kind"] == "wo"]
    assert link["at_entity"] == "Tickets"
    assert link["at_id"] == ticket_id
    assert link["scope"] == {"fn_env": "custom", "at_tenant": served.at_fake.ci}
    code, doc = run_json("sweep")
    assert {"checked", "unchanged", "synced", "reports", "errors"} <= set(doc["result"])
    code, doc = run_json("process-pending")
    assert {"processed", "succeeded", "retried", "dead", "reports", "errors"} <= set(
        doc["result"])


def test_import_ticket_of_several_tickets_reports_each(served: Served) -> None:
    first, second = served.ticket(), served.ticket()
    code, doc = run_json("import-ticket", str(first), "999999", str(second))
    assert code == EXIT_FAILED  # one of three failed
    imports = doc["result"]["imports"]
    assert [i["ticket_id"] for i in imports] == [first, 999999, second]
    assert [i["ok"] for i in imports] == [True, False, True]  # the bad one blocks nothing
    assert imports[1]["error"]["type"]
    assert doc["result"]["failed"] == 1
    assert len(served.fn_fake.state.work_orders) == 2


def test_json_documents_of_dead_letters(served: Served) -> None:
    store = SqliteStore(served.store_path)
    store.enqueue("fieldnation", "delivery-9", b"{}", {})
    entry_id = store.list_entries()[0].id
    store.lease("someone", 60)
    store.dead_letter(entry_id, None, "boom")
    store.close()
    code, doc = run_json("dead-letters")
    (entry,) = doc["result"]["entries"]
    assert entry == {"id": entry_id, "source": "fieldnation", "delivery_id": "delivery-9",
                     "status": "dead", "attempts": entry["attempts"], "last_error": "boom"}
    code, doc = run_json("dead-letters", "show", str(entry_id))
    assert doc["result"]["entry"]["body"] == "{}"
    code, doc = run_json("dead-letters", "replay", str(entry_id))
    assert doc["result"] == {"entry_id": entry_id, "action": "replay", "done": True}
    code, doc = run_json("dead-letters", "show", "999")
    assert code == EXIT_FAILED
    assert doc["result"] == {"entry": None}


def test_json_documents_of_check_and_zone(served: Served) -> None:
    served.fn_fake.register_webhook("https://host.example/fn", list(Events.all()), "s")
    code, doc = run_json("check")
    assert code == EXIT_OK
    for line in doc["result"]["lines"]:
        assert set(line) == {"name", "status", "detail", "fix"}
        assert line["status"] in ("ok", "warn", "fail", "skip")
    code, doc = run_json("zone", FakeAutotask.USERNAME, "--zone-url", served.zone_url)
    assert doc["result"]["ci"] == served.at_fake.ci
    assert set(doc["result"]) == {"zone_name", "url", "web_url", "ci"}


def test_errors_are_json_documents_too(served: Served, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    monkeypatch.delenv("AUTOTASK_FN_AT_SECRET")
    code, doc = run_json("sweep")
    assert code == EXIT_USAGE
    assert doc["result"] is None
    assert doc["error"]["type"] == "ConfigurationError"
    assert "AUTOTASK_FN_AT_SECRET" in doc["error"]["message"]


def test_demo_says_where_its_link_store_is(tmp_path: Path) -> None:
    code, out = run("demo")
    assert "Links kept in a temporary SQLite file, deleted when the demo ends" in out
    kept = tmp_path / "demo.sqlite3"
    code, doc = run_json("demo", "--store", str(kept))
    assert code == EXIT_OK
    assert doc["result"]["failed"] == 0
    assert doc["result"]["passed"] == len(doc["result"]["checks"]) > 10
    assert doc["result"]["store"] == str(kept.resolve())
    assert SqliteStore(kept).list_links()  # the file named is really there, with the links


# -- human output -------------------------------------------------------------------------
def test_human_reports_are_aligned_lines_never_reprs(served: Served) -> None:
    _ticket_id, wo_id = imported(served)
    served.fn_fake.assign(wo_id)
    served.fn_fake.log_time(wo_id, datetime(2026, 3, 5, 14, tzinfo=UTC),
                            datetime(2026, 3, 5, 15, tzinfo=UTC))
    code, out = run("sweep")
    assert code == EXIT_OK
    assert "SweepReport(" not in out
    assert "SyncReport(" not in out
    assert out.splitlines()[:4] == ["checked:   1", "unchanged: 0",
                                    "synced:    1 (something was written)", "failed:    0"]
    code, out = run("links")
    header, *rows = out.splitlines()
    assert header.split() == ["scope", "kind", "FN", "id", "Autotask", "state"]
    assert len({row.index("Tickets") for row in rows if "Tickets" in row}) == 1  # aligned


# -- progress ------------------------------------------------------------------------------
class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_process_pending_draws_progress_on_a_terminal_only(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqliteStore(served.store_path)
    store.enqueue("fieldnation", "delivery-1", b'{"broken": true}', {})
    store.close()
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    main(["process-pending"], out=_Terminal())
    assert "\rprocess-pending: 1/1 entries\n" in err.getvalue()


def test_progress_is_never_drawn_with_json_or_when_piped(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_id = served.ticket()
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    main(["import-ticket", str(ticket_id), "--json"], out=_Terminal())
    main(["import-ticket", str(ticket_id)], out=io.StringIO())  # piped
    assert "import-ticket:" not in err.getvalue()
    main(["import-ticket", str(ticket_id)], out=_Terminal())
    assert "\rimport-ticket: 1/1 tickets\n" in err.getvalue()


# -- fake-server --write-config, then commands in another process --------------------------
def test_fake_server_writes_a_config_that_commands_use_as_is(tmp_path: Path) -> None:
    config = tmp_path / "fake.toml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "autotask_fn.cli", "fake-server", "--autotask-port", "0",
         "--fieldnation-port", "0", "--write-config", str(config)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        printed = []
        while not printed or "Ctrl-C" not in printed[-1]:
            line = proc.stdout.readline()
            assert line, "fake-server stopped: " + "".join(printed)
            printed.append(line)
        text = "".join(printed)
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        values = tomllib.loads(config.read_text())
        assert tomllib.loads(text.split("# or the same")[0]) == values  # printed == written
        for key in ("client_id", "client_secret", "username", "password", "base_url"):
            assert values["fieldnation"][key]
            assert f"AUTOTASK_FN_FN_{key.upper()}=" in text
        assert not values["autotask"]["base_url"].lower().endswith("v1.0/")

        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_FN_")}
        env["AUTOTASK_FN_CONFIG"] = str(config)

        def cli(*argv: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "autotask_fn.cli", *argv], env=env,
                                  capture_output=True, text=True, timeout=120, check=False,
                                  cwd=tmp_path)

        checked = cli("check")
        assert checked.returncode == EXIT_OK, checked.stdout + checked.stderr
        ticket_id = _create_ticket(values["autotask"])
        done = cli("--json", "import-ticket", str(ticket_id))
        assert done.returncode == EXIT_OK, done.stdout + done.stderr
        (imp,) = json.loads(done.stdout)["result"]["imports"]
        assert imp["result"]["created"] is True
        (link,) = SqliteStore(values["store"]["url"]).list_links(kind="wo")
        assert link.at_id == ticket_id  # in the store the written configuration names
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _create_ticket(at: dict[str, Any]) -> int:
    """Create a ticket in the served fake through its REST API (seed ids are the same in
    every fresh fake)."""
    from autotask_fn.autotask import AutotaskClient

    seed = FakeAutotask().seed
    with AutotaskClient(at["username"], at["secret"], at["integration_code"],
                        base_url=at["base_url"], zone_url=at["zone_url"]) as client:
        return client.create("Tickets", {
            "title": "Replace POS terminal", "companyID": seed.company_id,
            "companyLocationID": seed.location_id, "contactID": seed.contact_id, "status": 1,
            "priority": 2, "queueID": seed.queue_id, "dueDateTime": "2026-03-05T18:00:00Z",
            "assignedResourceID": seed.tech_resource_id,
            "assignedResourceRoleID": seed.tech_role_id})


def test_fake_server_json_prints_the_configuration(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "autotask_fn.cli", "--json", "fake-server", "--autotask-port",
         "0", "--fieldnation-port", "0"], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert proc.stdout is not None
        chunks = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            chunks.append(proc.stdout.readline())
            if chunks[-1] == "}\n":
                break
        doc = json.loads("".join(chunks))
        assert doc["command"] == "fake-server"
        assert doc["result"]["config"]["fieldnation"]["password"]
        assert doc["result"]["env"]["AUTOTASK_FN_AT_ZONE_URL"].endswith("/atservicesrest/")
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the normal end of a server
        assert proc.wait(timeout=30) == EXIT_OK
        assert proc.stdout.read() == ""  # still exactly one document
    finally:
        proc.terminate()
        proc.wait(timeout=10)
