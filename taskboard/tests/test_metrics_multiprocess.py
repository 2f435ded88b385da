"""Multiprocess values written once per request (taskboard/metrics/multiprocess.py): what a
scrape reads from the files, in a process of its own (the value class is chosen when the
project package is first imported)."""

import os
import subprocess
import sys
from pathlib import Path

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


def test_the_fast_paths_count_what_prometheus_client_s_calls_count() -> None:
    from prometheus_client import Counter, Histogram

    from taskboard.metrics.fast import counter_value, histogram_parts, observe

    buckets = (0.001, 0.01, 1)
    ours, theirs = (Histogram(f"t_{n}", "t", ["alias"], buckets=buckets, registry=None) for n in "ab")
    counted, reference = (Counter(f"t_{n}", "t", ["alias"], registry=None) for n in "cd")
    for amount in (0.0, 0.0005, 0.001, 0.002, 0.01, 0.5, 1, 7):
        observe(histogram_parts(ours.labels("default")), amount)
        theirs.labels("default").observe(amount)
        counter_value(counted.labels("default")).inc(2)
        reference.labels("default").inc(2)

    def samples(family: Histogram | Counter) -> list[tuple[str, dict[str, str], float]]:
        return [(s.name[3:], s.labels, s.value) for m in family.collect() for s in m.samples]

    assert samples(ours) == samples(theirs)
    assert samples(counted) == samples(reference)
