"""bench/api.py --metrics-cost, part 1: the metrics' and logs' cost in req/s, from interleaved
rounds. Two gunicorns run side by side on the same PostgreSQL and Redis, one with production's
settings and one with the baseline (scenarios.BASELINE), and short measured rounds alternate
between them, A B, B A, A B, ...: the host's drift between runs minutes apart (larger than the
5 % budget on the shared 2-core machine) then falls on both alike, and each round's pair is
compared with itself. Reported per scenario: the median req/s of each, and the median, the
quartiles and the range of the rounds' paired costs (1 - with / without)."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field

from api_fixture import Fixture
from api_measurement import cpu_snapshot, machine_busy_seconds, run_wrk
from api_scenarios import Scenario
from api_stack import Stack

WITH, WITHOUT = "with", "without"


@dataclass
class Rounds:
    """The measured rounds of one scenario: req/s, app CPU per request, errors."""

    scenario: Scenario
    rps: dict[str, list[float]] = field(default_factory=lambda: {WITH: [], WITHOUT: []})
    app_cpu_ms: dict[str, list[float]] = field(default_factory=lambda: {WITH: [], WITHOUT: []})
    other_cores: list[float] = field(default_factory=list)
    errors: int = 0

    def paired_costs(self) -> list[float]:
        """Each round's cost in req/s: 1 - (with / without) of the two runs of that round."""
        return [1 - on / off for on, off in zip(self.rps[WITH], self.rps[WITHOUT], strict=True)]

    def double_round_costs(self) -> list[float]:
        """The cost of each two rounds in turn (with, without; without, with): 1 - the
        geometric mean of their two ratios. Whatever favours the first (or the second) run of
        a round counts once for each variant and cancels."""
        ratios = [on / off for on, off in zip(self.rps[WITH], self.rps[WITHOUT], strict=True)]
        return [1 - math.sqrt(a * b) for a, b in zip(ratios[0::2], ratios[1::2], strict=False)]

    def paired_cpu_costs(self) -> list[float]:
        """Each round's cost in the app's CPU per request: with / without - 1."""
        pairs = zip(self.app_cpu_ms[WITH], self.app_cpu_ms[WITHOUT], strict=True)
        return [on / off - 1 for on, off in pairs]


def spread(values: list[float]) -> tuple[float, float, float, float, float]:
    """min, first quartile, median, third quartile, max."""
    ordered = sorted(values)
    if len(ordered) < 2:
        return (ordered[0],) * 5
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return ordered[0], q1, median, q3, ordered[-1]


def _one_run(stack: Stack, scenario: Scenario, fx: Fixture, seconds: float, threads: int) -> dict[str, float]:
    before, busy_before, started = cpu_snapshot(stack), machine_busy_seconds(), time.monotonic()
    run = run_wrk(stack.base_url, scenario, fx, seconds=seconds, threads=threads)
    after, busy_after, elapsed = cpu_snapshot(stack), machine_busy_seconds(), time.monotonic() - started
    requests = max(1, run["requests"])
    ours = sum(after.values()) - sum(before.values())
    return {
        "rps": run["requests"] / (run["duration_us"] / 1e6),
        "app_cpu_ms": (after["app"] - before["app"]) * 1000 / requests,
        "other_cores": max(0.0, (busy_after - busy_before) - ours) / elapsed,
        "errors": sum(
            run[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
        ),
    }


def interleave(
    stacks: dict[str, Stack],
    scenario: Scenario,
    fx: Fixture,
    *,
    rounds: int,
    seconds: float,
    warmup: float,
    threads: int,
) -> Rounds:
    """`rounds` rounds of `scenario`, each one run on each gunicorn of `stacks` (keys WITH and
    WITHOUT), the order alternating from round to round (A B, B A, ...)."""
    for stack in stacks.values():
        # Every worker imports what the endpoint needs and the board cache fills.
        run_wrk(stack.base_url, scenario, fx, seconds=warmup, threads=threads)
    result = Rounds(scenario)
    for number in range(rounds):
        order = (WITH, WITHOUT) if number % 2 == 0 else (WITHOUT, WITH)
        shown = []
        for variant in order:
            run = _one_run(stacks[variant], scenario, fx, seconds, threads)
            result.rps[variant].append(run["rps"])
            result.app_cpu_ms[variant].append(run["app_cpu_ms"])
            result.other_cores.append(run["other_cores"])
            result.errors += int(run["errors"])
            shown.append(f"{variant} {run['rps']:7,.0f} req/s (app {run['app_cpu_ms']:.2f} ms)")
        cost = result.paired_costs()[-1]
        print(f"    round {number + 1:2}: {', '.join(shown)}: cost {cost:+.1%}", flush=True)
    return result


def report(results: list[Rounds]) -> list[str]:
    """The interleaved figures as Markdown lines."""
    lines = [
        "| scenario | rounds | req/s with (median) | without (median) | cost per round: median | IQR | "
        "min to max | per two rounds (A B, B A): median | IQR | app CPU/request: paired cost (median) | "
        "other work (cores, max) | errors |",
        "|---|---:|---:|---:|---:|---|---|---:|---|---:|---:|---:|",
    ]
    for result in results:
        low, q1, median, q3, high = spread(result.paired_costs())
        _, d1, double, d3, _ = spread(result.double_round_costs() or result.paired_costs())
        cpu_median = statistics.median(result.paired_cpu_costs())
        lines.append(
            f"| {result.scenario.title} | {len(result.rps[WITH])} | "
            f"{statistics.median(result.rps[WITH]):,.0f} | {statistics.median(result.rps[WITHOUT]):,.0f} | "
            f"{median:+.1%} | {q1:+.1%} to {q3:+.1%} | {low:+.1%} to {high:+.1%} | "
            f"**{double:+.1%}** | {d1:+.1%} to {d3:+.1%} | "
            f"{cpu_median:+.1%} | {max(result.other_cores):.2f} | {result.errors} |"
        )
    return lines
