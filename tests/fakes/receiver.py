"""A webhook receiver on a loopback port that records what the served fakes send it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attrs


@attrs.frozen
class Received:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class Receiver:
    """Answers each request with ``answer(request_number)`` (a status), after ``delay`` s."""

    def __init__(self, answer: Callable[[int], int] = lambda n: 200, delay: float = 0.0) -> None:
        self.answer = answer
        self.delay = delay
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.received.append(Received(self.command, self.path,
                                                  dict(self.headers.items()), body))
                status = receiver.answer(len(receiver.received))
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the fake gave up waiting
                    pass

            def do_POST(self) -> None:
                self._serve()

            def do_PUT(self) -> None:
                self._serve()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def receiving(answer: Callable[[int], int] = lambda n: 200,
              delay: float = 0.0) -> Iterator[Receiver]:
    """A :class:`Receiver` for the length of a ``with`` block."""
    receiver = Receiver(answer, delay)
    try:
        yield receiver
    finally:
        receiver.close()
