"""``autotask-fn fake ...``: a person at the shell acts as dispatcher and provider."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from autotask_fn.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from autotask_fn.testing import FakeAutotask, FakeFieldNation, serve


class Fakes:
    def __init__(self) -> None:
        self.at_fake, self.fn_fake = FakeAutotask(), FakeFieldNation()
        self.servers = [serve(self.at_fake), serve(self.fn_fake)]
        self.at_url = f"http://127.0.0.1:{self.servers[0].server_address[1]}"
        self.fn_url = f"http://127.0.0.1:{self.servers[1].server_address[1]}"

    def run(self, *argv: str) -> tuple[int, str]:
        out = io.StringIO()
        code = main(["fake", "--autotask", self.at_url, "--fieldnation", self.fn_url, *argv],
                    out=out)
        return code, out.getvalue()

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Fakes]:
    monkeypatch.chdir(tmp_path)  # no ./autotask-fn.toml is picked up
    for name in ("AUTOTASK_FN_CONFIG", "AUTOTASK_FN_AT_BASE_URL", "AUTOTASK_FN_FN_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    world = Fakes()
    yield world
    world.close()


def test_a_visit_from_the_shell(fakes: Fakes, tmp_path: Path) -> None:
    code, out = fakes.run("ticket", "--title", "POS down", "--set", "priority=1")
    assert code == EXIT_OK
    (ticket,) = fakes.at_fake.records("Tickets")
    assert out.strip() == f"ticket {ticket['id']} created"
    assert (ticket["title"], ticket["priority"]) == ("POS down", 1)

    wo_id = fakes.fn_fake.create_work_order(title="POS down")
    receipt = tmp_path / "receipt.jpg"
    receipt.write_bytes(b"\xff\xd8receipt")
    photo = tmp_path / "after.jpg"
    photo.write_bytes(b"\xff\xd8photo")
    w = str(wo_id)
    for argv in (("assign", w), ("confirm", w),
                 ("check-in", w, "--at", "2026-03-05T14:00:00Z"),
                 ("check-out", w, "--at", "2026-03-05T16:15:00Z"),
                 ("message", w, "Terminal replaced"),
                 ("expense", w, "42.50", "Spare PSU", "--receipt", str(receipt)),
                 ("upload", w, str(photo)),
                 ("signature", w, "Pat Customer", "--title", "Store manager"),
                 ("complete", w)):
        code, out = fakes.run(*argv)
        assert code == EXIT_OK, (argv, out)
    stored = fakes.fn_fake.state.raw_work_order(wo_id)
    assert stored.status == "work_done"
    (log,) = stored.time_logs
    assert (log.end - log.start).total_seconds() == 2.25 * 3600
    assert [m.text for m in stored.messages] == ["Terminal replaced"]
    (expense,) = stored.expenses
    assert expense.receipt is not None
    assert expense.receipt.content == b"\xff\xd8receipt"
    assert expense.receipt.name == "receipt.jpg"
    assert any(f.name == "after.jpg" for folder in stored.folders for f in folder.files)
    assert [s.name for s in stored.signatures] == ["Pat Customer"]
    code, out = fakes.run("work-orders")
    assert out.strip() == f"{wo_id}\tWork Done\tPOS down"


def test_flush_and_advance_show_deliveries_and_retries(fakes: Fakes) -> None:
    # Nobody listens on port 9: the delivery fails, and the command says so.
    fakes.fn_fake.register_webhook("http://127.0.0.1:9/fn", ["workorder.message_posted"])
    wo_id = fakes.fn_fake.create_work_order()
    fakes.fn_fake.assign(wo_id)
    fakes.run("message", str(wo_id), "hello")
    code, out = fakes.run("flush")
    assert code == EXIT_FAILED
    assert "fieldnation: attempt 1 to http://127.0.0.1:9/fn: 0 failed (ConnectError" in out
    assert fakes.run("flush") == (EXIT_OK, "nothing was due\n")
    before = fakes.fn_fake.clock.timestamp()
    code, out = fakes.run("advance", "10")
    assert code == EXIT_OK
    assert fakes.fn_fake.clock.timestamp() - before == 10
    assert "fieldnation: now " in out
    assert "attempt 2 to" in fakes.run("flush")[1]


def test_records_lists_autotask_records_with_filters(fakes: Fakes) -> None:
    fakes.run("ticket", "--title", "First")
    fakes.run("ticket", "--title", "Second")
    code, out = fakes.run("records", "Tickets", "--where", "title=Second")
    assert code == EXIT_OK
    assert '"title": "Second"' in out
    assert "First" not in out


def test_refusals_and_missing_fakes_are_one_clear_line(
    fakes: Fakes, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = fakes.run("check-out", "999999")
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert "the fieldnation fake refused POST /work-orders/999999/check-out: 404" in err
    out = io.StringIO()
    code = main(["fake", "--autotask", "http://127.0.0.1:9", "ticket"], out=out)
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "no served fake answers at http://127.0.0.1:9" in err
    assert "Traceback" not in err


def test_the_fakes_are_found_through_a_loopback_configuration_only(
    fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "fake.toml"
    config.write_text(f'[autotask]\nbase_url = "{fakes.at_url}/ATServicesRest/"\n'
                      f'[fieldnation]\nbase_url = "{fakes.fn_url}"\n')
    out = io.StringIO()
    assert main(["--config", str(config), "fake", "ticket"], out=out) == EXIT_OK
    assert len(fakes.at_fake.records("Tickets")) == 1
    from autotask_fn._cli_fakectl import _loopback_origin

    assert _loopback_origin("https://webservices14.autotask.net/ATServicesRest/") is None
    assert _loopback_origin("http://example.com:8401/") is None
    assert _loopback_origin("http://localhost:8402") == "http://localhost:8402"


def test_json_output_carries_the_result(fakes: Fakes) -> None:
    import json

    code, out = fakes.run("--json", "ticket", "--title", "Scripted")
    doc = json.loads(out)
    assert code == EXIT_OK
    assert (doc["command"], doc["ok"], doc["exit_code"]) == ("fake", True, 0)
    (ticket,) = fakes.at_fake.records("Tickets")
    assert doc["result"] == {"id": ticket["id"]}
