"""Field Nation's published field tree (``published/fieldnation_v2_shapes.json``) and a walker
that compares a JSON value with it.

The tree comes from Field Nation's own repository ``fieldnation/mulesoft-v2-connector``: the
swagger-codegen models of the "Field Nation V2 API" and the metadata tree of a real REST v2
work-order response (provenance inside the file; regenerate with ``published/extract.py``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import attrs

TREE_FILE = Path(__file__).with_name("published") / "fieldnation_v2_shapes.json"


@cache
def published() -> dict[str, Any]:
    """The parsed JSON file (provenance, models, response paths)."""
    data: dict[str, Any] = json.loads(TREE_FILE.read_text(encoding="utf-8"))
    return data


@attrs.define
class Finding:
    """What a walk found: fields the published tree lacks, and values of the wrong type."""

    unknown: dict[str, str] = attrs.field(factory=dict)
    """path -> the value's JSON type, for fields in neither published source."""
    mismatched: dict[str, str] = attrs.field(factory=dict)
    """path -> "published <type>, got <JSON type>"."""


def json_type(value: Any) -> str:
    """The JSON type name of a Python value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "null"


def _fits(kind: str, value: Any) -> bool:
    got = json_type(value)
    if kind == "integer":
        return got == "number" and float(value).is_integer()
    if kind == "date":  # java.util.Date: Field Nation sends {utc, local} objects or a string
        return got in ("object", "string")
    if kind == "any":
        return True
    return {"number": "number", "string": "string", "boolean": "boolean",
            "object": "object"}.get(kind) == got


def walk(value: Any, kind: str, path: str = "", found: Finding | None = None) -> Finding:
    """Compare ``value`` with published type ``kind`` (a model name, ``list<T>`` or a
    scalar); ``path`` is the dotted path of ``value`` in a work order (``a.b[].c``)."""
    found = found if found is not None else Finding()
    if value is None:
        return found  # every published field may be null
    models = published()["models"]
    if kind.startswith("list<"):
        if not isinstance(value, list):
            found.mismatched[path] = f"published {kind}, got {json_type(value)}"
            return found
        for item in value:
            walk(item, kind[5:-1], path + "[]", found)
        return found
    if kind not in models:
        if not _fits(kind, value):
            found.mismatched[path] = f"published {kind}, got {json_type(value)}"
        return found
    model = models[kind]
    if "list_of" in model:
        return walk(value, f"list<{model['list_of']}>", path, found)
    if not isinstance(value, dict):
        found.mismatched[path] = f"published {kind}, got {json_type(value)}"
        return found
    paths = published()["response_paths"]
    for key, item in value.items():
        sub = f"{path}.{key}" if path else key
        if key in model["fields"]:
            walk(item, model["fields"][key], sub, found)
        elif sub not in paths:
            found.unknown[sub] = json_type(item)
    return found
