"""The example host with FastAPI, served by uvicorn.

Run it with the configuration of the ``autotask-fn`` command::

    python -m pip install "autotask-fn[examples]"
    python -m examples.fastapi_service.app        # uvicorn on 127.0.0.1:8080

Each webhook endpoint reads the **raw body** with ``await request.body()`` and hands it to the
SDK with the headers: the signatures cover those exact bytes. A parameter declared as
``body: bytes = Body(...)`` does not give you them: FastAPI reads a JSON body as JSON, finds
an object where it expects bytes and answers 422 before your code runs.

The handlers touch the store, so they run in the thread pool (``run_in_threadpool``), never
on the event loop. After an accepted delivery, ``process_pending`` runs as a background task
once the response is sent (safe to run in parallel: the inbox leases its entries and locks
each work order). A task started with the application also runs it every ``interval``
seconds, for entries retried later (a work order another thread held, a failed call), and
``sweep()`` every ``sweep_interval`` seconds (time logs, expenses and signatures have no
event).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import BackgroundTasks, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool

from autotask_fn import SyncService
from autotask_fn.store import EntryStatus

log = logging.getLogger("fastapi_service")


async def _pump(service: SyncService, interval: float, sweep_interval: float) -> None:
    """Process the inbox every ``interval`` s and sweep every ``sweep_interval`` s."""
    since_sweep = 0.0
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(service.process_pending)
            since_sweep += interval
            if since_sweep >= sweep_interval:
                since_sweep = 0.0
                await run_in_threadpool(service.sweep)
        except Exception:  # one bad round must not end the loop; the inbox keeps the work
            log.exception("sync round failed; retrying next round")


def create_app(service: SyncService, *, interval: float = 1.0,
               sweep_interval: float = 900.0) -> FastAPI:
    """The ASGI application around one shared service."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pump = asyncio.create_task(_pump(service, interval, sweep_interval))
        yield
        pump.cancel()

    app = FastAPI(title="autotask-fn example host", lifespan=lifespan)

    @app.post("/webhooks/fieldnation")
    async def fieldnation_webhook(request: Request, background: BackgroundTasks) -> Response:
        body = await request.body()  # the raw bytes: never request.json() or Body(bytes)
        ack = await run_in_threadpool(service.handle_fieldnation_webhook, body,
                                      dict(request.headers))
        if ack.status == 200 and not ack.duplicate:
            background.add_task(service.process_pending)
        return Response(status_code=ack.status)

    @app.post("/webhooks/autotask")
    async def autotask_webhook(request: Request, background: BackgroundTasks) -> Response:
        body = await request.body()
        ack = await run_in_threadpool(service.handle_autotask_webhook, body,
                                      dict(request.headers))
        if ack.status == 200 and not ack.duplicate:
            background.add_task(service.process_pending)
        return Response(status_code=ack.status)

    @app.get("/healthz")
    def healthz() -> dict[str, int]:
        store = service.store
        return {"pending": store.count_entries(EntryStatus.PENDING),
                "dead": store.count_entries(EntryStatus.DEAD)}

    return app


def main() -> None:  # pragma: no cover - manual entry point
    """Serve on 127.0.0.1:8080 with credentials and settings from autotask-fn's config."""
    import uvicorn

    from examples.config_service import build_service

    uvicorn.run(create_app(build_service()), host="127.0.0.1", port=8080)


if __name__ == "__main__":  # pragma: no cover
    main()
