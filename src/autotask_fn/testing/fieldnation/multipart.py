"""A small ``multipart/form-data`` reader for uploads (``cgi`` is gone from the stdlib)."""

from __future__ import annotations

import re

from autotask_fn.testing.fieldnation.problems import bad_request

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_DISPOSITION = re.compile(r'(\w+)="([^"]*)"')


def parse_multipart(content_type: str | None, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Return ``{field name: (file name or None, bytes)}``; 400 when it is not multipart."""
    match = _BOUNDARY.search(content_type or "")
    if not (content_type or "").lower().startswith("multipart/form-data") or match is None:
        raise bad_request("Uploads must be multipart/form-data.")
    delimiter = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        part = part.removeprefix(b"\r\n")
        head, sep, data = part.partition(b"\r\n\r\n")
        if not sep:
            raise bad_request("Malformed multipart body.")
        data = data.removesuffix(b"\r\n")
        params: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                params = dict(_DISPOSITION.findall(line))
        if "name" in params:
            fields[params["name"]] = (params.get("filename"), data)
    return fields
