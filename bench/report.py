"""The results page: tables with targets and pass/fail marks, the machine, ``docs/performance.md``.

    python -m bench report      # the same as ``python -m bench all``

Every benchmark's figures become a :class:`Table`; :func:`render` writes them, with the
machine and the versions they were measured on, as Markdown that ``mkdocs build --strict``
accepts (no links, no raw HTML).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PAGE = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
PASS, FAIL, INFO = "pass", "**FAIL**", "—"


@dataclass(frozen=True)
class Target:
    """A bound a figure must keep: ``op`` is ``"<="``, ``">="`` or ``"=="``."""

    op: str
    value: float
    unit: str = ""

    def __str__(self) -> str:
        sign = {"<=": "≤ ", ">=": "≥ ", "==": ""}[self.op]
        number = f"{self.value:g}"
        return f"{sign}{number}{' ' + self.unit if self.unit else ''}"

    def met(self, figure: float) -> bool:
        """Whether ``figure`` keeps to the bound."""
        if self.op == "<=":
            return figure <= self.value + 1e-9
        if self.op == ">=":
            return figure >= self.value - 1e-9
        return abs(figure - self.value) < 1e-9


def mark(figure: float, target: Target | None) -> tuple[str, str]:
    """The (target, result) cells of a figure: ``—`` when there is no target."""
    if target is None:
        return INFO, INFO
    return str(target), PASS if target.met(figure) else FAIL


@dataclass
class Table:
    """One benchmark's results: a heading, what was measured, rows, and notes."""

    title: str
    intro: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> int:
        """Rows marked as failing their target."""
        return sum(1 for row in self.rows if FAIL in row)

    def markdown(self) -> str:
        """The table as a Markdown section."""
        out = [f"## {self.title}", "", self.intro, ""]
        if self.rows:
            out.append("| " + " | ".join(self.columns) + " |")
            out.append("|" + "|".join("---:" if self._numeric(i) else "---"
                                      for i in range(len(self.columns))) + "|")
            out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in self.rows]
            out.append("")
        out += [f"- {note}" for note in self.notes]
        if self.seconds:
            out.append(f"- Took {self.seconds:.1f} s.")
        return "\n".join(out).rstrip() + "\n"


    def _numeric(self, column: int) -> bool:
        """Whether every cell of ``column`` is a number (right-aligned)."""
        cells = [row[column].rstrip("%") for row in self.rows]
        return all(_is_number(c) for c in cells)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def machine() -> list[tuple[str, str]]:
    """What the figures were measured on: machine, versions, commit, date."""
    versions = ", ".join(f"{name} {_version(name)}"
                         for name in ("autotask-fn", "httpx", "psycopg", "redis"))
    return [
        ("Date (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M")),
        ("Git commit", _git_commit()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("Platform", platform.platform()),
        ("CPUs", f"{os.cpu_count()} (load average {_load()} when the page was written)"),
        ("Packages", versions),
        ("PostgreSQL server", _postgres_version()),
        ("Redis server", _redis_version()),
    ]


def _load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "unknown"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git_commit() -> str:
    root = PAGE.parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              timeout=10, check=False)
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src", "bench")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}{' (with uncommitted changes)' if dirty else ''}" if commit else "unknown"


def _postgres_version() -> str:
    from bench.store_ops import DEFAULT_DSN

    try:
        import psycopg

        with psycopg.connect(DEFAULT_DSN, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "unknown"
    except Exception as exc:
        return f"not reachable ({type(exc).__name__})"


def _redis_version() -> str:
    try:
        import redis

        client = redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1)
        version = str(client.info("server").get("redis_version", "unknown"))
        client.close()
        return version
    except Exception as exc:
        return f"not reachable ({type(exc).__name__})"


def render(tables: list[Table], command: str = "python -m bench all") -> str:
    """The whole page."""
    failures = sum(t.failures for t in tables)
    summary = ("Every figure with a target meets it." if not failures
               else f"**{failures} figure(s) miss their target** (marked FAIL below).")
    out = [
        "# Performance",
        "",
        f"Generated by `{command}` (also `nox -s bench`); do not edit by hand. The benchmarks "
        "run over the in-process fakes with the real clients (no network), so call counts are "
        "exact and timings show the library, not Autotask or Field Nation. Targets come from "
        "the project's issues; rows without a target are marked —.",
        "",
        summary,
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {key} | {_cell(value)} |" for key, value in machine()],
        "",
    ]
    return "\n".join(out) + "\n" + "\n".join(t.markdown() for t in tables)


def write(tables: list[Table], path: Path = PAGE) -> Path:
    """Render ``tables`` to ``path`` (default ``docs/performance.md``)."""
    path.write_text(render(tables), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark and regenerate the page (see :mod:`bench.all`)."""
    from bench import all as run_all

    return run_all.main(argv if argv is not None else sys.argv[1:])
