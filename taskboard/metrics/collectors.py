"""Gauges computed when /metrics is read, and the registry /metrics answers from.

Apps register what needs their models (outbox rows, active users) with `scrape_collector`
from their AppConfig.ready(): the project package imports no app. The Celery queue depths
need only the broker's URL and are collected here. A collector that fails (its database or
Redis down) is logged and left out of that scrape; the rest of the answer is unaffected.
"""

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

logger = logging.getLogger(__name__)

ScrapeCollect = Callable[[], Iterable[Metric]]
_collectors: dict[str, ScrapeCollect] = {}
# kombu's Redis transport keeps a queue's messages of priority p > 0 under "<queue>\x06\x16<p>".
KOMBU_PRIORITY_SEP = "\x06\x16"
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)
BROKER_TIMEOUT_SECONDS = 1.0


def scrape_collector(name: str, collect: ScrapeCollect) -> None:
    """Compute `collect()` at every scrape of /metrics (the same name again replaces it)."""
    _collectors[name] = collect


class ScrapeCollectors:
    """The registered scrape-time collectors, as one prometheus_client collector."""

    def collect(self) -> Iterator[Metric]:
        for name, collect in list(_collectors.items()):
            try:
                yield from list(collect())
            except Exception:
                logger.warning("The %s metrics could not be collected", name, exc_info=True)


class WithQueryCounts:
    """The collected families, and `taskboard_db_queries_total{alias}` made from the count
    of the statement-time histogram: the same number, so each statement writes one value
    less (in multiprocess mode a write to a memory-mapped file under a lock)."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def collect(self) -> Iterator[Metric]:
        for family in self.source.collect():
            yield family
            if family.name == "taskboard_db_query_seconds":
                queries = CounterMetricFamily(
                    "taskboard_db_queries", "SQL statements run, per database alias.", labels=["alias"]
                )
                for sample in family.samples:
                    if sample.name == "taskboard_db_query_seconds_count":
                        queries.add_metric([sample.labels["alias"]], sample.value)
                yield queries


def multiprocess_dir() -> str | None:
    """The multiprocess directory of this process, if it runs in multiprocess mode."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


_registries: dict[tuple[int, str | None, bool], CollectorRegistry] = {}


def registry(*, scrape: bool = True) -> CollectorRegistry:
    """What /metrics (or a worker's exporter) answers with: every process's values in
    multiprocess mode, this process's otherwise; and the scrape-time gauges if `scrape`."""
    key = (os.getpid(), multiprocess_dir(), scrape)
    found = _registries.get(key)
    if found is None:
        found = CollectorRegistry(auto_describe=False)
        path = multiprocess_dir()
        # Every process's values (each writes its own files), or this process's registry.
        source: Any = multiprocess.MultiProcessCollector(None, path=path) if path else REGISTRY
        found.register(WithQueryCounts(source))
        if scrape:
            found.register(ScrapeCollectors())
        found = _registries.setdefault(key, found)
    return found


# -- Celery queue depth --------------------------------------------------------------------


def queue_names() -> list[str]:
    return [queue.name for queue in getattr(settings, "CELERY_TASK_QUEUES", ())]


_broker_clients: dict[tuple[int, str], Any] = {}


def _redis_depths(url: str, queues: list[str]) -> dict[str, int]:
    import redis

    key = (os.getpid(), url)
    client = _broker_clients.get(key)
    if client is None:
        client = _broker_clients.setdefault(
            key,
            redis.Redis.from_url(
                url, socket_timeout=BROKER_TIMEOUT_SECONDS, socket_connect_timeout=BROKER_TIMEOUT_SECONDS
            ),
        )
    pipe = client.pipeline(transaction=False)
    for queue in queues:
        for step in KOMBU_PRIORITY_STEPS:
            pipe.llen(f"{queue}{KOMBU_PRIORITY_SEP}{step}" if step else queue)
    lengths = pipe.execute()
    steps = len(KOMBU_PRIORITY_STEPS)
    return {queue: sum(lengths[i * steps : (i + 1) * steps]) for i, queue in enumerate(queues)}


def _folder_depths(folder: str, queues: list[str]) -> dict[str, int]:
    """The filesystem broker (the embedded default): one file `<stamp>_<id>.<queue>.msg`
    per message."""
    depths = dict.fromkeys(queues, 0)
    path = Path(folder)
    if path.is_dir():
        for entry in os.scandir(path):
            name = entry.name
            if name.endswith(".msg"):
                queue = name[: -len(".msg")].rpartition(".")[2]
                if queue in depths:
                    depths[queue] += 1
    return depths


def queue_depths() -> dict[str, int]:
    """Messages waiting in each Celery queue (taken by no worker yet)."""
    url = str(getattr(settings, "CELERY_BROKER_URL", ""))
    queues = queue_names()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return _redis_depths(url, queues)
    folder = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get("data_folder_in")
    if url.startswith("filesystem://") and folder:
        return _folder_depths(str(folder), queues)
    return {}


def collect_queue_depth() -> Iterator[Metric]:
    family = GaugeMetricFamily(
        "taskboard_celery_queue_depth",
        "Messages waiting in each Celery queue, at scrape time.",
        labels=["queue"],
    )
    for queue, depth in sorted(queue_depths().items()):
        family.add_metric([queue], depth)
    yield family


scrape_collector("celery_queue_depth", collect_queue_depth)
