"""bench/api.py's report: the machine, the tables of figures and targets, the JSON file."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from api_measurement import Result


def machine() -> dict[str, Any]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "wrk": wrk_version.strip(),
    }


# (with, without): the metrics' cost, issue 16's budget 5 %.
METRICS_PAIRS = (("detail_warm_200", "detail_warm_200_nometrics"), ("post_task", "post_task_nometrics"))


def metrics_cost(results: dict[str, Result]) -> list[str]:
    rows = []
    for with_name, without_name in METRICS_PAIRS:
        if with_name in results and without_name in results:
            on, off = results[with_name], results[without_name]
            rps_cost = 1 - on.rps / off.rps
            cpu_cost = on.cpu_ms["app"] / off.cpu_ms["app"] - 1
            rows.append(
                f"metrics' cost on {with_name}: **{rps_cost:+.1%}** req/s "
                f"({on.rps:,.0f} with, {off.rps:,.0f} without), app CPU per request {cpu_cost:+.1%} "
                f"({on.cpu_ms['app']:.3f} ms with, {off.cpu_ms['app']:.3f} ms without)"
            )
    return ["", *rows] if rows else []


def table(results: dict[str, Result], healthz: Result | None) -> str:
    rows = [
        "| scenario | conns | req/s | p50 ms | p99 ms | KiB/resp | other work (cores) | target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for result in results.values():
        scenario = result.scenario
        verdict = "—"
        if result.verdicts:
            verdict = (
                "yes"
                if all(ok for _, ok in result.verdicts)
                else "**no**: " + "; ".join(text for text, ok in result.verdicts if not ok)
            )
        spread = ""
        if len(result.runs_rps) > 1:
            spread = f" ({min(result.runs_rps):,.0f} to {max(result.runs_rps):,.0f})"
        rows.append(
            f"| {scenario.title} | {scenario.connections} | {result.rps:,.0f}{spread} | "
            f"{result.p50_ms:.1f} | {result.p99_ms:.1f} | {result.kib_per_response:.1f} | "
            f"{result.other_cores:.2f} | "
            f"{scenario.target.describe() if scenario.target else ''} | {verdict} |"
        )
    if healthz is not None and "detail_warm_200" in results:
        ratio = results["detail_warm_200"].rps / healthz.rps
        rows.append("")
        rows.append(f"warm board detail (200 tasks) / healthz: **{ratio:.0%}**")
    rows += metrics_cost(results)
    rows += [
        "",
        "CPU per request (ms) and the rate the cores could sustain at that cost:",
        "",
        "| scenario | app | PostgreSQL | Redis | wrk | total | CPU-bound req/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results.values():
        cpu = result.cpu_ms
        rows.append(
            f"| {result.scenario.title} | {cpu['app']:.2f} | {cpu['postgres']:.2f} | {cpu['redis']:.2f} | "
            f"{cpu['wrk']:.2f} | {sum(cpu.values()):.2f} | {result.cpu_bound_rps:,.0f} |"
        )
    return "\n".join(rows)


def figures(
    info: dict[str, Any], load_end: tuple[float, float, float], results: dict[str, Result]
) -> dict[str, Any]:
    """What --json writes: the machine, the load at the end, every scenario's figures."""
    return {
        "machine": info,
        "load_average_end": load_end,
        "results": {
            name: {
                "title": r.scenario.title,
                "connections": r.scenario.connections,
                "rps": r.rps,
                "runs_rps": r.runs_rps,
                "p50_ms": r.p50_ms,
                "p90_ms": r.p90_ms,
                "p99_ms": r.p99_ms,
                "max_ms": r.max_ms,
                "errors": r.errors,
                "requests": r.requests,
                "load_before": r.load_before,
                "other_cores": r.other_cores,
                "cpu_ms_per_request": r.cpu_ms,
                "cpu_bound_rps": r.cpu_bound_rps,
                "targets": [{"target": text, "met": ok} for text, ok in r.verdicts],
            }
            for name, r in results.items()
        },
    }
