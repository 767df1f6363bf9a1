"""The ``autotask-fn`` command line against both fakes served on local sockets."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from served import FN_SECRET, SETTINGS, Served

from autotask_fn.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from autotask_fn.fieldnation.webhooks import Events
from autotask_fn.store import EntryStatus, SqliteStore
from autotask_fn.testing import FakeAutotask


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


# -- the demo ------------------------------------------------------------------------
def test_demo_runs_as_a_subprocess_and_passes_every_check() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "autotask_fn.cli", "demo"], capture_output=True, text=True,
        timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "1. Dispatch an Autotask ticket to Field Nation" in out
    assert "2. Providers complete work orders" in out
    assert "3. End-to-end automation through an Autotask webhook" in out
    assert "API calls: Autotask" in out
    assert " 0 failed" in out
    assert "Traceback" not in proc.stderr


# -- zone ----------------------------------------------------------------------------
def test_zone_prints_the_zone_of_a_user(served: Served) -> None:
    code, out = run("zone", FakeAutotask.USERNAME, "--zone-url", served.zone_url)
    assert code == EXIT_OK
    assert "zone name: Fake Zone" in out
    assert f"tenant ci: {served.at_fake.ci}" in out


def test_zone_of_an_unknown_user_fails_with_a_hint(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run("zone", "nobody@example.com", "--zone-url", served.zone_url)
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert err.lower().count("hint") == 1  # the hint is said once
    assert "Traceback" not in err


def test_zone_of_an_unreachable_host_fails_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("zone", "x@example.com", "--zone-url", "http://127.0.0.1:9/atservicesrest/")
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert "Traceback" not in err


# -- configuration errors --------------------------------------------------------------
def test_missing_credentials_are_a_usage_error_without_traceback(
    served: Served, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AUTOTASK_FN_AT_SECRET")
    code, _ = run("check")
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "AUTOTASK_FN_AT_SECRET" in err
    assert "Traceback" not in err


def test_bad_arguments_exit_with_usage_code(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["import-ticket", "not-a-number"])
    assert exc.value.code == EXIT_USAGE
    assert "invalid int value" in capsys.readouterr().err


def test_unknown_command_exits_with_usage_code() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == EXIT_USAGE


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("demo", "zone", "check", "import-ticket", "sync-work-order", "sweep",
                    "process-pending", "handle-event", "dead-letters", "links", "fake-server"):
        with pytest.raises(SystemExit) as exc:
            main([command, "--help"])
        assert exc.value.code == 0
        assert "usage: autotask-fn" in capsys.readouterr().out


def test_invalid_settings_are_reported_as_configuration_error(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    served.config.write_text("[settings]\nno_such_setting = 1\n")
    code, _ = run("import-ticket", "1")
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "no_such_setting" in err


# -- check -----------------------------------------------------------------------------
def test_check_passes_against_a_healthy_tenant(served: Served) -> None:
    served.fn_fake.register_webhook("https://host.example/fn", list(Events.all()), FN_SECRET)
    writes_before = _writes(served)
    code, out = run("check")
    assert code == EXIT_OK, out
    assert "[FAIL]" not in out
    assert "connector settings" in out
    assert "[ok  ] Field Nation credentials: accepted" in out
    assert "[ok  ] Field Nation webhooks: 1 registered" in out
    assert _writes(served) == writes_before  # the connection test never writes


def test_check_reports_what_to_fix(served: Served) -> None:
    bad = SETTINGS.replace("[settings]\n", '[settings]\nnote_type = "No Such Type"\n')
    served.config.write_text(bad)
    code, out = run("check")
    assert code == EXIT_FAILED
    assert "[FAIL] connector settings" in out
    assert "No Such Type" in out


@pytest.mark.contract("AT-AUTH-BAD-SECRET")
def test_check_reports_a_refused_login_as_one_failure(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOTASK_FN_AT_SECRET", "not-the-secret")
    code, out = run("check")
    assert code == EXIT_FAILED
    failed = [line for line in out.splitlines() if line.startswith("[FAIL]")]
    assert failed == ["[FAIL] credentials: refused: " + failed[0].split("refused: ", 1)[1]]
    assert "secret" in out.split("fix:", 1)[1]
    assert "[skip] connector settings" in out
    assert "do not fit" not in out
    assert "not-the-secret" not in out


@pytest.mark.contract("AT-AUTH-BAD-CODE")
def test_every_command_reports_a_refused_login_as_one_auth_error(
    served: Served, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTOTASK_FN_INTEGRATION_CODE", "NOT-THE-CODE")
    ticket_id = served.ticket()
    code, _ = run("import-ticket", str(ticket_id))
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert err.startswith("autotask-fn: AutotaskAuthError: ")
    assert "integration code" in err
    assert "do not fit" not in err
    assert len(err.strip().splitlines()) == 1


def _writes(served: Served) -> int:
    at = served.at_fake
    return (sum(at.count_requests(m) for m in ("POST", "PATCH", "PUT", "DELETE"))
            - at.count_requests("POST", r"/query"))


# -- the facade from the shell ---------------------------------------------------------
def test_import_ticket_creates_and_links_a_work_order(served: Served) -> None:
    ticket_id = served.ticket()
    code, out = run("import-ticket", str(ticket_id))
    assert code == EXIT_OK, out
    assert len(served.fn_fake.state.work_orders) == 1
    code, out = run("links")
    assert code == EXIT_OK
    assert f"Tickets {ticket_id}" in out


def test_import_ticket_dry_run_prints_writes_and_makes_none(served: Served) -> None:
    ticket_id = served.ticket()
    code, out = run("import-ticket", str(ticket_id), "--dry-run")
    assert code == EXIT_OK, out
    assert "dry run: would POST" in out
    assert "/workorders" in out
    assert served.fn_fake.state.work_orders == {}
    assert SqliteStore(served.store_path).list_links() == []


def test_sync_work_order_and_sweep_write_provider_time(served: Served) -> None:
    from datetime import UTC, datetime

    ticket_id = served.ticket()
    assert run("import-ticket", str(ticket_id))[0] == EXIT_OK
    (wo_id,) = served.fn_fake.state.work_orders
    served.fn_fake.assign(wo_id)
    served.fn_fake.log_time(wo_id, datetime(2026, 3, 5, 14, tzinfo=UTC),
                            datetime(2026, 3, 5, 15, 30, tzinfo=UTC))
    code, out = run("sync-work-order", str(wo_id), "--dry-run")
    assert code == EXIT_OK
    assert "dry run: would POST" in out
    assert "TimeEntries" in out
    assert [e for e in served.at_fake.records("TimeEntries")
            if e.get("ticketID") == ticket_id] == []
    code, out = run("sweep")
    assert code == EXIT_OK, out
    entries = [e for e in served.at_fake.records("TimeEntries") if e.get("ticketID") == ticket_id]
    assert [float(e["hoursWorked"]) for e in entries] == [1.5]
    code, out = run("sweep", "--json")
    assert (code, json.loads(out)["result"]["unchanged"]) == (EXIT_OK, 1), out
    code, out = run("sweep", "--force", "--json")
    assert (code, json.loads(out)["result"]["unchanged"]) == (EXIT_OK, 0), out


def test_handle_event_reads_a_delivery_body_from_a_file(served: Served, tmp_path: Path) -> None:
    ticket_id = served.ticket()
    assert run("import-ticket", str(ticket_id))[0] == EXIT_OK
    (wo_id,) = served.fn_fake.state.work_orders
    served.fn_fake.assign(wo_id)
    served.fn_fake.register_webhook("https://host.example/fn", list(Events.all()), FN_SECRET)
    served.fn_fake.take_deliveries()
    served.fn_fake.post_message(wo_id, "Parts ordered")
    (delivery,) = served.fn_fake.take_deliveries()
    body = tmp_path / "event.json"
    body.write_bytes(delivery.body)
    code, out = run("handle-event", str(body))
    assert code == EXIT_OK, out
    notes = [n for n in served.at_fake.records("TicketNotes") if n.get("ticketID") == ticket_id]
    assert any("Parts ordered" in (n.get("description") or "") for n in notes)


def test_handle_event_with_a_malformed_file_fails_cleanly(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = tmp_path / "event.json"
    body.write_text("{not json")
    code, _ = run("handle-event", str(body))
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert "Traceback" not in err


def test_process_pending_and_dead_letters(served: Served) -> None:
    store = SqliteStore(served.store_path)
    store.enqueue("fieldnation", "delivery-1", b'{"broken": true}', {})
    entry_id = store.list_entries()[0].id
    store.lease("someone", 60)
    store.dead_letter(entry_id, None, "WebhookPayloadError: missing event.name")
    store.close()

    code, out = run("dead-letters")
    assert code == EXIT_OK
    assert "delivery-1" in out
    assert "missing event.name" in out
    code, out = run("dead-letters", "show", str(entry_id))
    assert json.loads(out)["body"] == '{"broken": true}'
    code, out = run("dead-letters", "replay", str(entry_id))
    assert code == EXIT_OK
    assert "queued again" in out
    code, out = run("process-pending")
    assert code == EXIT_FAILED, out  # the replayed entry is dead-lettered again
    assert "dead-lettered: 1" in out
    code, out = run("dead-letters", "discard", str(entry_id))
    assert code == EXIT_OK
    assert SqliteStore(served.store_path).get_entry(entry_id) is None


def test_dead_letters_show_needs_an_id(served: Served) -> None:
    assert run("dead-letters", "show")[0] == EXIT_USAGE


def test_dead_letters_of_an_unknown_entry(served: Served) -> None:
    assert run("dead-letters", "show", "999")[0] == EXIT_FAILED


def test_links_when_nothing_is_linked(served: Served) -> None:
    assert run("links") == (EXIT_OK, "no links\n")


def test_store_entries_are_visible_to_the_cli(served: Served) -> None:
    store = SqliteStore(served.store_path)
    store.enqueue("fieldnation", "d-2", b"{}", {})
    assert store.count_entries(EntryStatus.PENDING) == 1
    store.close()
    code, out = run("dead-letters", "list")
    assert (code, out) == (EXIT_OK, "no dead letters\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_sweep_progress_is_drawn_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from autotask_fn.cli import _progress

    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    show = _progress("sweep")
    show(1, 2)
    show(2, 2)
    assert err.getvalue() == "\rsweep: 1/2 work orders\rsweep: 2/2 work orders\n"


def test_sweep_progress_stays_quiet_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from autotask_fn.cli import _progress

    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    _progress("sweep")(1, 1)
    assert err.getvalue() == ""


def test_demo_output_cut_short_by_a_closed_pipe_prints_no_traceback() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "autotask_fn.cli", "demo"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `autotask-fn demo | head -1`
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in stderr
