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
once the response is sent (safe to run in parallel: the inbox leases its entries). Run
``svc.sweep()`` on a schedule as well (time logs, expenses and signatures have no event).
"""

from __future__ import annotations

from fastapi import BackgroundTasks, FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool

from autotask_fn import SyncService
from autotask_fn.store import EntryStatus


def create_app(service: SyncService) -> FastAPI:
    """The ASGI application around one shared service."""
    app = FastAPI(title="autotask-fn example host")

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
