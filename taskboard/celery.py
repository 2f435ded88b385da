"""The Celery app. Tasks take ids, call a service, and are queued only from on_commit."""

import os
from typing import Any

from celery import Celery, Task

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
# Task counts and times, and the worker's and beat's /metrics (taskboard/metrics/jobs.py):
# connected here, before the worker's first signal, which comes before Django's setup.
metrics_jobs.connect()
