"""Multiprocess values written once per request (taskboard/metrics/multiprocess.py): what a
scrape reads from the files, in a process of its own (the value class is chosen when the
project package is first imported)."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import Counter, Histogram

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import os
import taskboard.metrics
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, values
from taskboard.metrics.multiprocess import defer_writes, write_deferred

def scraped():
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return {s.name: s.value for m in registry.collect() for s in m.samples if s.name.startswith("t_")}

print(values.ValueClass.__name__)
counter = Counter("t_requests", "requests")
seconds = Histogram("t_seconds", "seconds", buckets=(0.1, 1))
counter.inc()
print(scraped()["t_requests_total"])
defer_writes()
for _ in range(3):
    counter.inc()
    seconds.observe(0.05)
print(scraped()["t_requests_total"], scraped()["t_seconds_count"], counter._value.get())
write_deferred()
print(scraped()["t_requests_total"], scraped()["t_seconds_count"], scraped()["t_seconds_sum"])
pid = os.fork()
if pid == 0:
    counter.inc(10)
    os._exit(0)
os.waitpid(pid, 0)
print(scraped()["t_requests_total"], len(os.listdir(os.environ["PROMETHEUS_MULTIPROC_DIR"])))
"""


def test_a_request_s_changes_reach_the_files_when_it_ends_and_a_fork_writes_its_own(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "METRICS_ENABLED": "true"}

    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[0] == "DeferredValue"
    # Written at once outside a request.
    assert float(lines[1]) == 1
    # Inside one: in memory only, the files unchanged ...
    assert [float(x) for x in lines[2].split()] == [1, 0, 4]
    # ... until it ends: each value written once, with everything it counted.
    total, count, total_seconds = (float(x) for x in lines[3].split())
    assert (total, count) == (4, 3)
    assert abs(total_seconds - 0.15) < 1e-9
    # A forked child counts in files of its own, added up with the parent's.
    total_after_fork, files = lines[4].split()
    assert float(total_after_fork) == 14
    assert int(files) >= 4  # counter and histogram, each for both processes


# Elapsed times on both sides of every bucket bound the two histograms have (0.005 ... 25 s).
AMOUNTS = (0.0, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.3, 0.5, 1, 7, 12, 30)


class Clock:
    """time.perf_counter() for the code under test: each request or statement reads it
    twice, `amount` apart."""

    def __init__(self) -> None:
        self.readings = iter(reading for amount in AMOUNTS for reading in (100.0, 100.0 + amount))

    def perf_counter(self) -> float:
        return next(self.readings)


def _counts(child: Any) -> list[float]:
    """A histogram child's sum and bucket counts (what prometheus_client keeps)."""
    return [child._sum.get(), *(bucket.get() for bucket in child._buckets)]


def _reference(child: Any) -> list[float]:
    """What prometheus_client's own observe() counts for AMOUNTS, with `child`'s buckets."""
    reference = Histogram("t_reference", "t", buckets=child._upper_bounds, registry=None)
    for amount in AMOUNTS:
        reference.observe((100.0 + amount) - 100.0)
    return _counts(reference)


def _moved(child: Any, run: Callable[[], None]) -> list[float]:
    before = _counts(child)
    run()
    return [after - was for after, was in zip(_counts(child), before, strict=True)]


def test_the_statement_wrapper_counts_what_prometheus_client_s_observe_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from taskboard.metrics import database
    from taskboard.metrics.families import db_query_seconds

    monkeypatch.setattr(database, "time", Clock())
    wrapper = database.QueryMetrics("fast-path-test")

    def statements() -> None:
        for _ in AMOUNTS:
            wrapper(lambda *args: None, "SELECT 1", (), False, {})

    child = db_query_seconds.labels("fast-path-test")
    assert _moved(child, statements) == pytest.approx(_reference(child))


def test_the_http_latency_counts_what_prometheus_client_s_observe_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django_prometheus.middleware import Metrics

    from taskboard.metrics import http

    monkeypatch.setattr(http, "time", Clock())
    middleware = http.AfterMiddleware(lambda request: HttpResponse())

    def requests() -> None:
        for _ in AMOUNTS:
            middleware(RequestFactory().generic("TRACE", "/fast-path-test"))

    child = Metrics.get_instance().requests_latency_by_view_method.labels(http.UNNAMED, "TRACE")
    assert _moved(child, requests) == pytest.approx(_reference(child))


def test_a_counter_s_value_counts_what_the_counter_counts() -> None:
    from taskboard.metrics.fast import counter_value

    counted, reference = (Counter(f"t_{n}", "t", ["alias"], registry=None) for n in "cd")
    for amount in (1, 2, 0.5):
        counter_value(counted.labels("default")).inc(amount)
        reference.labels("default").inc(amount)

    assert counted.labels("default")._value.get() == reference.labels("default")._value.get() == 3.5
