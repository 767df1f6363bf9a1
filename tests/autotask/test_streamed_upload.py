"""Streamed attachment uploads: the body is built while the file downloads, with an exact
Content-Length, stopped before completion on a size mismatch, and rebuilt on a retry."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from autotask_fn.autotask import AutotaskValidationError
from autotask_fn.autotask.errors import AutotaskUploadSizeError
from autotask_fn.autotask.upload import StreamedBase64, streamed_body

from .conftest import reply

FIELDS = {"parentID": 7, "parentType": 4, "title": "Photo \u00e9", "attachmentType":
          "FILE_ATTACHMENT", "fullPath": "photo.jpg", "publish": 1}


class Download:
    """A download that can be opened several times; counts opens and closes."""

    def __init__(self, data: bytes, chunk: int = 7) -> None:
        self.data, self.chunk = data, chunk
        self.opened = self.closed = 0

    @contextmanager
    def open(self) -> Iterator[Iterator[bytes]]:
        self.opened += 1
        try:
            yield (self.data[i:i + self.chunk] for i in range(0, len(self.data), self.chunk))
        finally:
            self.closed += 1


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 1000, 65537])
def test_the_body_is_the_json_of_the_fields_with_the_base64_and_its_exact_length(
        size: int) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    data = data[:size]
    download = Download(data)
    streamed = streamed_body({**FIELDS, "data": StreamedBase64(download.open, size)})
    assert streamed is not None
    length, chunks = streamed
    body = b"".join(chunks)
    assert len(body) == length
    assert json.loads(body) == {**FIELDS, "data": base64.b64encode(data).decode()}


def test_a_create_streams_the_body_with_its_content_length(make_client) -> None:
    data = b"\xff\xd8jpeg" * 5000
    download = Download(data, chunk=4096)
    seen: list[tuple[str | None, bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers.get("Content-Length"), request.content))
        return reply({"itemId": 31})

    client, _ = make_client(handler)
    fields = {**FIELDS, "data": StreamedBase64(download.open, len(data))}
    assert client.create("TicketAttachments", fields, budget_cleared=True) == 31
    (length, body), = seen
    assert length == str(len(body))
    assert base64.b64decode(json.loads(body)["data"]) == data
    assert (download.opened, download.closed) == (1, 1)


@pytest.mark.parametrize("actual", [b"x" * 99, b"x" * 101])
def test_a_download_of_another_size_stops_the_body_before_it_is_complete(
        make_client, actual: bytes) -> None:
    download = Download(actual, chunk=10)
    calls: list[httpx.Request] = []
    client, _ = make_client(lambda r: calls.append(r) or reply({"itemId": 1}))
    fields = {**FIELDS, "data": StreamedBase64(download.open, 100)}
    with pytest.raises(AutotaskUploadSizeError) as info:
        client.create("TicketAttachments", fields, budget_cleared=True)
    assert isinstance(info.value, AutotaskValidationError)  # refused before acting
    assert not info.value.ambiguous
    assert "data:" in str(info.value)
    assert "100 were announced" in str(info.value)
    assert calls == []  # the server never got a whole request
    assert download.closed == download.opened == 1


def test_a_retry_reopens_the_download_and_rebuilds_the_body(make_client, sleeps) -> None:
    data = b"receipt" * 300
    download = Download(data)
    answers = [reply({"errors": ["Itgenatr005 thread threshold exceeded"]}, 429),
               reply({"itemId": 12})]
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return answers.pop(0)

    client, _ = make_client(handler)
    fields = {**FIELDS, "data": StreamedBase64(download.open, len(data))}
    assert client.create("TicketAttachments", fields, budget_cleared=True) == 12
    assert download.opened == 2
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert base64.b64decode(json.loads(bodies[1])["data"]) == data


def test_the_budget_counts_the_announced_size(make_client) -> None:
    asked: list[int] = []

    class Budget:
        def attachment_budget(self, nbytes: int) -> float:
            asked.append(nbytes)
            return 0.0

    data = b"z" * 1234
    client, _ = make_client(lambda r: reply({"itemId": 5}))
    client._limiter.attachment_budget = Budget().attachment_budget  # type: ignore[method-assign]
    client.create("TicketAttachments",
                  {**FIELDS, "data": StreamedBase64(Download(data).open, len(data))})
    assert asked == [1234]
