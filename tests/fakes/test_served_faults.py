"""Injected faults look the same over a real socket as in process."""

from __future__ import annotations

import httpx
import pytest

from autotask_fn.testing import FakeFieldNation, serve


def test_an_injected_timeout_served_over_a_socket_drops_the_connection(
    capfd: pytest.CaptureFixture[str],
) -> None:
    fake = FakeFieldNation()
    server = serve(fake)
    url = f"http://127.0.0.1:{server.server_address[1]}/authentication/api/oauth/token"
    try:
        fake.fail_next(r"/oauth/token", timeout=True)
        with pytest.raises(httpx.TransportError):  # no answer at all, not a 500
            httpx.post(url, data={"grant_type": "password"}, timeout=5)
        answer = httpx.post(url, data={"grant_type": "password"}, timeout=5)
        assert answer.status_code != 500  # the next request is served normally
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in capfd.readouterr().err
