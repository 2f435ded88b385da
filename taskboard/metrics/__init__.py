"""Prometheus metrics of every process kind (docs/operations.md "Metrics").

The bottom layer: apps import the families from taskboard.metrics.families to count, and
register their scrape-time gauges with `scrape_collector` from their AppConfig.ready()
(the project package imports no app). In multiprocess mode (PROMETHEUS_MULTIPROC_DIR set in
the environment before the process starts) the values of every process of a server (gunicorn
workers, Celery's prefork children, and under `make run` the worker and beat too) are
written to files there and read together by /metrics.
"""

import os
from typing import Any

import environ
import prometheus_client
from django.db import transaction
from prometheus_client import Counter, values

from .collectors import scrape_collector


class _NoValue:
    """A metric's value that keeps nothing: METRICS_ENABLED=false (bench/api.py's baseline
    for the metrics' cost) leaves the counting calls in the code with nothing to do."""

    _multiprocess = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def inc(self, amount: float) -> None:
        pass

    def set(self, value: float, timestamp: float | None = None) -> None:
        pass

    def set_exemplar(self, exemplar: Any) -> None:
        pass

    def get(self) -> float:
        return 0.0

    def get_exemplar(self) -> None:
        return None


# Read here, as settings.METRICS_ENABLED reads it (django-environ's truth values): the
# families are created when the project package is imported, before Django's settings.
ENABLED = os.environ.get("METRICS_ENABLED", "true").lower().strip() in environ.Env.BOOLEAN_TRUE_STRINGS

if not ENABLED:
    values.ValueClass = _NoValue
elif os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Each process writes its files there from its first metric on, once per request
    # (taskboard/metrics/multiprocess.py). Before any metric exists: the project package is
    # imported before anything that defines one.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    from .multiprocess import DeferredValue

    values.ValueClass = DeferredValue

# The _created series (each counter's start time) double the output and nothing reads them.
prometheus_client.disable_created_metrics()

__all__ = ["count_on_commit", "scrape_collector"]


def count_on_commit(counter: Counter, amount: float = 1) -> None:
    """Count a business event once the transaction that made it commits (at once outside a
    transaction): a rolled-back write is not a task created. `counter` may be a labelled
    child (`family.labels(...)`)."""
    if amount > 0 and ENABLED:
        transaction.on_commit(lambda: counter.inc(amount))
