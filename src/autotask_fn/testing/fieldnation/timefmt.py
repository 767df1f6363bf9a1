"""Field Nation's date form: ``{"utc": "YYYY-MM-DD HH:mm:ss"}`` objects, nothing else.

The reference (§8) says plain date strings are rejected; the fake refuses them with a 400.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from autotask_fn.testing.fieldnation.problems import bad_request

FN_FORMAT = "%Y-%m-%d %H:%M:%S"


def fmt(when: datetime) -> str:
    """``2026-01-05 09:00:00`` (UTC)."""
    return when.astimezone(UTC).strftime(FN_FORMAT)


def utc_obj(when: datetime | None) -> dict[str, str] | None:
    """``{"utc": "YYYY-MM-DD HH:mm:ss"}`` or ``None``."""
    return None if when is None else {"utc": fmt(when)}


def parse_utc_obj(value: Any, field: str) -> datetime:
    """Parse a ``{"utc": "YYYY-MM-DD HH:mm:ss"}`` object; anything else is a 400."""
    if not isinstance(value, dict) or not isinstance(value.get("utc"), str):
        raise bad_request(
            f"Invalid date for '{field}': expected an object {{\"utc\": \"YYYY-MM-DD HH:mm:ss\"}}."
        )
    try:
        return datetime.strptime(value["utc"], FN_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise bad_request(
            f"Invalid date for '{field}': '{value['utc']}' is not 'YYYY-MM-DD HH:mm:ss'."
        ) from None


def iso(when: datetime) -> str:
    """ISO 8601 with offset, as webhook timestamps are written."""
    return when.astimezone(UTC).isoformat(timespec="seconds")
