"""bench/api.py's measurements: wrk's runs of a scenario, the CPU each request cost the app,
PostgreSQL, Redis and wrk (from /proc and getrusage), the median run's result and its
verdicts against the scenario's target."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api_fixture import Fixture
from api_scenarios import Scenario
from api_stack import PROJECT_DIR, Stack

WRK_DIR = PROJECT_DIR / "bench" / "wrk"

# -- CPU accounting ---------------------------------------------------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root_pid: int) -> float:
    """CPU time of a process tree so far: every live process's own time plus what its
    reaped children used (gunicorn recycles workers, PostgreSQL backends come and go)."""
    total = 0
    pending = [root_pid]
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the name.
        total += sum(int(value) for value in fields[11:15])
        pending += [int(child) for child in children]
    return total / _CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU time every process on the machine has used (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _CLOCK_TICKS


def cpu_snapshot(stack: Stack) -> dict[str, float]:
    assert stack.gunicorn is not None
    assert stack.postgres.process is not None
    assert stack.redis.process is not None
    return {
        "app": tree_cpu_seconds(stack.gunicorn.pid),
        "postgres": tree_cpu_seconds(stack.postgres.process.pid),
        "redis": tree_cpu_seconds(stack.redis.process.pid),
        "wrk": resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime,
    }


# -- runs and results -------------------------------------------------------------------------


@dataclass
class Result:
    scenario: Scenario
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    requests: int
    kib_per_response: float
    load_before: float
    runs_rps: list[float] = field(default_factory=list)
    # CPU milliseconds per request of the app (gunicorn), PostgreSQL, Redis and wrk.
    cpu_ms: dict[str, float] = field(default_factory=dict)
    # Cores the machine's other processes used during the runs (the most of any run).
    other_cores: float = 0.0
    verdicts: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def cpu_bound_rps(self) -> float:
        """The rate the machine's cores could sustain at this CPU cost per request, if the
        stack had them to itself: a check on figures measured while other work ran."""
        return (os.cpu_count() or 1) * 1000 / max(sum(self.cpu_ms.values()), 1e-9)


def run_wrk(
    base_url: str, scenario: Scenario, fx: Fixture, *, seconds: float, threads: int
) -> dict[str, Any]:
    argv = [
        "wrk",
        f"--threads={min(threads, scenario.connections)}",
        f"--connections={scenario.connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={WRK_DIR / scenario.script}",
        base_url,
        "--",
        *scenario.args(fx),
    ]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    for line in result.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            figures: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
            return figures
    raise RuntimeError(f"wrk gave no figures (exit {result.returncode}):\n{result.stdout}{result.stderr}")


def measure(
    stack: Stack, scenario: Scenario, fx: Fixture, *, seconds: float, warmup: float, repeat: int, threads: int
) -> Result:
    # Every worker imports what the endpoint needs and (warm scenarios) the cache fills.
    if warmup > 0:
        run_wrk(stack.base_url, scenario, fx, seconds=warmup, threads=threads)
    load_before = os.getloadavg()[0]
    runs = []
    for _ in range(repeat):
        before, busy_before, started = cpu_snapshot(stack), machine_busy_seconds(), time.monotonic()
        run = run_wrk(stack.base_url, scenario, fx, seconds=seconds, threads=threads)
        after, busy_after, elapsed = cpu_snapshot(stack), machine_busy_seconds(), time.monotonic() - started
        run["rps"] = run["requests"] / (run["duration_us"] / 1e6)
        run["cpu_ms"] = {
            part: (after[part] - before[part]) * 1000 / max(1, run["requests"]) for part in after
        }
        # What the rest of the machine used meanwhile, in cores: other work skews every figure.
        ours = sum(after.values()) - sum(before.values())
        run["other_cores"] = max(0.0, (busy_after - busy_before) - ours) / elapsed
        runs.append(run)
    run = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    errors = sum(
        run[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return Result(
        scenario=scenario,
        rps=run["rps"],
        p50_ms=run["p50_us"] / 1000,
        p90_ms=run["p90_us"] / 1000,
        p99_ms=run["p99_us"] / 1000,
        max_ms=run["max_us"] / 1000,
        errors=errors,
        requests=run["requests"],
        kib_per_response=run["bytes"] / max(1, run["requests"]) / 1024,
        load_before=load_before,
        runs_rps=[r["rps"] for r in runs],
        cpu_ms=run["cpu_ms"],
        other_cores=max(r["other_cores"] for r in runs),
    )


def judge(results: dict[str, Result]) -> None:
    for result in results.values():
        target = result.scenario.target
        if target is None:
            continue
        if target.min_rps is not None:
            result.verdicts.append((f"≥ {target.min_rps:,.0f} req/s", result.rps >= target.min_rps))
        if target.min_ratio is not None and target.ratio_of in results:
            ratio = result.rps / results[target.ratio_of].rps
            result.verdicts.append(
                (f"{ratio:.0%} of {target.ratio_of} (≥ {target.min_ratio:.0%})", ratio >= target.min_ratio)
            )
        if target.max_p99_ms is not None:
            result.verdicts.append((f"p99 ≤ {target.max_p99_ms:g} ms", result.p99_ms <= target.max_p99_ms))
        if result.errors:
            result.verdicts.append((f"{result.errors} errors", False))
