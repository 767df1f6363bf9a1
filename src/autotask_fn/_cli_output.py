"""What the command line prints: aligned lines and tables for people, one JSON document for
scripts (``--json``).

Every ``--json`` document has the same envelope (``SCHEMA_VERSION`` counts its revisions; a
field is only ever added within one version)::

    {"schema_version": 1, "command": "sweep", "ok": false, "exit_code": 1,
     "result": {...} | null, "error": {"type", "message", "hint"} | null}

``result`` is the command's report as plain JSON values (attrs classes become objects, enums
their value, tuples lists); docs/reference/cli.md lists the shape per command.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

import attrs

__all__ = ["SCHEMA_VERSION", "envelope", "jsonable", "print_json", "table"]

#: The version of the ``--json`` documents (the envelope and every ``result`` shape).
SCHEMA_VERSION = 1


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON values: attrs instances become objects (their fields, plus
    ``writes``/``wrote`` where the class computes them), enums their value, tuples lists,
    bytes text, datetimes ISO 8601."""
    if attrs.has(type(value)):
        data = {f.name: jsonable(getattr(value, f.name)) for f in attrs.fields(type(value))}
        for extra in ("writes", "wrote", "status"):
            prop = getattr(type(value), extra, None)
            if isinstance(prop, property) and extra not in data:
                data[extra] = jsonable(getattr(value, extra))
        return data
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def envelope(command: str, exit_code: int, result: Any = None,
             error: Mapping[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """The ``--json`` document of one command run."""
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION, "command": command, "ok": exit_code == 0,
        "exit_code": exit_code, "result": jsonable(result), "error": jsonable(error),
    }
    doc.update({k: jsonable(v) for k, v in extra.items()})
    return doc


def print_json(out: TextIO, doc: Mapping[str, Any]) -> None:
    """Write one JSON document (indented, one trailing newline)."""
    out.write(json.dumps(doc, indent=2, sort_keys=False) + "\n")
    out.flush()


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    """Rows as left-aligned columns under ``headers`` (no trailing spaces)."""
    text_rows = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in text_rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(list(headers)), *(line(r) for r in text_rows)])


def fields(pairs: Sequence[tuple[str, Any]]) -> str:
    """``name: value`` lines with the values aligned."""
    width = max((len(k) for k, _ in pairs), default=0) + 1
    return "\n".join(f"{(k + ':').ljust(width)} {v}" for k, v in pairs)


# -- human renderings of the sync reports ---------------------------------------------
def render_import(result: Any) -> str:
    """An :class:`~autotask_fn.sync.inbound.ImportResult` as aligned lines."""
    wo = result.work_order_id
    pairs: list[tuple[str, Any]] = [
        ("ticket", f"{result.entity} {result.id}"),
        ("work order", "none (the action map said not to create one)" if wo is None else
         f"{wo} ({'created' if result.created else 'existing'}"
         f"{', link recovered' if result.recovered else ''})"),
        ("changes", ", ".join(result.changes) if result.changes else "none"),
    ]
    if result.autotask_calls is not None or result.fieldnation_calls is not None:
        pairs.append(("API calls", f"Autotask {result.autotask_calls or 0}, "
                                   f"Field Nation {result.fieldnation_calls or 0}"))
    return fields(pairs)


def render_sync(report: Any) -> str:
    """A :class:`~autotask_fn.sync.SyncReport`: one summary line and a table of changes."""
    head = f"work order {report.work_order_id}"
    head += f" -> ticket {report.ticket_id}" if report.ticket_id is not None else ""
    if report.skipped:
        return f"{head}: skipped ({report.skipped})"
    head += f": {report.writes} write(s), {len(report.changes)} change(s)"
    if not report.changes:
        return head
    rows = [(c.kind, c.fn_id, c.action.value, f"{c.at_entity} {c.at_id or ''}".rstrip(),
             ", ".join(c.fields) or (c.detail or "")) for c in report.changes]
    return head + "\n" + _indent(table(rows, ("kind", "FN id", "action", "Autotask",
                                              "fields / detail")))


def render_sweep(report: Any) -> str:
    """A :class:`~autotask_fn.sync.SweepReport`: counts, the work orders written, errors."""
    lines = [fields([
        ("checked", report.checked), ("unchanged", report.unchanged),
        ("synced", f"{report.synced} (something was written)"),
        ("failed", len(report.errors)),
    ])]
    written = [r for r in report.reports if r.writes]
    if written:
        rows = [(r.work_order_id, r.ticket_id or "", r.writes,
                 ", ".join(sorted({c.kind for c in r.changes}))) for r in written]
        lines.append(table(rows, ("work order", "ticket", "writes", "kinds")))
    lines.extend(f"error: {e}" for e in report.errors)
    return "\n".join(lines)


def render_process(report: Any) -> str:
    """A :class:`~autotask_fn.sync.ProcessReport`: counts and errors."""
    lines = [fields([
        ("processed", report.processed), ("succeeded", report.succeeded),
        ("retried", report.retried), ("dead-lettered", report.dead),
    ])]
    lines.extend(f"error: {e}" for e in report.errors)
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())
