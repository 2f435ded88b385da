"""REST API throughput and latency, against the app served as production serves it.

    .venv/bin/python bench/api.py                      # every scenario, 10 s each
    .venv/bin/python bench/api.py --repeat 3           # each scenario 3 times, the median run
    .venv/bin/python bench/api.py --profile var/profiles   # also py-spy profiles of each scenario

It starts its own PostgreSQL and Redis (temporary directory, free ports; the test suite's
server helpers), migrates, seeds the demo data with two large boards (`seed_demo --tasks 200`:
5 lists x 40 tasks, and `--tasks 5000`), and serves the app with gunicorn's sync workers
(deploy/gunicorn.conf.py, `taskboard.settings.production`, `DB_POOL=false`: docs/database.md),
no nginx in front. The load comes from wrk (Debian package `wrk`) on the same machine, with
the Lua scripts in bench/wrk/ and an access token from POST /api/v1/auth/token/.

Scenarios, in this order:

1. with `BOARD_CACHE=false` (every board read built from the database): board detail of the
   200-task board (32 connections) and of the 5,000-task board (8);
2. the production configuration: GET /healthz (a trivial Django view, the ceiling), board
   detail warm (200 tasks, 32 connections), board detail answered 304 to If-None-Match (the
   floor of an authenticated board read: token, user and board rows, no body), a board's
   tasks with a filter, board detail warm for 5,000 tasks (8 connections), POST task and
   POST move (32 connections, one board);
3. among them, warm board detail and POST task once more without issue 16's metrics and logs
   (api_scenarios.BASELINE: bench/api_baseline_settings.py says what that removes), each
   right after the same scenario with them: their cost, printed as a difference (with
   --profile also the share of the workers' samples in the metrics' code). Runs minutes apart
   drift by more than that cost on a shared machine: --metrics-cost (below) measures it fairly.
   After the scenarios, the median time of one scrape of /metrics.

    .venv/bin/python bench/api.py --metrics-cost       # only issue 16's cost, measured fairly

runs only that cost, in two ways (bench/api_metrics_cost.py): req/s in short rounds that
alternate between two gunicorns served at once, one with and one without (with, without;
without, with; ...), so that the host's drift falls on both; and CPU instructions per request
counted by valgrind's callgrind in one Python process calling the WSGI application, which no
neighbour can move. With --served-instructions N also the instructions per request of one
gunicorn sync worker under callgrind serving them over its socket (gunicorn's own work
included: bench/api_served_instructions.py).

gunicorn is restarted before each scenario, so no scenario pays for the worker restarts
(max_requests) that an earlier one's requests ran up. Besides requests/s and latencies it
reports the CPU each request cost the app, PostgreSQL, Redis and wrk (from /proc and
getrusage), and the rate the cores could sustain at that cost: a check on figures measured
while other work shared the machine.

The writes come last: they change the boards the reads measure. Before POST move, the tasks
POST task added (thousands in a full run) are deleted, so the moves run on the 200-task
board the scenario names rather than on one with lists of thousands. PostgreSQL runs with
production durability (fsync and synchronous commit on) unless --fast-db.

Results and targets: docs/benchmarks.md ("API (bench/api.py)").
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# The modules beside this script hold its parts (bench/ is first on sys.path): the stack it
# starts, the data, the scenarios, the measurements, the profiles and the report.
from api_fixture import (
    LARGE_BOARD_TASKS,
    OWNER_EMAIL,
    OWNER_PASSWORD,
    SMALL_BOARD_TASKS,
    Fixture,
    fixture,
    http_json,
    remove_posted_tasks,
    seed,
)
from api_measurement import Result, judge, measure
from api_metrics_cost import add_arguments, valgrind_missing
from api_metrics_cost import run as run_metrics_cost
from api_profiling import profile, summarize_profile
from api_report import figures, machine, table
from api_scenarios import Scenario, scenarios
from api_stack import METRICS_TOKEN, Stack, opener


def serve(stack: Stack) -> None:
    """Keep the seeded stack running for trying and profiling by hand."""
    stack.start_gunicorn()
    fx = fixture(stack.base_url)
    print(f"{stack.base_url}  (gunicorn pid {stack.gunicorn.pid if stack.gunicorn else '?'})")
    print(f"Authorization: Bearer {fx.token}")
    print(f"boards: {fx.small_board_id} ({SMALL_BOARD_TASKS} tasks), ", end="")
    print(f"{fx.large_board_id} ({LARGE_BOARD_TASKS} tasks)")
    print("Ctrl-C stops everything.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


def scrape_cost(stack: Stack, scrapes: int = 30) -> str:
    """What one scrape of /metrics costs the worker that answers it, after the scenarios'
    traffic (every family has values): the median time and the size of the answer."""
    stack.start_gunicorn()
    # Some traffic first, so that the families have values: a login, board lists and reads.
    api = f"{stack.base_url}/api/v1"
    token = http_json(f"{api}/auth/token/", body={"email": OWNER_EMAIL, "password": OWNER_PASSWORD})["access"]
    for board in http_json(f"{api}/boards/?page_size=100", token=token)["results"]:
        http_json(f"{api}/boards/{board['id']}/", token=token)
    request = urllib.request.Request(
        f"{stack.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    times, size = [], 0
    for _ in range(scrapes):
        started = time.perf_counter()
        with opener.open(request, timeout=10) as response:
            size = len(response.read())
        times.append(time.perf_counter() - started)
    times.sort()
    return f"/metrics: median {times[len(times) // 2] * 1000:.1f} ms per scrape, {size / 1024:.0f} KiB"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run (default 10)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before each measurement")
    parser.add_argument("--repeat", type=int, default=1, help="runs per scenario; the median run is reported")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--large-connections", type=int, default=8, help="for the 5,000-task board detail")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py's)")
    parser.add_argument(
        "--gunicorn-args", default="", help='more gunicorn settings, e.g. "--preload" (GUNICORN_CMD_ARGS)'
    )
    parser.add_argument("--only", help="comma-separated scenario names (default: all)")
    parser.add_argument(
        "--fast-db", action="store_true", help="PostgreSQL without fsync (the test cluster's)"
    )
    parser.add_argument("--profile", metavar="DIR", help="also profile each scenario with py-spy into DIR")
    parser.add_argument("--json", metavar="FILE", help="write the figures as JSON too")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    parser.add_argument(
        "--serve",
        action="store_true",
        help="only start and seed the stack, print how to reach it, wait for Ctrl-C",
    )
    add_arguments(parser)
    return parser


def _profile_dir(args: argparse.Namespace) -> Path | None:
    profile_dir = Path(args.profile).resolve() if args.profile else None
    if profile_dir is not None:
        if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
            sys.exit("--profile needs py-spy: .venv/bin/pip install py-spy (requirements/dev.in)")
        profile_dir.mkdir(parents=True, exist_ok=True)
    return profile_dir


def _chosen(args: argparse.Namespace) -> list[Scenario]:
    chosen = scenarios(args.connections, args.large_connections)
    if args.only:
        names = set(args.only.split(","))
        unknown = names - {s.name for s in chosen}
        if unknown:
            sys.exit(
                f"unknown scenarios: {', '.join(sorted(unknown))}; known: {', '.join(s.name for s in chosen)}"
            )
        chosen = [s for s in chosen if s.name in names]
    return chosen


def _run_scenarios(
    stack: Stack, chosen: list[Scenario], args: argparse.Namespace, profile_dir: Path | None
) -> dict[str, Result]:
    """Each scenario on fresh gunicorn workers, its result printed as it comes."""
    results: dict[str, Result] = {}
    current_settings: tuple[tuple[str, str], ...] | None = None
    fx: Fixture | None = None
    for scenario in chosen:
        # Fresh workers for each scenario: gunicorn recycles a worker after
        # max_requests, and an earlier scenario's requests must not make this one pay
        # for the restarts (a restart imports the whole app again, about a second of CPU).
        stack.start_gunicorn(**dict(scenario.settings))
        if scenario.settings != current_settings:
            current_settings = scenario.settings
            workers = len(stack.worker_pids())
            shown = " ".join(f"{k}={v}" for k, v in scenario.settings) or "production settings"
            print(f"gunicorn: {workers} sync workers, {shown} {args.gunicorn_args}".rstrip(), flush=True)
        if fx is None:
            fx = fixture(stack.base_url)
        if scenario.seeded_small_board:
            remove_posted_tasks(stack, fx)
        result = measure(
            stack,
            scenario,
            fx,
            seconds=args.duration,
            warmup=args.warmup,
            repeat=args.repeat,
            threads=args.threads,
        )
        results[scenario.name] = result
        print(
            f"  {scenario.name:<22} {result.rps:8,.0f} req/s  p50 {result.p50_ms:6.1f} ms  "
            f"p99 {result.p99_ms:6.1f} ms  errors {result.errors}  "
            f"(CPU {sum(result.cpu_ms.values()):.2f} ms/request, app {result.cpu_ms['app']:.2f}; "
            f"other work {result.other_cores:.2f} cores)",
            flush=True,
        )
        if profile_dir is not None:
            out = profile(stack, scenario, fx, profile_dir, seconds=args.duration, threads=args.threads)
            print(f"  profile: {out}\n{summarize_profile(out)}", flush=True)
    return results


def main() -> None:
    args = _parser().parse_args()

    if shutil.which("wrk") is None:
        sys.exit("bench/api.py needs wrk, the HTTP load generator: apt-get install -y wrk")
    if args.metrics_cost and (args.instructions > 0 or args.served_instructions > 0) and valgrind_missing():
        sys.exit("--metrics-cost counts instructions with valgrind: apt-get install -y valgrind")
    profile_dir = _profile_dir(args)
    chosen = _chosen(args)

    info = machine()
    print(f"machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}; {info['wrk']}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    # Ctrl-C and SIGTERM (also in the background, where SIGINT starts out ignored) stop the
    # stack on the way out.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    # Not "taskboard-bench-*": other benches' clean-ups remove those.
    base_dir = Path(tempfile.mkdtemp(prefix="tb-api-bench-"))
    stack = Stack(base_dir, workers=args.workers, gunicorn_args=args.gunicorn_args, durable=not args.fast_db)
    results: dict[str, Result] = {}
    scrape = ""
    try:
        stack.start()
        print(f"stack in {base_dir}: PostgreSQL {stack.postgres.port}, Redis {stack.redis.port}", flush=True)
        seed(stack)
        if args.serve:
            serve(stack)
            return
        if args.metrics_cost:
            lines = run_metrics_cost(stack, args)
            print("\n".join(lines))
            print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            return
        results = _run_scenarios(stack, chosen, args, profile_dir)
        scrape = scrape_cost(stack)
        print(scrape, flush=True)
    finally:
        stack.stop()
        if args.keep:
            print(f"kept {base_dir}")
        else:
            shutil.rmtree(base_dir, ignore_errors=True)

    judge(results)
    load_end = os.getloadavg()
    print()
    print(table(results, results.get("healthz")))
    print(scrape)
    print()
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in load_end)}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures(info, load_end, results), indent=2))
    failed = [r for r in results.values() if r.errors]
    if failed:
        sys.exit(
            f"errors in: {', '.join(r.scenario.name for r in failed)} (see the gunicorn log with --keep)"
        )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
