"""The Celery app. Tasks take ids, call a service, and are queued only from on_commit."""

import os
from typing import Any

from celery import Celery, Task, signals

from taskboard.logs import celery_context
from taskboard.metrics import jobs as metrics_jobs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskboard.settings.local")


class PrimaryReadsTask(Task):
    """Tasks are queued by a write that just committed: read it back from the primary,
    which a replica may not have replayed yet."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from taskboard.db.routing import primary_reads

        with primary_reads():
            return super().__call__(*args, **kwargs)


app = Celery("taskboard", task_cls=PrimaryReadsTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Beat's housekeeping tasks of an app live in its housekeeping.py (issue 15).
app.autodiscover_tasks(related_name="housekeeping")


@signals.setup_logging.connect
def _django_logging(**kwargs: Any) -> None:
    """Django's LOGGING (JSON or console: taskboard/logs/config.py) in the worker and beat
    too, instead of Celery's own setup (which a receiver of this signal replaces)."""
    from django.conf import settings

    from taskboard.logs.config import configure

    configure(settings.LOGGING)


signals.before_task_publish.connect(celery_context.carry_request_id, weak=False)
signals.task_prerun.connect(celery_context.enter_task, weak=False)
signals.task_postrun.connect(celery_context.leave_task, weak=False)

# Task counts and times, and the worker's and beat's /metrics (taskboard/metrics/jobs.py):
# connected here, before the worker's first signal, which comes before Django's setup.
metrics_jobs.connect()
