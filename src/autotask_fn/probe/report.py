"""The probe's report: one :class:`RowResult` per registry row, a summary, and the redacted
JSON a user attaches to a bug report."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from autotask_fn._redact import REDACTED, redact_text

__all__ = ["Outcome", "ProbeReport", "RowResult", "StaysRecord", "redact_value"]


class Outcome(enum.Enum):
    """What the probe found for one row."""

    OK = "ok"
    DIFFERS = "differs"
    NOT_CHECKED = "not checked"


@attrs.frozen
class RowResult:
    """The probe's answer for one registry row.

    ``expected`` is what the row (and the fake) says, ``observed`` what the tenant answered;
    ``why`` says why a row was not checked (``not checkable: ...`` for rows no probe can
    check, anything else for a probe that could not run on this tenant).
    """

    id: str
    outcome: Outcome
    expected: str = ""
    observed: str = ""
    why: str = ""

    def line(self) -> str:
        """The row as one line of the human report."""
        if self.outcome is Outcome.NOT_CHECKED:
            return f"{self.id}: not checked ({self.why})"
        return (f"{self.id}: {self.outcome.value}: expected {self.expected}; "
                f"observed {self.observed}")


@attrs.frozen
class StaysRecord:
    """A record ``--write`` created and could not delete (closed or marked instead)."""

    service: str
    entity: str
    id: int | str
    state: str


@attrs.define
class ProbeReport:
    """What ``autotask-fn probe`` found: one result per registry row, in registry order.

    ``write`` holds the answers of ``--write`` (``None`` for a read-only run); ``stays``
    lists every record the write run left behind, with its id.
    """

    rows: list[RowResult]
    write: list[RowResult] | None = None
    stays: list[StaysRecord] = attrs.Factory(list)
    tenant: dict[str, Any] = attrs.Factory(dict)

    def by_id(self) -> dict[str, RowResult]:
        """The results keyed by row id."""
        return {row.id: row for row in self.rows}

    def count(self, outcome: Outcome) -> int:
        """How many rows (write checks included) came out as ``outcome``."""
        return sum(r.outcome is outcome for r in self.all_results())

    def all_results(self) -> list[RowResult]:
        """The registry rows followed by the ``--write`` checks."""
        return [*self.rows, *(self.write or [])]

    @property
    def differs(self) -> list[str]:
        """Ids of the rows (and write checks) that differ."""
        return [r.id for r in self.all_results() if r.outcome is Outcome.DIFFERS]

    @property
    def ok(self) -> bool:
        """True when nothing differs."""
        return not self.differs

    def summary(self) -> str:
        """The human report: one line per row, the records left behind, a summary line."""
        lines = [r.line() for r in self.rows]
        if self.write is not None:
            lines.append("")
            lines.append("--write:")
            lines.extend(r.line() for r in self.write)
            if self.stays:
                lines.append("records left behind (could not be deleted):")
                lines.extend(f"  {s.service} {s.entity} {s.id}: {s.state}" for s in self.stays)
            else:
                lines.append("records left behind: none")
        lines.append("")
        lines.append(
            f"{self.count(Outcome.OK)} ok, {self.count(Outcome.DIFFERS)} differ, "
            f"{self.count(Outcome.NOT_CHECKED)} not checked")
        return "\n".join(lines)

    def to_json(self, secrets: Iterable[str] = ()) -> dict[str, Any]:
        """The report as plain JSON values, with ``secrets``, tokens, e-mail addresses and
        phone numbers redacted (safe to attach to a bug report)."""
        data = {
            "ok": self.ok,
            "summary": {o.name.lower(): self.count(o) for o in Outcome},
            "differs": self.differs,
            "tenant": self.tenant,
            "rows": [_row(r) for r in self.rows],
            "write": None if self.write is None else [_row(r) for r in self.write],
            "stays": [attrs.asdict(s) for s in self.stays],
        }
        redacted: dict[str, Any] = redact_value(data, tuple(secrets))
        return redacted


def _row(result: RowResult) -> dict[str, Any]:
    return {"id": result.id, "outcome": result.outcome.value, "expected": result.expected,
            "observed": result.observed, "why": result.why}


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: Phone numbers as people write them: ``+1 555 123 4567``, ``(555) 123-4567``,
#: ``555.123.4567``, ``+15551234567`` (never dates or times, which share the digits).
_PHONE = re.compile(r"(?<![\w.:/-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}"
                    r"(?![\w.:/-])|(?<![\w.:/-])\+\d{8,15}(?![\w.:/-])")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[\w.~+/=-]+")
_TOKEN_KEYS = frozenset({"access_token", "refresh_token", "token", "secret", "password",
                         "client_secret", "secretkey", "authorization"})


def redact_value(value: Any, secrets: tuple[str, ...] = ()) -> Any:
    """``value`` (JSON values) with secrets, tokens, e-mail addresses and phone numbers
    replaced by ``[REDACTED]``, in keys' values and inside text alike."""
    if isinstance(value, Mapping):
        return {k: (REDACTED if str(k).lower() in _TOKEN_KEYS and v else
                    redact_value(v, secrets)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v, secrets) for v in value]
    if isinstance(value, str):
        text = redact_text(value, secrets)
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
        text = _EMAIL.sub(REDACTED, text)
        return _PHONE.sub(REDACTED, text)
    return value
