"""Celery's metrics (tasks by name and state, run time, the beat schedule's last runs) and
the exporter of the worker and beat processes.

Design (docs/operations.md "Metrics", "Worker and beat"): each worker and each beat serves
its own /metrics on METRICS_PORT, an HTTP server thread (taskboard.metrics.exporter: the web's
access rule, METRICS_TOKEN or METRICS_ALLOWED_IPS, else 404) in the
worker's main process (`celeryd_init`, before the prefork pool forks) or in beat
(`beat_init`). With PROMETHEUS_MULTIPROC_DIR set, the pool's children write their values
there and the main process's server adds them up; a child that exits is marked dead
(`worker_process_shutdown`) so its live gauges go. Prometheus scrapes each worker pod as
job `worker` and beat as job `beat`. The alternative, sending events into the web's
registry, would make the web processes' numbers depend on a queue between them, and a
worker's counts would vanish with the web pod that received them.

Without METRICS_PORT (the suite's worker, `make run`'s) no server starts: under `make run`
the worker and beat write into the same multiprocess directory as the web server, whose
/metrics shows them.
"""

import logging
import os
import threading
import time
from typing import Any

from celery import signals
from django.conf import settings
from prometheus_client import multiprocess

from .collectors import multiprocess_dir, registry
from .exporter import start_exporter_server
from .families import beat_last_run, celery_task_seconds, celery_tasks

logger = logging.getLogger(__name__)

_started: dict[str, float] = {}
_started_lock = threading.Lock()


def _name(task: Any, sender: Any = None) -> str:
    found = getattr(task, "name", None) or getattr(sender, "name", None)
    return str(found or "unknown")


def _task_prerun(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id:
        with _started_lock:
            _started[task_id] = time.perf_counter()


def _task_postrun(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    with _started_lock:
        started = _started.pop(task_id or "", None)
    if started is not None:
        celery_task_seconds.labels(_name(task)).observe(time.perf_counter() - started)


def scheduled_task_names() -> frozenset[str]:
    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", {}) or {}
    return frozenset(str(entry["task"]) for entry in schedule.values())


def _task_success(sender: Any = None, **kwargs: Any) -> None:
    name = _name(sender)
    celery_tasks.labels(name, "succeeded").inc()
    if name in scheduled_task_names():
        beat_last_run.labels(name).set(time.time())


def _task_failure(sender: Any = None, **kwargs: Any) -> None:
    celery_tasks.labels(_name(sender), "failed").inc()


def _task_retry(sender: Any = None, **kwargs: Any) -> None:
    celery_tasks.labels(_name(sender), "retried").inc()


def _worker_process_shutdown(pid: int | None = None, **kwargs: Any) -> None:
    path = multiprocess_dir()
    if path:
        multiprocess.mark_process_dead(pid or os.getpid(), path)


def start_exporter(kind: str) -> None:
    """Serve /metrics on METRICS_PORT from this process (once), if a port is set."""
    port = int(getattr(settings, "METRICS_PORT", 0) or 0)
    if not port:
        return
    if multiprocess_dir() is None and kind == "worker":
        logger.info("Metrics of a prefork pool's children need PROMETHEUS_MULTIPROC_DIR (docs/operations.md)")
    start_exporter_server(port, settings.METRICS_BIND, registry(scrape=False))
    logger.info("Serving the %s's metrics on %s:%s", kind, settings.METRICS_BIND, port)


def _worker_init(**kwargs: Any) -> None:
    start_exporter("worker")


def _beat_init(**kwargs: Any) -> None:
    start_exporter("beat")


def connect() -> None:
    """Connect the handlers (taskboard's AppConfig.ready); they fire in Celery processes only."""
    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="taskboard.metrics.prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="taskboard.metrics.postrun")
    signals.task_success.connect(_task_success, weak=False, dispatch_uid="taskboard.metrics.success")
    signals.task_failure.connect(_task_failure, weak=False, dispatch_uid="taskboard.metrics.failure")
    signals.task_retry.connect(_task_retry, weak=False, dispatch_uid="taskboard.metrics.retry")
    signals.worker_process_shutdown.connect(
        _worker_process_shutdown, weak=False, dispatch_uid="taskboard.metrics.process_shutdown"
    )
    signals.celeryd_init.connect(_worker_init, weak=False, dispatch_uid="taskboard.metrics.worker_init")
    signals.beat_init.connect(_beat_init, weak=False, dispatch_uid="taskboard.metrics.beat_init")
