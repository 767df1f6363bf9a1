"""The documentation site builds with ``mkdocs build --strict`` and renders readably.

Skipped when the docs tools (the ``docs`` extra) are not installed. The layout checks run in
a real headless Chromium when one is installed (``.ci/run`` installs Debian's).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("material")
pytest.importorskip("mkdocstrings")
pytest.importorskip("mkdocstrings_handlers.python")

ROOT = Path(__file__).resolve().parents[2]
#: Characters of a preformatted line that fit the content column without a scroll bar.
PRE_WIDTH = 80


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("docs") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{output}"
    assert "WARNING" not in output, output
    return site


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_mkdocs_build_strict(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "reference" / "api" / "index.html").is_file()
    assert (site / "reference" / "contract" / "index.html").is_file()


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_the_errors_hierarchy_fits_without_scrolling(site: Path) -> None:
    page = (site / "reference" / "errors" / "index.html").read_text(encoding="utf-8")
    blocks = re.findall(r"<pre.*?</pre>", page, flags=re.S)
    assert blocks, "the errors page shows its hierarchy as a preformatted block"
    for block in blocks:
        text = unescape(re.sub(r"<[^>]+>", "", block))
        too_wide = [line for line in text.splitlines() if len(line) > PRE_WIDTH]
        assert not too_wide, f"lines clipped at the content width: {too_wide}"


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_names_in_reference_tables_do_not_break_mid_word(site: Path) -> None:
    css = (ROOT / "docs" / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    assert re.search(r"td:first-child code[^{]*\{[^}]*white-space:\s*nowrap", css, re.S)
    page = (site / "reference" / "errors" / "index.html").read_text(encoding="utf-8")
    assert "stylesheets/extra.css" in page


_PROBE = """
<script>
window.addEventListener("load", () => {
  const out = [];
  for (const pre of document.querySelectorAll(".md-content pre > code")) {
    if (pre.scrollWidth > pre.clientWidth + 1) {
      out.push("clipped pre: " + pre.textContent.slice(0, 40));
    }
  }
  for (const code of document.querySelectorAll(".md-content td:first-child code")) {
    const lines = code.getClientRects().length;
    const h = code.getBoundingClientRect().height;
    const lh = parseFloat(getComputedStyle(code).lineHeight) || 20;
    if (lines > 1 || h > lh * 1.6) out.push("wrapped name: " + code.textContent);
  }
  const done = document.createElement("div");
  done.id = "layout-probe";
  done.textContent = JSON.stringify(out);
  document.body.appendChild(done);
});
</script>
"""


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("width", [1280, 1024])
def test_the_errors_page_renders_in_a_real_browser(site: Path, width: int) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no headless Chromium on this machine (.ci/run installs Debian's)")
    source = site / "reference" / "errors" / "index.html"
    probe = source.with_name("probe.html")
    probe.write_text(source.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"))
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={site.parent / f'chromium-{width}'}",
         f"--window-size={width},2000", "--virtual-time-budget=5000", "--dump-dom",
         probe.as_uri()],
        capture_output=True, text=True, timeout=100, check=False,
    )
    found = re.search(r'<div id="layout-probe">(.*?)</div>', proc.stdout, re.S)
    assert found, f"the page did not finish loading:\n{proc.stderr[-2000:]}"
    problems = unescape(found.group(1))
    assert problems == "[]", problems
