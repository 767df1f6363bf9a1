"""Text helpers: Field Nation HTML to plain text, and cutting text to an Autotask field length.

Field Nation descriptions are HTML; Autotask text fields are plain text with a maximum length
given by field metadata. :func:`html_to_text` keeps paragraphs, line breaks and list items as
lines and drops everything else; :func:`fit` cuts a text to a length **without ever cutting the
marker** that has to travel with it.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Literal

__all__ = ["ELLIPSIS", "fit", "html_to_text", "normalize_whitespace"]

#: Appended where a text was cut.
ELLIPSIS = "…"

_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "section", "article", "header", "footer", "hr", "dd", "dt",
})
_SKIP_TAGS = frozenset({"script", "style", "head", "title"})
#: Blocks that start a new line but leave no blank line after them.
_LINE_TAGS = frozenset({"li", "br", "tr", "dd", "dt"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS and tag not in _LINE_TAGS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def normalize_whitespace(text: str) -> str:
    """Collapse runs of spaces inside lines, strip lines, and keep at most one blank line."""
    lines = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def html_to_text(value: str | None) -> str:
    """Field Nation HTML (or plain text) as plain text: blocks become lines, entities decoded."""
    if not value:
        return ""
    if "<" not in value:
        return normalize_whitespace(html.unescape(value))
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    return normalize_whitespace("".join(parser.parts))


def fit(
    text: str,
    limit: int | None,
    marker: str | None = None,
    *,
    marker_at: Literal["start", "end"] = "end",
    separator: str = " ",
) -> str:
    """``text`` with ``marker`` attached, cut to at most ``limit`` characters.

    Only the text is ever cut (ending in :data:`ELLIPSIS`); the marker stays whole. With no
    ``limit`` (``None`` or 0: unknown length) nothing is cut. Raises ``ValueError`` when the
    marker alone does not fit, since a record without its marker could be created twice.
    """
    text = text.strip()
    if not marker:
        return _cut(text, limit)
    if limit and len(marker) > limit:
        raise ValueError(f"marker {marker!r} is longer than the field ({limit} characters)")
    room = None if not limit else limit - len(marker) - len(separator)
    if (room is not None and room <= 0) or not text:
        return marker
    body = _cut(text, room)
    return f"{marker}{separator}{body}" if marker_at == "start" else f"{body}{separator}{marker}"


def _cut(text: str, limit: int | None) -> str:
    if not limit or len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return text[:limit]
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS
