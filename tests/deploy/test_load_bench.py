"""The load test's pieces that can be checked in seconds (bench/load/): the locustfile loads
and names its people, the driver refuses any target that isn't this machine, and the
figures are computed as locust computes them. The run itself is `make bench-load`."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

LOAD_DIR = Path(__file__).resolve().parents[2] / "bench" / "load"


def _module(name: str) -> ModuleType:
    # The driver's modules import each other by bare name (bench/load/ is the script's path).
    if str(LOAD_DIR) not in sys.path:
        sys.path.insert(0, str(LOAD_DIR))
    spec = importlib.util.spec_from_file_location(f"bench_load_{name}", LOAD_DIR / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_locustfile_loads_and_names_its_people() -> None:
    # In a child process: locust monkey-patches the standard library for gevent on import.
    result = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(LOAD_DIR / "locustfile.py"), "--list"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) >= {"Viewer", "Browser", "Editor", "ApiClient"}


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://10.0.0.5:8000",
        "https://127.0.0.1.nip.io:8443",
        "http://0.0.0.0:8000",
        "ftp://127.0.0.1/",
        "127.0.0.1:8443",
    ],
)
def test_the_driver_refuses_a_target_that_is_not_this_machine(url: str) -> None:
    run = _module("run")

    with pytest.raises(SystemExit, match=r"refusing|must be an http"):
        run.loopback_only(url)
    # Before it seeds or starts anything.
    with pytest.raises(SystemExit, match=r"refusing|must be an http"):
        run.main(["--host", url])


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1:8443", "http://localhost:8000/", "http://[::1]:80", "http://127.0.0.2"]
)
def test_the_driver_accepts_loopback_targets(url: str) -> None:
    assert _module("run").loopback_only(url) == url.rstrip("/")


def test_percentiles_are_locusts() -> None:
    report = _module("load_report")
    # 100 requests: 90 of 10 ms, 9 of 50 ms, 1 of 900 ms (locust's rounded histogram).
    histogram = {"10": 90, "50": 9, "900": 1}

    assert report.percentile(histogram, 100, 0.50) == 10
    assert report.percentile(histogram, 100, 0.95) == 50
    # locust's rank: at most int(0.99 * 100) = 99 requests at or below, so the 100th counts.
    assert report.percentile(histogram, 100, 0.99) == 900
    assert report.percentile(histogram, 100, 1.0) == 900


def test_the_p95_of_all_requests_merges_the_kinds_histograms() -> None:
    report = _module("load_report")

    def row(name: str, histogram: dict[str, int]) -> Any:
        count = sum(histogram.values())
        p95 = report.percentile(histogram, count, 0.95)
        return report.Row("GET", name, count, 0, 1.0, 0.0, p95, 0.0, 0.0, histogram)

    # A rare slow kind (p95 110 ms, 40 of 1,000 requests) and a common fast one: together,
    # 96 % of the requests take at most 30 ms.
    slow = row("page: board", {"50": 30, "110": 10})
    fast = row("api: boards", {"20": 900, "30": 60})
    assert report.p95_overall([slow, fast]) == 30
    # Without histograms (an older JSON), the upper estimate: the slowest kinds' p95 that
    # hold 5 % of the requests.
    slow.histogram, fast.histogram = {}, {}
    assert report.p95_overall([slow, fast]) == 30
    assert report.p95_overall([slow, row("api: boards", {"20": 10})]) == 110


def test_cpu_is_counted_per_kind_over_a_process_tree() -> None:
    cpu = _module("load_cpu")
    # A child that burns some CPU when told to, between the meter's two readings.
    lines = [
        "import sys",
        "sys.stdin.readline()",
        "sum(range(3_000_000))",
        "print('done')",
        "sys.stdout.flush()",
    ]
    burn = "\n".join([*lines, "sys.stdin.readline()"])
    child = subprocess.Popen(
        [sys.executable, "-c", burn], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        meter = cpu.Meter([child.pid])
        meter.start(0.0)
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "done"
        usage = meter.stop(1.0)
    finally:
        child.kill()
        child.wait()

    assert set(usage.by_kind) == {"other"}  # python -c: none of the stack's kinds
    assert usage.by_kind["other"] > 0
    assert usage.serving == 0
