"""bench/load/run.py's figures: locust's stats per request kind, the WebSocket delivery,
CPU per process kind, the cost per request and the fleet it implies."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from load_cpu import SERVING, Usage

# A fleet is sized to run its cores at this share at peak (headroom for bursts, failover
# and the tail latency that a saturated core brings).
TARGET_UTILIZATION = 0.6
FLEET_USERS = (10_000, 100_000)
# Tiers of the fleet and the process kinds each one runs.
TIERS = {
    "web (gunicorn)": ("gunicorn",),
    "ASGI (uvicorn)": ("uvicorn",),
    "workers (celery)": ("celery",),
    "database (PostgreSQL, PgBouncer, Patroni, etcd)": ("postgres", "pgbouncer", "patroni", "etcd"),
    "Redis": ("redis",),
    "nginx": ("nginx",),
}


@dataclass
class Row:
    kind: str
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float
    # locust's response-time histogram (rounded ms → count): the p95 over all kinds merges them.
    histogram: dict[str, int] = field(default_factory=dict, repr=False)


@dataclass
class Measurement:
    users: int
    web_instances: int | None
    rows: list[Row]
    usage: Usage
    failures: list[dict[str, Any]] = field(default_factory=list)
    load_before: float = 0.0
    load_after: float = 0.0

    @property
    def http_rows(self) -> list[Row]:
        return [row for row in self.rows if row.kind != "WS"]

    @property
    def delivery(self) -> Row | None:
        return next((row for row in self.rows if row.kind == "WS" and row.name == "delivery"), None)

    @property
    def http_requests(self) -> int:
        return sum(row.requests for row in self.http_rows)

    @property
    def errors(self) -> int:
        return sum(row.failures for row in self.rows)


def percentile(histogram: dict[str, int], count: int, fraction: float) -> float:
    """From locust's histogram (rounded milliseconds → count), as locust computes it."""
    if not count:
        return math.nan
    rank, seen = int(count * fraction), 0
    for value in sorted(histogram, key=float, reverse=True):
        seen += histogram[value]
        if count - seen <= rank:
            return float(value)
    return math.nan


def read_stats(path: Path, seconds: float) -> tuple[list[Row], list[dict[str, Any]]]:
    """The locustfile's stats.json: rows per request kind, and the errors."""
    data = json.loads(path.read_text())
    rows = []
    for entry in data["entries"]:
        histogram, count = entry["response_times"], entry["requests"]
        if not count and not entry["failures"]:
            continue  # only asked for before the window (a token refresh at arrival)
        rows.append(
            Row(
                kind=entry["kind"],
                name=entry["name"],
                requests=count,
                failures=entry["failures"],
                rps=count / seconds if seconds else math.nan,
                p50=percentile(histogram, count, 0.50),
                p95=percentile(histogram, count, 0.95),
                p99=percentile(histogram, count, 0.99),
                max=float(entry["max"] or 0),
                histogram={str(k): int(v) for k, v in histogram.items()},
            )
        )
    return rows, data["errors"]


def p95_overall(rows: list[Row]) -> float:
    """The p95 of all these requests together, from their merged histograms (exact, as
    locust computes a percentile); rows without a histogram give an upper estimate instead:
    the largest p95 of the kinds that together hold 5 % of the requests."""
    total = sum(row.requests for row in rows)
    if not total:
        return math.nan
    if all(row.histogram or not row.requests for row in rows):
        merged: dict[str, int] = {}
        for row in rows:
            for value, count in row.histogram.items():
                merged[value] = merged.get(value, 0) + count
        return percentile(merged, total, 0.95)
    tail = 0.0
    for row in sorted(rows, key=lambda r: r.p95, reverse=True):
        tail += row.requests
        if tail >= 0.05 * total:
            return row.p95
    return math.nan


def request_table(m: Measurement) -> list[str]:
    lines = [
        "| request kind | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(m.rows, key=lambda r: (r.kind == "WS", -r.requests)):
        label = f"WebSocket {row.name}" if row.kind == "WS" else f"{row.kind} {row.name}"
        lines.append(
            f"| {label} | {row.requests:,} | {row.rps:,.1f} | {row.p50:,.0f} | {row.p95:,.0f} | "
            f"{row.p99:,.0f} | {row.max:,.0f} | {row.failures:,} |"
        )
    return lines


def cpu_table(m: Measurement) -> list[str]:
    usage, requests = m.usage, max(1, m.http_requests)
    lines = [
        "| process kind | CPU s | cores (avg) | CPU ms per HTTP request |",
        "|---|---:|---:|---:|",
    ]
    for kind, cpu in sorted(usage.by_kind.items(), key=lambda item: -item[1]):
        lines.append(f"| {kind} | {cpu:,.1f} | {cpu / usage.seconds:.2f} | {cpu * 1000 / requests:.2f} |")
    lines.append(
        f"| **serving total** | {usage.serving:,.1f} | {usage.serving / usage.seconds:.2f} | "
        f"{usage.serving * 1000 / requests:.2f} |"
    )
    lines.append(
        f"| other work on the machine | {usage.other_work:,.1f} | {usage.other_work / usage.seconds:.2f} | |"
    )
    return lines


def fleet(m: Measurement) -> list[str]:
    """Cores per tier for FLEET_USERS, scaling this mix's CPU per user linearly."""
    usage = m.usage
    lines = [
        f"Fleet at this mix: {usage.serving / usage.seconds:.2f} cores served {m.users:,} users "
        f"({usage.serving / usage.seconds * 1000 / m.users:.3f} cores per 1,000 users), "
        f"sized at {TARGET_UTILIZATION:.0%} utilization:",
        "",
        "| tier | cores per 1,000 users | " + " | ".join(f"{users:,} users" for users in FLEET_USERS) + " |",
        "|---|---:|" + "---:|" * len(FLEET_USERS),
    ]
    total = [0.0 for _ in FLEET_USERS]
    for tier, kinds in TIERS.items():
        cores = sum(usage.by_kind.get(kind, 0.0) for kind in kinds) / usage.seconds
        per_thousand = cores * 1000 / m.users
        needed = [per_thousand * users / 1000 / TARGET_UTILIZATION for users in FLEET_USERS]
        total = [a + b for a, b in zip(total, needed, strict=True)]
        lines.append(f"| {tier} | {per_thousand:.3f} | " + " | ".join(f"{n:.1f}" for n in needed) + " |")
    lines.append("| **total** | | " + " | ".join(f"**{math.ceil(n)}**" for n in total) + " |")
    return lines


def calibrated_fleet(m: Measurement, cost_ms: dict[str, float]) -> list[str]:
    """The fleet again from the calibrated CPU per request kind (one request at a time)
    times how often each kind came per user here, plus the ASGI tier as measured here
    (idle sockets and deliveries; no request kind stands for them)."""
    usage = m.usage
    per_user_ms = 0.0  # CPU ms per second per user = cores per 1,000 users
    uncalibrated = 0
    for row in m.http_rows:
        if row.name in cost_ms:
            per_user_ms += row.requests / usage.seconds / m.users * cost_ms[row.name]
        else:
            uncalibrated += row.requests
    asgi = usage.by_kind.get("uvicorn", 0.0) / usage.seconds * 1000 / m.users
    per_thousand = per_user_ms + asgi
    needed = [per_thousand * users / 1000 / TARGET_UTILIZATION for users in FLEET_USERS]
    return [
        f"From the calibrated costs: {per_user_ms:.3f} cores per 1,000 users for the HTTP requests "
        f"+ {asgi:.3f} for the sockets (uvicorn, measured) = {per_thousand:.3f}; at "
        f"{TARGET_UTILIZATION:.0%}: "
        + ", ".join(f"{users:,} users {n:.0f} cores" for users, n in zip(FLEET_USERS, needed, strict=True))
        + (f" ({uncalibrated:,} requests of kinds not calibrated left out)" if uncalibrated else ""),
    ]


def summary(m: Measurement, goal_p95_ms: float) -> list[str]:
    p95 = p95_overall(m.http_rows)
    delivery = m.delivery
    met = p95 <= goal_p95_ms and m.errors == 0
    return [
        f"users {m.users:,}"
        + (f", web instances {m.web_instances}" if m.web_instances else "")
        + f"; measured {m.usage.seconds:.0f} s after the ramp"
        + f"; load average {m.load_before:.1f} → {m.load_after:.1f}",
        f"HTTP: {m.http_requests:,} requests, {m.http_requests / m.usage.seconds:,.1f} req/s, "
        f"p95 of all of them {p95:,.0f} ms; errors {m.errors:,}",
        "WebSocket delivery: "
        + (
            f"{delivery.requests:,} events, p50 {delivery.p50:,.0f} ms, p95 {delivery.p95:,.0f} ms, "
            f"p99 {delivery.p99:,.0f} ms"
            if delivery
            else "no events received"
        ),
        f"goal (p95 < {goal_p95_ms:.0f} ms, 0 errors): {'met' if met else 'NOT met'}",
    ]


def report(m: Measurement, goal_p95_ms: float) -> str:
    parts = [*summary(m, goal_p95_ms), "", *request_table(m), "", *cpu_table(m), "", *fleet(m)]
    if m.failures:
        parts += ["", "Failures (first 10 kinds):"]
        parts += [f"  {f['occurrences']} x {f['kind']} {f['name']}: {f['error']}" for f in m.failures[:10]]
        if any("HTTP 429" in str(f["error"]) or "HTTP 503" in str(f["error"]) for f in m.failures):
            parts.append(
                "  (429/503: every simulated person comes from 127.0.0.1, so a per-address limit in "
                "the target's nginx or app counts them all as one client: lift it for the test)"
            )
    return "\n".join(parts)


def as_json(m: Measurement) -> dict[str, Any]:
    return {
        "users": m.users,
        "web_instances": m.web_instances,
        "seconds": m.usage.seconds,
        "cpu_by_kind": m.usage.by_kind,
        "other_work": m.usage.other_work,
        "load": [m.load_before, m.load_after],
        "rows": [{k: v for k, v in row.__dict__.items() if k != "histogram"} for row in m.rows],
        "failures": m.failures,
        "serving_kinds": list(SERVING),
    }
