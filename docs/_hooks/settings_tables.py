"""MkDocs hook: build the settings reference tables from the settings classes themselves.

A page writes a placeholder such as::

    <!-- settings-table autotask_fn.sync.settings.ConnectorSettings: status_map note_type -->

and gets a Markdown table (Setting | Type | Default | Meaning) of those attrs fields, in the
order given; ``*`` stands for every field of the class not listed in an earlier placeholder
of the same page, so a new setting always appears somewhere. Types come from the annotations,
defaults from the attrs fields, meanings from the attribute docstrings in the source. Names
that no longer exist are skipped, and a class that cannot be imported leaves a short note
instead of a table (either would otherwise break the build while the code moves).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
import re
import textwrap
from collections.abc import Mapping
from typing import Any

import attrs

log = logging.getLogger("mkdocs.hooks.settings_tables")

_PLACEHOLDER = re.compile(r"<!--\s*settings-table\s+([\w.]+)\s*:\s*([^>]*?)\s*-->")
_ROLE = re.compile(r":(?:class|meth|attr|func|mod|data|obj):`~?([^`]+)`")


def _doc_and_types(cls: type) -> tuple[dict[str, str], dict[str, str]]:
    """Attribute docstrings and annotation texts of a class, read from its source."""
    source = textwrap.dedent(inspect.getsource(cls))
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    docs: dict[str, str] = {}
    types: dict[str, str] = {}
    body = node.body
    for i, stmt in enumerate(body):
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name = stmt.target.id
            types[name] = ast.unparse(stmt.annotation)
            nxt = body[i + 1] if i + 1 < len(body) else None
            if (isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)
                    and isinstance(nxt.value.value, str)):
                docs[name] = nxt.value.value
    return docs, types


def _text(doc: str) -> str:
    text = " ".join(inspect.cleandoc(doc).split())
    text = _ROLE.sub(lambda m: f"`{m.group(1).split('.')[-1]}`", text)
    text = text.replace("``", "`")
    return text.replace("|", "\\|")


def _code(value: Any) -> str:
    return f"`{value!r}`".replace("|", "\\|")


def _default(field: attrs.Attribute) -> str:  # type: ignore[type-arg]
    default = field.default
    if default is attrs.NOTHING:
        return "required"
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            return "computed"
        value = default.factory()
    else:
        value = default
    if attrs.has(type(value)):
        return f"`{type(value).__name__}()`"
    if isinstance(value, Mapping):
        if not value:
            return "`{}`"
        if len(repr(dict(value))) <= 50:
            return _code(dict(value))
        grouped: dict[str, list[str]] = {}
        for key, val in value.items():
            grouped.setdefault(repr(val), []).append(f"`{key}`")
        return "; ".join(f"{', '.join(keys)} -> `{val}`" for val, keys in grouped.items())
    if isinstance(value, frozenset | set):
        return "`{" + ", ".join(repr(v) for v in sorted(value, key=str)) + "}`"
    return _code(value)


def _table(cls: type, names: list[str]) -> str:
    fields = {f.name: f for f in attrs.fields(cls)}
    docs, types = _doc_and_types(cls)
    rows = ["| Setting | Type | Default | Meaning |", "|---|---|---|---|"]
    for name in names:
        field = fields.get(name)
        if field is None:
            log.info("settings-table: %s has no field %r (skipped)", cls.__name__, name)
            continue
        kind = types.get(name, "").replace("|", "or")
        rows.append(f"| `{name}` | `{kind}` | {_default(field)} | {_text(docs.get(name, ''))} |")
    return "\n".join(rows) if len(rows) > 2 else "*(no settings)*"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if "settings-table" not in markdown:
        return markdown
    listed: dict[str, set[str]] = {}

    def replace(match: re.Match[str]) -> str:
        path, spec = match.group(1), match.group(2).split()
        module_name, _, class_name = path.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as exc:
            # The code moves while the docs are built: say so on the page, do not fail.
            log.info("settings-table: %s unavailable: %s", path, exc)
            return f"*(The table of `{class_name}` appears here once `{module_name}` provides it.)*"
        seen = listed.setdefault(path, set())
        all_names = [f.name for f in attrs.fields(cls)]
        names: list[str] = []
        for item in spec:
            if item == "*":
                names.extend(n for n in all_names if n not in seen and n not in spec)
            else:
                names.append(item)
        seen.update(names)
        return _table(cls, names)

    # Explicit lists first, so that "*" knows every name listed anywhere on the page.
    for match in _PLACEHOLDER.finditer(markdown):
        if "*" not in match.group(2).split():
            listed.setdefault(match.group(1), set()).update(match.group(2).split())
    explicit = {k: set(v) for k, v in listed.items()}
    listed.clear()

    def replace_all(match: re.Match[str]) -> str:
        path = match.group(1)
        listed.setdefault(path, set()).update(explicit.get(path, set()))
        return replace(match)

    return _PLACEHOLDER.sub(replace_all, markdown)
