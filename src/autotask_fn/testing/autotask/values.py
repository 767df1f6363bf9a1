"""Typed values: coercing JSON input to a field's type, and rendering datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from autotask_fn.testing.autotask.errors import validation
from autotask_fn.testing.autotask.schema import FieldDef


def parse_datetime(value: str) -> datetime:
    """Parse an Autotask datetime (``2023-10-09T02:00:00.00``, ``...Z``); naive means UTC."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """Render like the API does: ``2018-01-23T10:00:00.00Z`` (UTC, two fraction digits)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 10000:02d}Z"


def _number(value: Any) -> Decimal | None:
    """A JSON number (or numeric string) as a finite Decimal; ``None`` for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def coerce(field: FieldDef, value: Any) -> Any:
    """Check ``value`` against the field's type; return the stored form (or raise)."""
    if value is None:
        return None
    kind = field.data_type
    bad = validation(f"Invalid value for field {field.name}: expected {kind}.")
    if kind in ("integer", "long", "decimal", "double"):
        number = _number(value)
        if number is None:
            raise bad
        if kind in ("decimal", "double"):
            return float(number)
        if number != number.to_integral_value():
            raise bad
        return int(number)
    if kind == "boolean":
        # Booleans must be JSON true/false (reference §2): strings and numbers are refused.
        if isinstance(value, bool):
            return value
        raise bad
    if kind == "datetime":
        if not isinstance(value, str):
            raise bad
        try:
            moment = parse_datetime(value)
        except ValueError:
            raise bad from None
        if field.date_only:
            # Date-only fields keep the written date and set the time to midnight, with no
            # time-zone conversion (reference §2).
            moment = datetime.fromisoformat(value.strip()[:10]).replace(tzinfo=UTC)
        return format_datetime(moment)
    if not isinstance(value, str):
        raise bad
    return value
