"""Files, receipts and signatures as ticket attachments (pure; subclass
:class:`AttachmentMapper` to change one rule).

How a file travels is decided from Field Nation's ``size_bytes`` alone, before anything is
downloaded (:meth:`AttachmentMapper.mode`):

* ``embed``: at most the embed limit: downloaded (streamed) and sent base64-encoded;
* ``url``: larger, and its link carries no token: a URL attachment pointing at the file;
* ``note``: larger, and its link carries a token (never written to Autotask): a TicketNote with
  a link to the work order instead.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from autotask_fn.fieldnation.models import Attachment, Expense, Signature, structure
from autotask_fn.mapping.markers import Marker
from autotask_fn.mapping.text import fit

__all__ = ["AttachmentMapper", "Mode", "StreamEncoder", "carries_token"]

Mode = Literal["embed", "url", "note"]

_TITLE = 255  # TicketAttachments.title
_FULL_PATH = 255  # TicketAttachments.fullPath
_TOKEN_PARAM = re.compile(
    r"(?i)^(access_?token|token|auth|authorization|sig|signature|key|api_?key|jwt|"
    r"x-amz-.*|x-goog-.*|se|sp|sv|code|session.*)$")


def carries_token(url: str | None) -> bool:
    """True when a URL holds something secret (a token-like query parameter, or user info)."""
    if not url:
        return False
    parts = urlsplit(url)
    if parts.username or parts.password:
        return True
    return any(_TOKEN_PARAM.match(name) for name, _ in parse_qsl(parts.query,
                                                                 keep_blank_values=True))


class StreamEncoder:
    """Base64-encodes chunks as they arrive (no second copy of the raw file is kept)."""

    def __init__(self) -> None:
        self._rest = b""
        self._parts: list[str] = []
        self.size = 0

    def feed(self, chunk: bytes) -> None:
        """Encode one chunk (a remainder of up to 2 bytes waits for the next)."""
        self.size += len(chunk)
        data = self._rest + chunk
        cut = len(data) - len(data) % 3
        if cut:
            self._parts.append(base64.b64encode(data[:cut]).decode("ascii"))
        self._rest = data[cut:]

    def result(self) -> str:
        """The whole base64 text."""
        if self._rest:
            self._parts.append(base64.b64encode(self._rest).decode("ascii"))
            self._rest = b""
        text = "".join(self._parts)
        self._parts = [text]
        return text

    @classmethod
    def encode(cls, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Base64 text and raw size of a stream of chunks."""
        encoder = cls()
        for chunk in chunks:
            encoder.feed(chunk)
        return encoder.result(), encoder.size


class AttachmentMapper:
    """Field Nation files, receipts and signatures -> TicketAttachment (or TicketNote) fields."""

    def mode(self, size_bytes: int | None, link: str | None, embed_limit: int) -> Mode:
        """How a file travels, from its size and link only (nothing downloaded)."""
        if size_bytes is not None and 0 <= size_bytes <= embed_limit:
            return "embed"
        if link and not carries_token(link) and len(link) <= _FULL_PATH:
            return "url"
        return "note"

    def receipt(self, expense: Expense) -> Attachment | None:
        """The receipt the expense read shows, if any: ``receipt_url`` (Field Nation's
        Expenses page) or a ``receipt`` file object. ``None`` when the read shows none, which
        is what the published Expense model describes: nothing is assumed."""
        raw_map = expense.raw if isinstance(expense.raw, Mapping) else {}
        url = raw_map.get("receipt_url")
        if isinstance(url, str) and url.strip():
            name = urlsplit(url.strip()).path.rsplit("/", 1)[-1] or None
            return Attachment(name=name, link=url.strip(), raw={"receipt_url": url})
        raw = raw_map.get("receipt")
        if not isinstance(raw, Mapping) or not raw:
            return None
        try:
            found = structure(raw, Attachment)
        except ValueError:
            return None
        return found if (found.link or found.name) else None

    def title(self, marker: Marker, name: str | None) -> str:
        """The attachment title: the marker first, then the file name."""
        return fit(name or "file", _TITLE, marker.text, marker_at="start")

    def file_path(self, name: str | None, fallback: str) -> str:
        """The file name Autotask shows (``fullPath`` of an embedded file)."""
        clean = (name or "").replace("/", "_").replace("\\", "_").strip() or fallback
        return clean[-_FULL_PATH:]

    def attachment(self, marker: Marker, *, ticket_id: int, name: str | None, mode: Mode,
                   link: str | None, publish: int, size: int | None) -> dict[str, Any]:
        """Fields of an embedded or URL attachment, without the data (added at upload).

        ``size`` is part of the fields so a replaced file (same id, new content) differs.
        """
        fields: dict[str, Any] = {
            "parentID": ticket_id, "title": self.title(marker, name), "publish": publish,
        }
        if mode == "url":
            fields.update(attachmentType="URL", fullPath=str(link))
        else:
            fields.update(attachmentType="FILE_ATTACHMENT",
                          fullPath=self.file_path(name, f"{marker.kind}-{marker.id}"))
        fields["_size"] = size
        return fields

    def note(self, marker: Marker, *, ticket_id: int, name: str | None, size: int | None,
             work_order_url: str, note_type: int, publish: int) -> dict[str, Any]:
        """A TicketNote standing for a file too large to embed whose link carries a token."""
        mib = f"{(size or 0) / 1_048_576:.1f} MiB"
        return {
            "ticketID": ticket_id,
            "title": fit(f"Field Nation file: {name or 'file'}", _TITLE, marker.text,
                         marker_at="start"),
            "description": (f"The file {name or ''} ({mib}) is too large to attach. "
                            f"Open it on the work order: {work_order_url}"),
            "noteType": note_type, "publish": publish,
        }

    def signature(self, marker: Marker, signature: Signature, *, ticket_id: int, publish: int
                  ) -> dict[str, Any]:
        """An embedded signature (always public), without the data."""
        who = " ".join(p for p in (signature.name, f"({signature.title})" if signature.title
                                   else None) if p)
        ext = self.signature_data(signature)[1]
        return {"parentID": ticket_id, "title": self.title(marker, f"Signature: {who}".strip()),
                "publish": publish, "attachmentType": "FILE_ATTACHMENT",
                "fullPath": f"signature-{signature.id}.{ext}",
                "_size": len(signature.data or "")}

    def signature_data(self, signature: Signature) -> tuple[bytes, str]:
        """The signature image bytes and extension from its data URI (``b""`` if unreadable)."""
        text = signature.data or ""
        head, _, payload = text.partition(",") if text.startswith("data:") else ("", "", text)
        match = re.match(r"data:image/([a-z0-9.+-]+)", head)
        ext = (match.group(1) if match else "png").replace("jpeg", "jpg").split("+")[0]
        try:
            return base64.b64decode(payload, validate=False), ext
        except (binascii.Error, ValueError):
            return b"", ext
