"""Regenerate ``fieldnation_v2_shapes.json`` from Field Nation's published connector.

Field Nation publishes, in ``fieldnation/mulesoft-v2-connector``, the swagger-codegen models of
its "Field Nation V2 API" (``src/main/java/com/fieldnation/models/*.java``; JSON keys in
``@SerializedName``) and a metadata tree inferred from a real REST v2 work-order response
(``catalog/types/custom/workorder_response__md__custom_type__.xml``). This script reads both
from a git directory of that repository and writes the field names and types only (facts, no
code)::

    python tests/fieldnation/published/extract.py /path/to/mulesoft-v2-connector.git

It is a maintenance tool: the tests read the JSON file, never the repository.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPOSITORY = "fieldnation/mulesoft-v2-connector"
MODELS = "src/main/java/com/fieldnation/models"
RESPONSE_XML = "catalog/types/custom/workorder_response__md__custom_type__.xml"
ROOTS = ("WorkOrder", "TimeLogs", "Expenses", "Messages", "AttachmentFolders", "Signatures",
         "CustomFields", "Contacts")
OUT = Path(__file__).with_name("fieldnation_v2_shapes.json")

_FIELD = re.compile(r'@SerializedName\("(?P<key>[^"]+)"\)\s*private\s+'
                    r"(?P<type>[\w.<>, ]+?)\s+\w+\s*=")
_ENUM = re.compile(r"public enum (?P<name>\w+) \{(?P<body>.*?);", re.S)
_ENUM_VALUE = re.compile(r'\w+\("(?P<value>[^"]*)"\)')
_SCALARS = {"Integer": "integer", "Long": "integer", "BigDecimal": "number", "Double": "number",
            "Float": "number", "String": "string", "Boolean": "boolean",
            "java.util.Date": "date", "OffsetDateTime": "date", "Object": "any",
            "java.io.File": "object"}


def _git(gitdir: str, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], check=True,
                          capture_output=True, text=True).stdout


def _type(java: str, enums: dict[str, list[str]]) -> str:
    java = java.strip()
    if java.startswith("List<"):
        return "list<" + _type(java[5:-1], enums) + ">"
    if java in _SCALARS:
        return _SCALARS[java]
    if java in enums:
        return "string"  # enums travel as their string values
    return java


def model(gitdir: str, commit: str, name: str) -> dict[str, object]:
    """One model: key -> type, plus enum values by key."""
    text = _git(gitdir, "show", f"{commit}:{MODELS}/{name}.java")
    enums = {m["name"]: _ENUM_VALUE.findall(m["body"]) for m in _ENUM.finditer(text)}
    fields: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for match in _FIELD.finditer(text):
        java = match["type"].strip()
        fields[match["key"]] = _type(java, enums)
        inner = java[5:-1] if java.startswith("List<") else java
        if inner in enums:
            values[match["key"]] = enums[inner]
    out: dict[str, object] = {"fields": fields}
    extends = re.search(r"public class \w+ extends ArrayList<(?P<item>\w+)>", text)
    if extends:
        out["list_of"] = _type(extends["item"], enums)
    if values:
        out["enums"] = values
    return out


def models(gitdir: str, commit: str) -> dict[str, object]:
    """Every model reachable from :data:`ROOTS`."""
    found: dict[str, object] = {}
    todo = list(ROOTS)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found[name] = entry = model(gitdir, commit, name)
        kinds = [*entry["fields"].values(), str(entry.get("list_of", ""))]  # type: ignore[attr-defined]
        for kind in kinds:
            inner = re.sub(r"^(list<)+|>+$", "", kind)
            if inner[:1].isupper():
                todo.append(inner)
    return dict(sorted(found.items()))


def response_paths(gitdir: str, commit: str) -> dict[str, str]:
    """Paths of the work-order response tree (``a.b[].c`` -> type)."""
    root = ET.fromstring(_git(gitdir, "show", f"{commit}:{RESPONSE_XML}"))
    out: dict[str, str] = {}

    def walk(node: ET.Element, path: str) -> None:
        kind = node.findtext("dataType") or "?"
        fields = node.find("fields")
        if kind == "LIST":
            out[path] = "list"
            inner = node.find("model")
            if inner is not None:
                walk(inner, path + "[]")
        elif fields is not None:
            if path:
                out[path] = "object"
            for field in fields.findall("org.mule.common.metadata.DefaultMetaDataField"):
                sub = field.find("model")
                if sub is not None:
                    walk(sub, f"{path}.{field.findtext('name')}" if path else
                         str(field.findtext("name")))
        else:
            out[path] = kind.lower()

    top = root.find("metadataModel")
    assert top is not None
    walk(top, "")
    return out


def main(gitdir: str) -> None:
    """Write the JSON file next to this script."""
    commit = _git(gitdir, "rev-parse", "HEAD").strip()
    data = {
        "provenance": {
            "repository": REPOSITORY, "commit": commit,
            "models": f"{MODELS}/<Name>.java (swagger-codegen, OpenAPI 2.0.0, "
                      "'Field Nation V2 API'; keys from @SerializedName)",
            "response": RESPONSE_XML + " (MuleSoft metadata inferred from a real REST v2 "
                                       "work-order response)",
            "roots": list(ROOTS),
            "types": "integer, number, string, boolean, date (java.util.Date), any (Object), "
                     "object (java.io.File), list<T>, or another model's name",
        },
        "models": models(gitdir, commit),
        "response_paths": response_paths(gitdir, commit),
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
