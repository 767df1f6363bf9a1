"""The contract registry: docs/reference/contract.md, the fakes' rules and the tests agree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from autotask_fn.testing import contract

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "reference" / "contract.md"
ROW = re.compile(r"^\|\s*`(?P<id>(?:AT|FN)-[A-Z0-9-]+)`\s*\|(?P<rest>.*)\|\s*$")


def registry_rows(text: str) -> dict[str, list[str]]:
    """Rows of the contract page: id -> its five cells after the id."""
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = ROW.match(line.strip())
        if match:
            assert match["id"] not in rows, f"row {match['id']} appears twice"
            rows[match["id"]] = [cell.strip() for cell in match["rest"].split("|")]
    return rows


def marked_ids(root: Path) -> dict[str, list[str]]:
    """Contract ids named by ``pytest.mark.contract(...)`` in the tests, with where."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            if node.func.attr != "contract" or not (
                isinstance(owner, ast.Attribute) and owner.attr == "mark"
            ):
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    where = f"{path.relative_to(root).as_posix()}:{node.lineno}"
                    found.setdefault(arg.value, []).append(where)
    return found


def registry_problems(
    rows: dict[str, list[str]],
    fake_rules: dict[str, tuple[str, ...]],
    markers: dict[str, list[str]],
) -> list[str]:
    """Everything that keeps the page, the fakes and the tests from agreeing."""
    problems: list[str] = []
    for cid, cells in rows.items():
        if not contract.CONTRACT_ID.match(cid):
            problems.append(f"{cid}: not a well-formed contract id")
        if len(cells) != 5 or not all(cells):
            problems.append(f"{cid}: needs behaviour, source, SDK code, fake rule and test")
        if cid not in fake_rules:
            problems.append(f"{cid}: no fake rule carries this id")
        if cid not in markers:
            problems.append(f"{cid}: no test is marked pytest.mark.contract({cid!r})")
    for cid, where in fake_rules.items():
        if cid not in rows:
            problems.append(f"{cid}: fake rule {where} names an id with no row")
    for cid, where in markers.items():
        if cid not in rows:
            problems.append(f"{cid}: test {where} marks an id with no row")
    return problems


def test_the_page_the_fakes_and_the_tests_agree() -> None:
    contract.load_all()
    rows = registry_rows(PAGE.read_text(encoding="utf-8"))
    problems = registry_problems(rows, contract.registered_rules(), marked_ids(ROOT / "tests"))
    assert not problems, "\n".join(problems)


def test_each_kind_of_disagreement_is_reported() -> None:
    page = (
        "| `AT-ONE` | b | vendor | c | rule | test |\n"
        "| `AT-TWO` | b | unconfirmed | c | rule | test |\n"
        "| `AT-THREE` | b |  | c | rule | test |\n"
    )
    rows = registry_rows(page)
    assert sorted(rows) == ["AT-ONE", "AT-THREE", "AT-TWO"]
    problems = registry_problems(
        rows,
        {"AT-ONE": ("fake.one",), "AT-THREE": ("fake.three",), "FN-STRAY": ("fake.stray",)},
        {"AT-ONE": ["t.py:1"], "AT-TWO": ["t.py:2"], "AT-THREE": ["t.py:3"], "AT-GHOST": ["t:4"]},
    )
    assert problems == [
        "AT-TWO: no fake rule carries this id",
        "AT-THREE: needs behaviour, source, SDK code, fake rule and test",
        "FN-STRAY: fake rule ('fake.stray',) names an id with no row",
        "AT-GHOST: test ['t:4'] marks an id with no row",
    ]


def test_rules_and_markers_are_found_where_they_are_written(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text(
        "import pytest\n\n@pytest.mark.contract('AT-X', 'FN-Y')\ndef test_x(): pass\n"
    )
    assert marked_ids(tmp_path) == {"AT-X": ["test_x.py:3"], "FN-Y": ["test_x.py:3"]}

    @contract.contract_rule("AT-REGISTRY-SELFTEST")
    def rule() -> None:
        """A rule registered by this test only."""

    assert contract.registered_rules()["AT-REGISTRY-SELFTEST"] == (
        f"{__name__}.test_rules_and_markers_are_found_where_they_are_written.<locals>.rule",
    )
    contract._RULES.pop("AT-REGISTRY-SELFTEST")


def test_the_registry_refuses_a_malformed_id() -> None:
    import pytest

    with pytest.raises(ValueError, match="not a contract id"):
        contract.contract_value("paging", 1)
