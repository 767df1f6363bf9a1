"""The contract registry as shipped with the package.

``docs/reference/contract.md`` is the registry's home; the docs are not part of the wheel,
so the rows the probe walks are copied into ``_registry.json`` next to this module. A test
of the project checks that the copy equals the page; after adding a row run::

    python -m autotask_fn.probe.registry docs/reference/contract.md

which rewrites the copy.
"""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path

import attrs

__all__ = ["ContractRow", "load_rows", "parse_rows", "rows_json"]

_ROW = re.compile(r"^\|\s*`(?P<id>(?:AT|FN)-[A-Z0-9-]+)`\s*\|(?P<rest>.*)\|\s*$")
_AREA = re.compile(r"^##\s+(?P<area>.+?)\s*$")
_SHIPPED = "_registry.json"


@attrs.frozen
class ContractRow:
    """One row of the contract registry: its id, area (the page's section), the behaviour
    the SDK relies on, and where that is known from."""

    id: str
    area: str
    behaviour: str
    source: str


def parse_rows(text: str) -> list[ContractRow]:
    """The rows of the contract page's tables, in page order (a repeated id keeps its first
    row: the registry test reports the repeat)."""
    rows: list[ContractRow] = []
    seen: set[str] = set()
    area = ""
    for line in text.splitlines():
        heading = _AREA.match(line)
        if heading:
            area = heading["area"]
            continue
        match = _ROW.match(line.strip())
        if not match or match["id"] in seen:
            continue
        cells = [cell.strip() for cell in match["rest"].split("|")]
        seen.add(match["id"])
        rows.append(ContractRow(match["id"], area, cells[0] if cells else "",
                                cells[1] if len(cells) > 1 else ""))
    return rows


def rows_json(rows: list[ContractRow]) -> str:
    """The shipped copy's text for ``rows`` (stable: one row per line, page order)."""
    lines = [json.dumps(attrs.asdict(row), ensure_ascii=False) for row in rows]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def load_rows() -> list[ContractRow]:
    """The rows shipped with the package (a copy of docs/reference/contract.md)."""
    text = resources.files(__package__).joinpath(_SHIPPED).read_text(encoding="utf-8")
    return [ContractRow(**item) for item in json.loads(text)]


def _main(argv: list[str]) -> int:  # pragma: no cover - a maintainer's tool
    if len(argv) != 1:
        print("usage: python -m autotask_fn.probe.registry docs/reference/contract.md",
              file=sys.stderr)
        return 2
    rows = parse_rows(Path(argv[0]).read_text(encoding="utf-8"))
    target = Path(__file__).with_name(_SHIPPED)
    target.write_text(rows_json(rows), encoding="utf-8")
    print(f"{len(rows)} rows written to {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main(sys.argv[1:]))
