"""The probe covers the registry: each row has a check or a stated reason, and the copy of
the registry shipped in the package is the docs page."""

from __future__ import annotations

from pathlib import Path

from autotask_fn.probe.checks import registered_checks
from autotask_fn.probe.registry import ContractRow, load_rows, parse_rows, rows_json
from autotask_fn.probe.unchecked import NOT_CHECKABLE

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reference" / "contract.md"


def test_the_shipped_registry_is_the_docs_page() -> None:
    assert load_rows() == parse_rows(PAGE.read_text(encoding="utf-8")), (
        "the registry shipped with the package is stale: run "
        "'python -m autotask_fn.probe.registry docs/reference/contract.md'")


def test_every_row_has_a_check_or_a_reason_and_never_both() -> None:
    checks = registered_checks()
    rows = parse_rows(PAGE.read_text(encoding="utf-8"))
    uncovered = [r.id for r in rows if r.id not in checks and r.id not in NOT_CHECKABLE]
    both = sorted(set(checks) & set(NOT_CHECKABLE))
    assert not uncovered, f"rows with neither a probe nor a 'not checkable' reason: {uncovered}"
    assert not both, f"rows with a probe and a reason: {both}"


def test_every_check_and_every_reason_names_a_row() -> None:
    rows = {r.id for r in parse_rows(PAGE.read_text(encoding="utf-8"))}
    strays = sorted((set(registered_checks()) | set(NOT_CHECKABLE)) - rows)
    assert not strays, f"probes or reasons for ids with no row in the registry: {strays}"


def test_rows_are_read_with_their_area_and_copied_stably() -> None:
    page = ("## Autotask: queries\n\n| ID | a | b | c | d | e |\n|---|\n"
            "| `AT-ONE` | pages of 500 | vendor | x | y | z |\n\n## Field Nation: messages\n"
            "| `FN-TWO` | audience | unconfirmed | x | y | z |\n"
            "| `AT-ONE` | again | v | x | y | z |\n")
    rows = parse_rows(page)
    assert rows == [ContractRow("AT-ONE", "Autotask: queries", "pages of 500", "vendor"),
                    ContractRow("FN-TWO", "Field Nation: messages", "audience", "unconfirmed")]
    assert rows_json(rows).count("\n") == 4  # one row per line between the brackets
