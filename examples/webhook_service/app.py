"""A complete small host: receives both webhooks and drives the sync.

Run it with any WSGI server, for example the standard library's::

    python -m examples.webhook_service.app        # serves on 127.0.0.1:8080

Routes:

``POST /webhooks/fieldnation``
    Field Nation deliveries. Verified, de-duplicated and queued by
    :meth:`SyncService.handle_fieldnation_webhook`; answered at once with the status it
    returns (Field Nation waits 30 s and never retries a 4xx).
``POST /webhooks/autotask``
    Autotask ticket callouts (optional: only to automate inbound imports). Answered at once
    (Autotask waits 10 s and deactivates a callout after 25 failures).
``GET /healthz``
    ``200`` with the number of pending and dead inbox entries.

The queued work runs in a background :class:`Worker` thread that calls
:meth:`SyncService.process_pending` every second and :meth:`SyncService.sweep` every
``sweep_interval`` seconds. A host with a job system (Celery, RQ, cron, a Kubernetes
CronJob) runs those two calls there instead; see ``docs/guides/many-workers.md``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from autotask_fn import SyncService
from autotask_fn.store import EntryStatus

log = logging.getLogger("webhook_service")

StartResponse = Callable[..., Any]
MAX_BODY = 5 * 1024 * 1024


class WebhookApp:
    """The WSGI application. Holds nothing but the service."""

    def __init__(self, service: SyncService) -> None:
        self.service = service

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        if method == "GET" and path == "/healthz":
            store = self.service.store
            return _json(start_response, 200, {
                "pending": store.count_entries(EntryStatus.PENDING),
                "dead": store.count_entries(EntryStatus.DEAD),
            })
        if method != "POST" or path not in ("/webhooks/fieldnation", "/webhooks/autotask"):
            return _json(start_response, 404, {"error": "not found"})
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            return _json(start_response, 413, {"error": "body too large"})
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items() if key.startswith("HTTP_")
        }
        if path == "/webhooks/fieldnation":
            ack = self.service.handle_fieldnation_webhook(body, headers)
        else:
            ack = self.service.handle_autotask_webhook(body, headers)
        return _json(start_response, ack.status, {"duplicate": ack.duplicate})


class Worker(threading.Thread):
    """Processes the inbox every ``interval`` seconds and sweeps every ``sweep_interval``."""

    def __init__(self, service: SyncService, *, interval: float = 1.0,
                 sweep_interval: float = 900.0) -> None:
        super().__init__(name="autotask-fn-worker", daemon=True)
        self.service = service
        self.interval = interval
        self.sweep_interval = sweep_interval
        self.stopped = threading.Event()

    def run(self) -> None:
        since_sweep = 0.0
        while not self.stopped.wait(self.interval):
            try:
                self.service.process_pending()
                since_sweep += self.interval
                if since_sweep >= self.sweep_interval:
                    since_sweep = 0.0
                    self.service.sweep()
            except Exception:  # a worker must survive one bad round; the inbox keeps the work
                log.exception("sync round failed; retrying next round")

    def stop(self) -> None:
        self.stopped.set()


def _json(start_response: StartResponse, status: int, body: Any) -> list[bytes]:
    data = json.dumps(body).encode()
    reasons = {200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized",
               404: "Not Found", 413: "Payload Too Large"}
    start_response(f"{status} {reasons.get(status, 'OK')}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def main() -> None:  # pragma: no cover - manual entry point
    """Serve on 127.0.0.1:8080 with credentials and settings from autotask-fn's config."""
    from wsgiref.simple_server import make_server

    from examples.config_service import build_service

    service = build_service()
    worker = Worker(service)
    worker.start()
    with make_server("127.0.0.1", 8080, WebhookApp(service)) as server:
        print("listening on http://127.0.0.1:8080")
        server.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main()
