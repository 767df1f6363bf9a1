"""The example host as a Django view (a one-file project; in yours, the two views and the URL
patterns go in an app, the settings in settings.py).

Run it with the configuration of the ``autotask-fn`` command::

    python -m pip install "autotask-fn[examples]"
    python -m examples.django_service.app runserver 127.0.0.1:8080

Each view reads the **raw body** with ``request.body`` (never ``request.POST`` or a parsed
JSON) and hands it to the SDK with ``request.headers``. The views are ``csrf_exempt``: the
senders sign their deliveries instead. ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bounds the body Django
reads. After an accepted delivery, ``process_pending`` runs in a thread once the view returns
(safe in parallel: the inbox leases its entries and locks each work order). The WSGI
example's :class:`~examples.webhook_service.app.Worker`, started by :func:`configure`, also
runs it every second, for entries retried later, and ``sweep()`` every 15 minutes.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from autotask_fn import SyncService
from autotask_fn.store import EntryStatus
from examples.webhook_service.app import Worker

#: The service the views use, set once at start-up by :func:`configure`.
SERVICE: SyncService | None = None
#: The background worker :func:`configure` started.
WORKER: Worker | None = None


def _service() -> SyncService:
    if SERVICE is None:
        raise RuntimeError("call examples.django_service.app.configure(service) first")
    return SERVICE


def _after(ack: Any) -> HttpResponse:
    if ack.status == 200 and not ack.duplicate:
        threading.Thread(target=_service().process_pending, daemon=True).start()
    return HttpResponse(status=ack.status)


@csrf_exempt
@require_POST
def fieldnation_webhook(request: HttpRequest) -> HttpResponse:
    """Field Nation deliveries: verified, de-duplicated, queued; answered at once."""
    return _after(_service().handle_fieldnation_webhook(request.body, dict(request.headers)))


@csrf_exempt
@require_POST
def autotask_webhook(request: HttpRequest) -> HttpResponse:
    """Autotask ticket callouts: verified, de-duplicated, queued; answered at once."""
    return _after(_service().handle_autotask_webhook(request.body, dict(request.headers)))


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Pending and dead inbox entries."""
    store = _service().store
    return JsonResponse({"pending": store.count_entries(EntryStatus.PENDING),
                         "dead": store.count_entries(EntryStatus.DEAD)})


urlpatterns = [
    path("webhooks/fieldnation", fieldnation_webhook),
    path("webhooks/autotask", autotask_webhook),
    path("healthz", healthz),
]


def configure(service: SyncService, *, interval: float = 1.0, **overrides: Any) -> Worker:
    """Settle Django's settings for this one-file project, set the service and start its
    worker (``interval`` seconds between inbox rounds); returns the worker."""
    global SERVICE, WORKER
    if WORKER is not None:
        WORKER.stop()
    SERVICE = service
    WORKER = Worker(service, interval=interval)
    WORKER.start()
    if not settings.configured:
        settings.configure(**{
            "DEBUG": False,
            "SECRET_KEY": "example-only-not-secret",  # no sessions or forms here
            "ROOT_URLCONF": __name__,
            "ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
            "MIDDLEWARE": ["django.middleware.common.CommonMiddleware"],
            "DATA_UPLOAD_MAX_MEMORY_SIZE": 5 * 1024 * 1024,
            "USE_TZ": True,
            **overrides,
        })
        import django

        django.setup()
    return WORKER


def main() -> None:  # pragma: no cover - manual entry point
    """``python -m examples.django_service.app runserver 127.0.0.1:8080``."""
    import sys

    from django.core.management import execute_from_command_line

    from examples.config_service import build_service

    configure(build_service())
    execute_from_command_line(sys.argv)


if __name__ == "__main__":  # pragma: no cover
    main()
