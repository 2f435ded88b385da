"""What single calls on the metrics' and the log context's per-request path cost, in CPU
instructions counted by valgrind's callgrind (docs/benchmarks.md "Metrics' cost", the last
cut): the figures behind choosing one way over another.

    .venv/bin/python bench/api_call_costs.py [--calls 2000]

The script runs itself under `valgrind --tool=callgrind` (needs valgrind; no database: the
embedded default's settings, a multiprocess folder of its own). Each call is made N times and
then 2N times, each part ended by a full garbage collection and os.getppid(), which
callgrind's --dump-before=getppid turns into a dump; per call: (2N part - N part) / N, minus
the same for a lambda that does nothing (the loop and the lambda's own frame).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
BASELINE = "nothing (the loop and a lambda)"


def _calls() -> dict[str, Callable[[], Any]]:
    """The calls, by what the table calls them (Django set up first)."""
    from django.http import HttpResponse
    from django.test import RequestFactory
    from prometheus_client import Counter

    from taskboard.logs.middleware import set_request_id_header
    from taskboard.metrics import multiprocess

    counter = Counter("bench_calls", "the bench's counter")
    value: Any = counter._value
    if not isinstance(value, multiprocess.DeferredValue):
        sys.exit(f"not in multiprocess mode: {type(value).__name__}")
    variable: ContextVar[str | None] = ContextVar("bench_variable", default=None)
    response = HttpResponse()
    request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https")
    request_id = "0123456789abcdef0123456789abcdef"
    lock = threading.Lock()

    def locked() -> None:
        with lock:
            pass

    def acquired() -> None:
        lock.acquire()
        try:
            pass
        finally:
            lock.release()

    def nothing() -> None:
        pass

    return {
        BASELINE: lambda: None,
        "a Python function that does nothing": lambda: nothing(),
        "DeferredValue.inc() (in a request: deferred)": lambda: value.inc(1),
        "a function with a `with lock:` block": locked,
        "a function with lock.acquire() and release()": acquired,
        "ContextVar.set()": lambda: variable.set(None),
        "ContextVar.get()": lambda: variable.get(),
        'response["X-Request-ID"] = id (Django)': lambda: response.__setitem__("X-Request-ID", request_id),
        "set_request_id_header(response, id)": lambda: set_request_id_header(response, request_id),
        "request.is_secure() (Django, behind a proxy)": lambda: request.is_secure(),
        "os.urandom(16).hex()": lambda: os.urandom(16).hex(),
    }


def _measure(calls: int) -> None:
    """Under valgrind: set Django up, mark the start, then each call's two parts."""
    import django

    django.setup()
    from taskboard.metrics.multiprocess import defer_writes

    chosen = _calls()
    defer_writes()  # as inside a request
    gc.collect()
    os.getppid()  # the end of the set-up: the first dump
    for call in chosen.values():
        for count in (calls, 2 * calls):
            for _ in range(count):
                call()
            gc.collect()
            os.getppid()
    print("NAMES " + "\t".join(chosen))


def _summary(path: Path) -> int:
    match = re.search(r"^summary:\s+(\d+)", path.read_text(errors="replace"), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no summary line in {path}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=2000, help="N (default 2000)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(args.calls)
        return
    if shutil.which("valgrind") is None:
        sys.exit("bench/api_call_costs.py needs valgrind: apt-get install -y valgrind")
    with tempfile.TemporaryDirectory(prefix="tb-call-costs-") as folder:
        out = Path(folder)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "taskboard.settings.local",
            "PROMETHEUS_MULTIPROC_DIR": str(out / "metrics"),
            "METRICS_ENABLED": "true",
            "PYTHONHASHSEED": "0",
            "PYTHONPATH": str(PROJECT_DIR),
        }
        argv = [
            "valgrind",
            "--tool=callgrind",
            "--dump-before=getppid",
            f"--callgrind-out-file={out / 'callgrind.out'}",
            f"--log-file={out / 'valgrind.log'}",
            sys.executable,
            str(Path(__file__).resolve()),
            "--measure",
            f"--calls={args.calls}",
        ]
        result = subprocess.run(argv, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0 or "NAMES " not in result.stdout:
            sys.exit(f"callgrind run failed ({result.returncode}):\n{result.stdout}{result.stderr[-3000:]}")
        names = result.stdout.split("NAMES ", 1)[1].strip().split("\t")
        dumps = sorted(
            (p for p in out.glob("callgrind.out.*") if p.suffix[1:].isdigit()),
            key=lambda p: int(p.suffix[1:]),
        )
        counts = [_summary(path) for path in dumps][1:]  # the first: the set-up
        if len(counts) != 2 * len(names):
            sys.exit(f"{len(counts)} dumps for {len(names)} calls: the marker called elsewhere?")
        per_call = {name: (counts[2 * i + 1] - counts[2 * i]) / args.calls for i, name in enumerate(names)}
    base = per_call[BASELINE]
    print(f"CPU instructions per call (callgrind, N = {args.calls}, minus the loop: {base:,.0f})\n")
    print("| call | instructions |\n|---|---:|")
    for name, count in per_call.items():
        if name != BASELINE:
            print(f"| {name} | {count - base:,.0f} |")


if __name__ == "__main__":
    main()
