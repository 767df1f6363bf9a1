"""Streamed attachment uploads: the JSON body is produced chunk by chunk while the file
downloads, so the library never holds the file, its base64 text and the request body at once.

An attachment's ``data`` field given as :class:`StreamedBase64` (how to open the download,
and the size the file's source reports) makes :meth:`AutotaskClient.create
<autotask_fn.autotask.AutotaskClient.create>` send::

    {"<the other fields>", "data": "<base64 of each downloaded chunk, as it comes>"}

with an exact ``Content-Length`` computed from the announced size. Should the download
deliver more or fewer bytes, the body stops before it is complete (the server never gets a
whole request) and :class:`~autotask_fn.autotask.errors.AutotaskUploadSizeError` names the
field. Each attempt (a retry after a refusal or a failed connect) opens the download anew.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

__all__ = ["StreamedBase64", "UploadSizeMismatch", "streamed_body"]


class UploadSizeMismatch(Exception):
    """The download delivered ``received`` bytes where ``expected`` were announced."""

    def __init__(self, field: str, expected: int, received: int, complete: bool) -> None:
        more = "at least " if not complete else ""
        super().__init__(f"{field}: the source sent {more}{received} bytes, "
                         f"{expected} were announced")
        self.field, self.expected, self.received = field, expected, received


class StreamedBase64:
    """Bytes to send base64-encoded, read from a download opened per attempt.

    ``open()`` returns a context manager yielding an iterable of byte chunks (for example
    ``lambda: fieldnation.stream(link)``); ``size`` is the size the source reports.
    """

    def __init__(self, open: Callable[[], AbstractContextManager[Iterable[bytes]]],
                 size: int) -> None:
        if size < 0:
            raise ValueError("size must not be negative")
        self._open = open
        self.size = size

    def __repr__(self) -> str:
        return f"StreamedBase64(size={self.size})"

    @property
    def encoded_length(self) -> int:
        """Characters of the base64 text (with padding)."""
        return 4 * ((self.size + 2) // 3)

    def chunks(self, field: str = "data") -> Iterator[bytes]:
        """Base64 of the download, chunk by chunk; raises :class:`UploadSizeMismatch` before
        the last chunk when the byte count differs from :attr:`size`."""
        received, rest = 0, b""
        with self._open() as raw:
            for chunk in raw:
                received += len(chunk)
                if received > self.size:
                    raise UploadSizeMismatch(field, self.size, received, complete=False)
                data = rest + chunk
                cut = len(data) - len(data) % 3
                if cut:
                    yield base64.b64encode(data[:cut])
                rest = data[cut:]
        if received != self.size:
            raise UploadSizeMismatch(field, self.size, received, complete=True)
        if rest:
            yield base64.b64encode(rest)


def streamed_body(fields: Any) -> tuple[int, Generator[bytes, None, None]] | None:
    """``(Content-Length, body chunks)`` for a JSON object with one :class:`StreamedBase64`
    value; ``None`` for anything else (sent as ordinary JSON)."""
    if not isinstance(fields, Mapping):
        return None
    streamed = [(k, v) for k, v in fields.items() if isinstance(v, StreamedBase64)]
    if not streamed:
        return None
    if len(streamed) > 1:
        raise ValueError("only one field of a request can be streamed")
    key, value = streamed[0]
    rest = {k: v for k, v in fields.items() if k != key}
    head = json.dumps(rest, separators=(",", ":"))  # ASCII: one byte per character
    prefix = (head[:-1] + ("," if rest else "") + json.dumps(key) + ':"').encode("ascii")
    suffix = b'"}'

    def body() -> Generator[bytes, None, None]:
        yield prefix
        yield from value.chunks(str(key))
        yield suffix

    return len(prefix) + value.encoded_length + len(suffix), body()
