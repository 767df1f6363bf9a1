"""Reading webhook bodies as JSON, with a reason that says what is wrong with a bad one."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BodyError", "load_body"]


class BodyError(ValueError):
    """A body that is not readable JSON; the text says why (not UTF-8, nested too deeply,
    a number too large, not JSON)."""


def load_body(data: bytes) -> Any:
    """``data`` as JSON; raises :class:`BodyError` with the reason otherwise."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("not UTF-8") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise BodyError("JSON nested too deeply") from None
    except ValueError as exc:
        if "digits" in str(exc):  # int() refuses numbers of more than 4300 digits
            raise BodyError("JSON with a number too large (too many digits)") from None
        raise BodyError("not JSON") from None
