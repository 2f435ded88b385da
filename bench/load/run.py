"""The load test of issue 17: many simulated people against the production topology.

    make stack LOAD=1 && .venv/bin/python bench/load/run.py --users 2000 --spawn-rate 20 --duration 120
    .venv/bin/python bench/load/run.py --users 500 --web-instances 1,2,3 \
        --scale-command ".venv/bin/python deploy/stack/stack.py scale web"
    .venv/bin/python bench/load/run.py --local --users 200 --duration 60      # no make stack
    .venv/bin/python bench/load/run.py --local --users 1000 --web-instances 1,2,3

Against `--host` (default make stack's https://127.0.0.1:8443; its certificate is
self-signed, so not verified), or with `--local` against a stack of its own
(bench/load/load_stack.py). Only loopback targets: it refuses any other host.

1. Seeds N users on boards of `--members`, with sessions and refresh tokens
   (`manage.py seed_load`), with the target's settings: `--local` knows them; for make
   stack they come from `--env-file` (make stack writes var/stack/run/taskboard.env).
   `--seed-file` reuses an earlier seed instead.
2. Runs locust headless (bench/load/locustfile.py: viewers, browsers, editors, API
   clients) with N users arriving at `--spawn-rate` per second. `--settle` seconds after
   all have arrived its statistics restart and the measured window of `--duration`
   seconds begins (the last arrivals' board pages may still be queued at the end of the
   ramp; that is the ramp's cost, not the steady state's).
3. Meanwhile reads the CPU time of the target's processes by kind (bench/load/load_cpu.py:
   gunicorn, uvicorn, celery, PostgreSQL, PgBouncer, Redis, nginx, and locust itself)
   and of the whole machine, over the window.
4. Prints per request kind req/s, p50/p95/p99 and errors, the WebSocket delivery
   latency, CPU per process kind and per request, and the cores 10,000 and 100,000
   users would need at this mix.

`--web-instances 1,2,3` repeats the measurement with that many gunicorn instances: the
local stack changes its own; for another target give `--scale-command` (run with the
count appended, before each measurement; make stack's is `deploy/stack/stack.py scale web`).
make stack must run with `LOAD=1`: its nginx limits each address, and all the simulated
people come from 127.0.0.1. Results: docs/benchmarks.md ("Load test").
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from load_calibrate import calibrate, cost_table
from load_cpu import Meter, pids_from_files
from load_report import Measurement, as_json, calibrated_fleet, read_stats, report
from load_stack import LocalStack

PROJECT_DIR = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
DEFAULT_HOST = "https://127.0.0.1:8443"
DEFAULT_ENV_FILE = PROJECT_DIR / "var" / "stack" / "run" / "taskboard.env"
DEFAULT_PID_DIR = PROJECT_DIR / "var" / "stack" / "run" / "pids"


def loopback_only(url: str) -> str:
    """`url` if it names this machine (127.0.0.0/8, ::1, localhost); SystemExit otherwise:
    a load test is never pointed at someone else's server."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SystemExit(f"--host must be an http(s) URL, not {url!r}")
    host = parts.hostname
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise SystemExit(f"refusing {host!r}: the load test only runs against this machine (loopback)")
    return url.rstrip("/")


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments and blanks skipped), as make stack writes them."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


def seed(args: argparse.Namespace, work: Path, env: dict[str, str]) -> Path:
    if args.seed_file:
        return Path(args.seed_file)
    out = work / "seed.json"
    command = [sys.executable, "manage.py", "seed_load", "--users", str(args.users)]
    command += ["--members", str(args.members), "--tasks", str(args.tasks), "--out", str(out)]
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"seed_load failed:\n{result.stdout}{result.stderr}")
    print(result.stdout.strip(), flush=True)
    return out


def _wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise SystemExit(f"locust exited ({process.returncode}) before {path.name}")
        if time.monotonic() > deadline:
            raise SystemExit(f"no {path.name} from locust after {timeout:.0f} s")
        time.sleep(0.1)


def _keep_refresh_tokens(seed_file: Path, latest: dict[str, str]) -> None:
    """The API clients rotated their refresh tokens: the seed keeps the current ones (a
    rotated one used again would revoke its family)."""
    if not latest:
        return
    data = json.loads(seed_file.read_text())
    for user in data["users"]:
        user["refresh"] = latest.get(str(user["id"]), user["refresh"])
    seed_file.write_text(json.dumps(data))


def measure(
    args: argparse.Namespace, host: str, seed_file: Path, roots: list[int], work: Path, web: int | None
) -> Measurement:
    marks = Path(tempfile.mkdtemp(prefix="marks-", dir=work))
    ramp = args.users / args.spawn_rate
    # A safety net only: the window ends when this script stops locust.
    limit = math.ceil(ramp * 4 + args.settle + args.duration + 300)
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", host,
        "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{limit}s", "--reset-stats",
        "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING",
    ]  # fmt: skip
    env = {**os.environ, "LOAD_SEED_FILE": str(seed_file), "LOAD_MARK_DIR": str(marks)}
    env["LOAD_THINK_SCALE"] = str(args.think_scale)
    env["LOAD_SETTLE_SECONDS"] = str(args.settle)
    load_before = os.getloadavg()[0]
    with (work / "locust.log").open("ab") as log:
        locust = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for(marks / "spawned", locust, timeout=ramp * 4 + args.settle + 120)
        print(f"  {args.users} users arrived; measuring {args.duration} s", flush=True)
        meter = Meter([*roots, locust.pid])
        meter.start(time.monotonic())
        time.sleep(args.duration)
        usage = meter.stop(time.monotonic())
        load_after = os.getloadavg()[0]
        locust.send_signal(signal.SIGTERM)
        locust.wait(timeout=120)
    finally:
        if locust.poll() is None:
            locust.kill()
            locust.wait()
    stats = marks / "stats.json"
    rows, errors = read_stats(stats, usage.seconds)
    _keep_refresh_tokens(seed_file, json.loads(stats.read_text()).get("refresh", {}))
    return Measurement(
        users=args.users,
        web_instances=web,
        rows=rows,
        usage=usage,
        failures=errors,
        load_before=load_before,
        load_after=load_after,
    )


def _calibrate(
    args: argparse.Namespace, host: str, seed_file: Path, stack: LocalStack | None
) -> dict[str, float]:
    if not args.calibrate:
        return {}
    roots = stack.roots() if stack is not None else pids_from_files(Path(args.pid_dir))
    print(f"calibrating: {args.calibrate} requests of each kind, one at a time", flush=True)
    calibration = calibrate(host, seed_file, roots, args.calibrate)
    print("\n".join(cost_table(calibration)), flush=True)
    return {cost.name: cost.serving_ms for cost in calibration}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"the target (loopback only; default {DEFAULT_HOST})"
    )
    parser.add_argument("--local", action="store_true", help="start a target of its own instead")
    parser.add_argument(
        "--local-tls", action="store_true", help="--local with TLS (self-signed), as make stack"
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20, help="arrivals per second (default 20)")
    parser.add_argument("--duration", type=float, default=60, help="measured seconds after the ramp")
    parser.add_argument("--settle", type=float, default=20, help="seconds between the ramp and the window")
    parser.add_argument(
        "--think-scale", type=float, default=1.0, help="multiplies the think times (0.5: busier)"
    )
    parser.add_argument("--members", type=int, default=20, help="people per board (default 20)")
    parser.add_argument("--tasks", type=int, default=60, help="tasks per board (default 60)")
    parser.add_argument("--web-instances", help="e.g. 1,2,3: one measurement per gunicorn instance count")
    parser.add_argument(
        "--scale-command", help="for a non-local target: run with the instance count appended"
    )
    parser.add_argument(
        "--web-workers", type=int, default=2, help="--local: workers per gunicorn (default 2)"
    )
    parser.add_argument(
        "--asgi-instances", type=int, default=2, help="--local: uvicorn instances (default 2)"
    )
    parser.add_argument("--env-file", default=str(DEFAULT_ENV_FILE), help="the target's app environment")
    parser.add_argument("--pid-dir", default=str(DEFAULT_PID_DIR), help="the target's pid files (CPU meter)")
    parser.add_argument("--seed-file", help="reuse this seed (from an earlier run) instead of seeding")
    parser.add_argument(
        "--calibrate",
        type=int,
        default=0,
        metavar="N",
        help="first, CPU per request kind over N requests each",
    )
    parser.add_argument("--goal-p95", type=float, default=100, help="the goal's p95 in ms (default 100)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, seed)")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    host = args.host if args.local else loopback_only(args.host)
    counts = [int(n) for n in args.web_instances.split(",")] if args.web_instances else [None]
    if counts != [None] and not args.local and not args.scale_command:
        raise SystemExit("--web-instances needs --local or a --scale-command for the target")
    work = Path(tempfile.mkdtemp(prefix="taskboard-load-"))
    if os.geteuid() == 0:
        work.chmod(0o711)  # the postgres user walks through it to its data
    stack = None
    results = []
    try:
        if args.local:
            stack = LocalStack(
                work / "stack",
                web_instances=counts[0] or 3,
                web_workers=args.web_workers,
                asgi_instances=args.asgi_instances,
                tls=args.local_tls,
            )
            (work / "stack").mkdir()
            print(f"starting a local stack in {work / 'stack'}", flush=True)
            stack.start()
            host, env = stack.url, stack.env()
        else:
            env_file = Path(args.env_file)
            if not args.seed_file and not env_file.exists():
                raise SystemExit(f"no {env_file}: is make stack up? (or --env-file, --seed-file, --local)")
            env = {**os.environ, **(read_env_file(env_file) if env_file.exists() else {})}
        seed_file = seed(args, work, env)
        costs = _calibrate(args, host, seed_file, stack)
        for count in counts:
            if count is not None and stack is not None:
                stack.set_web_instances(count)
            elif count is not None:
                subprocess.run([*args.scale_command.split(), str(count)], check=True)
            roots = stack.roots() if stack is not None else pids_from_files(Path(args.pid_dir))
            print(f"measuring {host} ({os.cpu_count()} cores)", flush=True)
            result = measure(args, host, seed_file, roots, work, count)
            results.append(result)
            print(report(result, args.goal_p95), flush=True)
            if costs:
                print("\n".join(calibrated_fleet(result, costs)), flush=True)
            print(flush=True)
    finally:
        if stack is not None:
            stack.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps([as_json(result) for result in results], indent=2))


if __name__ == "__main__":
    main()
