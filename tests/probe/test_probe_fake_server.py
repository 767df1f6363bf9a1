"""``autotask-fn probe`` in its own process against ``autotask-fn fake-server`` in another,
configured by the file fake-server writes: nothing differs, read-only and with --write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autotask_fn.probe import load_rows
from autotask_fn.testing import FakeAutotask


@pytest.mark.slow
def test_probe_and_probe_write_against_the_fake_server(tmp_path: Path) -> None:
    config = tmp_path / "fake.toml"
    server = subprocess.Popen(
        [sys.executable, "-m", "autotask_fn.cli", "fake-server", "--autotask-port", "0",
         "--fieldnation-port", "0", "--write-config", str(config)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        while "Ctrl-C" not in (line := server.stdout.readline()):
            assert line, "fake-server stopped"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOTASK_FN_")}
        env["AUTOTASK_FN_CONFIG"] = str(config)

        def probe(*argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "autotask_fn.cli", "--json", "probe",
                                   *argv], env={**env, **extra}, capture_output=True,
                                  text=True, timeout=120, check=False, cwd=tmp_path)

        read = probe()
        doc = json.loads(read.stdout)
        assert read.returncode == 0, doc["result"]["differs"]
        assert [r["id"] for r in doc["result"]["rows"]] == [r.id for r in load_rows()]
        assert doc["result"]["write"] is None

        refused = probe("--write")
        assert refused.returncode == 2
        assert "sandbox" in json.loads(refused.stdout)["error"]["message"]

        wrote = probe("--write", AUTOTASK_FN_AT_SANDBOX="true", AUTOTASK_FN_FN_SANDBOX="true",
                      AUTOTASK_FN_AT_TENANT_ID=str(FakeAutotask.CI))
        result = json.loads(wrote.stdout)["result"]
        assert wrote.returncode == 0, result["differs"]
        ticket = next(r for r in result["write"] if r["id"] == "WRITE-AT-TICKET")
        assert ticket["outcome"] == "ok"
        assert any(s["entity"] == "Tickets" for s in result["stays"])
    finally:
        server.terminate()
        server.wait(timeout=10)
