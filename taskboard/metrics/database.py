"""Database metrics: every statement per alias, reads routed, pools and replica lag.

Statements are counted by an execute wrapper installed on each connection as it is created
(the `connection_created` signal): it sees every statement that goes through Django's
cursor, the ORM's, the compiled reads' and the deferred writes' alike (taskboard/db/), on
whatever backend. Its cost is two clock reads and a histogram observation per statement
(docs/benchmarks.md "Metrics' cost").

Pool gauges are sampled per process at most once a second, when a request or a task ends
(a pool's state in the middle of one would count the caller's own connection), and by the
process that answers a scrape; the replica monitor sets the lag as it measures it.
"""

import threading
import time
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from .families import db_pool_connections, db_query_errors, db_query_seconds, db_reads_routed
from .fast import counter_value, histogram_parts

POOL_SAMPLE_SECONDS = 1.0


class QueryMetrics:
    """The execute wrapper of one alias (Django's `connection.execute_wrapper` protocol)."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.errors = db_query_errors.labels(alias)
        self.seconds_sum, self.seconds_buckets, self.bounds = histogram_parts(db_query_seconds.labels(alias))

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        except Exception:
            self.errors.inc()
            raise
        finally:
            # Its count is also taskboard_db_queries_total (collectors.WithQueryCounts).
            # histogram.observe(elapsed), inline (fast.histogram_parts).
            elapsed = time.perf_counter() - started
            self.seconds_sum.inc(elapsed)
            self.seconds_buckets[bisect_left(self.bounds, elapsed)].inc(1)


_wrappers: dict[str, QueryMetrics] = {}


def install_query_metrics(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created: put the alias's wrapper first on the connection (once). First,
    because `with connection.execute_wrapper(w):` removes the last wrapper when it ends, and
    a connection opened inside such a block must keep ours, not the caller's."""
    wrapper = _wrappers.get(connection.alias)
    if wrapper is None:
        wrapper = _wrappers.setdefault(connection.alias, QueryMetrics(connection.alias))
    if wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, wrapper)


_routed: dict[tuple[str, str], Any] = {}


def count_read_routed(alias: str, reason: str, reads: int = 1) -> None:
    value = _routed.get((alias, reason))
    if value is None:
        value = _routed.setdefault((alias, reason), counter_value(db_reads_routed.labels(alias, reason)))
    value.inc(reads)


class PoolSampler:
    """Copies this process's pool statistics into the gauges, at most once a second."""

    def __init__(self) -> None:
        self.next_at = 0.0
        self.lock = threading.Lock()

    def maybe_sample(self, **kwargs: Any) -> None:
        if time.monotonic() < self.next_at or not self.lock.acquire(blocking=False):
            return
        try:
            self.next_at = time.monotonic() + POOL_SAMPLE_SECONDS
            self.sample()
        finally:
            self.lock.release()

    @staticmethod
    def sample() -> None:
        from taskboard.db.pools import pool_stats

        for alias in connections:
            stats = pool_stats(alias)
            if stats is None:
                continue
            db_pool_connections.labels(alias, "size").set(stats.size)
            db_pool_connections.labels(alias, "in_use").set(stats.in_use)
            db_pool_connections.labels(alias, "waiting").set(stats.waiting)


pool_sampler = PoolSampler()


def connect() -> None:
    """Install the statement counting and the pool sampling (taskboard's AppConfig.ready)."""
    connection_created.connect(install_query_metrics, dispatch_uid="taskboard.metrics.query_metrics")
    if any(settings_dict.get("OPTIONS", {}).get("pool") for settings_dict in settings.DATABASES.values()):
        # Without a pool (gunicorn's sync workers: DB_POOL=false) nothing to sample, and no
        # receiver to call at the end of every request.
        request_finished.connect(pool_sampler.maybe_sample, dispatch_uid="taskboard.metrics.pool_sampler")
    # Connections opened before this ran (a check at start) get the wrapper too.
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            install_query_metrics(None, connection)
