"""Shared helpers for the Autotask client tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from autotask_fn.autotask import AutotaskClient, clear_metadata_cache, clear_zone_cache

USER = "api-user@example.com"
SECRET = "s3cr3t-P4ssw0rd-value"
CODE = "INTEGRATION-CODE-27CHARSXYZ1"
BASE = "https://webservices99.autotask.net/ATServicesRest/"


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    clear_zone_cache()
    clear_metadata_cache()
    yield
    clear_zone_cache()
    clear_metadata_cache()


class Sleeps(list[float]):
    """Collects the sleeps the client asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Mock:
    """An ``httpx.MockTransport`` that logs requests and answers with a handler."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


def reply(body: Any = None, status: int = 200, **headers: str) -> httpx.Response:
    """A JSON response."""
    return httpx.Response(status, json=body, headers=headers)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(sleeps: Sleeps) -> Callable[..., tuple[AutotaskClient, Mock]]:
    """Build a client with an explicit base URL over a MockTransport handler."""

    def build(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any
              ) -> tuple[AutotaskClient, Mock]:
        mock = Mock(handler)
        kwargs.setdefault("base_url", BASE)
        client = AutotaskClient(USER, SECRET, CODE, transport=mock.transport, sleep=sleeps,
                                **kwargs)
        return client, mock

    return build


@pytest.fixture
def fake() -> Any:
    """A fresh fake Autotask tenant."""
    from autotask_fn.testing import FakeAutotask

    return FakeAutotask()


@pytest.fixture
def at(fake: Any, sleeps: Sleeps) -> Iterator[AutotaskClient]:
    """A client talking to ``fake`` in process (zone discovered through the fake)."""
    client = AutotaskClient(fake.USERNAME, fake.SECRET, fake.INTEGRATION_CODE,
                            zone_url=fake.zone_url, transport=httpx.WSGITransport(app=fake),
                            sleep=sleeps)
    yield client
    client.close()


@pytest.fixture
def new_ticket(at: AutotaskClient, fake: Any) -> Callable[..., int]:
    """Create a valid ticket through the client and return its id."""

    def create(**fields: Any) -> int:
        body = {"title": "Printer jam", "companyID": fake.seed.company_id, "status": 1,
                "priority": 2, "queueID": fake.seed.queue_id, **fields}
        return at.create("Tickets", body)

    return create
