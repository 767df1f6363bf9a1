"""Helpers for Field Nation client tests that run against ``httpx.MockTransport``.

``StubFN`` answers the token endpoint like Field Nation (form-encoded password grant, one-hour
tokens) and hands every other request to a test-supplied handler, recording all requests.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from autotask_fn.fieldnation import FieldNationClient

BASE = "https://api-sandbox.fndev.net"
CLIENT_ID, CLIENT_SECRET = "cid-123", "csecret-topsecret-456"
USERNAME, PASSWORD = "api@example.com", "pw-hunter2-789"

Handler = Callable[[httpx.Request], httpx.Response]


class FakeClock:
    """A movable clock."""

    def __init__(self, now: float = 1_767_225_600.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class StubFN:
    """Token endpoint + a per-test handler for everything else."""

    def __init__(self, handler: Handler | None = None, expires_in: int = 3600) -> None:
        self.handler = handler or (lambda r: httpx.Response(404, json={"message": "no route"}))
        self.expires_in = expires_in
        self.requests: list[httpx.Request] = []
        self.token_requests: list[httpx.Request] = []
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self.token_delay: Callable[[], None] | None = None
        self.issued: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        if request.url.path == "/authentication/api/oauth/token":
            with self._lock:
                self.token_requests.append(request)
                token = f"tok-{next(self._counter)}-secretvalue"
                self.issued.append(token)
            if self.token_delay:
                self.token_delay()
            return httpx.Response(200, json={"access_token": token, "expires_in": self.expires_in,
                                             "token_type": "Bearer", "refresh_token": "r-x"})
        return self.handler(request)

    def api_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != "/authentication/api/oauth/token"]


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def body(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


def make_client(stub: StubFN, clock: FakeClock | None = None, **kwargs: Any) -> FieldNationClient:
    kwargs.setdefault("sleep", lambda s: None)
    return FieldNationClient(CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD,
                             transport=httpx.MockTransport(stub), clock=clock or FakeClock(),
                             **kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
