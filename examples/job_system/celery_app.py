"""The two jobs as Celery tasks with a beat schedule (``pip install celery`` on the host).

    celery -A examples.job_system.celery_app worker --beat

Celery is not a dependency of autotask-fn; this module only shows the wiring.
"""

from __future__ import annotations

from celery import Celery  # type: ignore[import-not-found]

from examples.job_system import jobs

app = Celery("autotask_fn_jobs", broker="redis://127.0.0.1:6379/1")

process_pending = app.task(name="autotask_fn.process_pending")(jobs.process_pending_job)
sweep = app.task(name="autotask_fn.sweep")(jobs.sweep_job)

app.conf.beat_schedule = {
    "autotask-fn-process-pending": {"task": "autotask_fn.process_pending", "schedule": 5.0},
    "autotask-fn-sweep": {"task": "autotask_fn.sweep", "schedule": 600.0},
}
