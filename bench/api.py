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
   POST move (32 connections, one board).

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
import collections
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from tests.plugins.postgres import PrimaryServer, find_bindir  # noqa: E402
from tests.plugins.processes import RunAs, free_port, log_tail, wait_until  # noqa: E402
from tests.plugins.redis_server import RedisServer  # noqa: E402

WRK_DIR = PROJECT_DIR / "bench" / "wrk"
DATABASE = "taskboard_bench"
SMALL_BOARD_TASKS = 200
LARGE_BOARD_TASKS = 5000
# seed_demo's owner of every board (tasks/management/commands/seed_demo.py).
OWNER_EMAIL = "alice@example.com"
OWNER_PASSWORD = "taskboard-demo"
# What the filter scenario asks for: the caller's open high-priority tasks.
TASK_FILTER = "assignee=me&priority=high&completed=false"
# The test cluster is tuned for speed over durability; production commits are durable.
DURABLE_POSTGRES_SETTINGS = (
    "\n# bench/api.py: production durability\n"
    "fsync = on\n"
    "synchronous_commit = on\n"
    "full_page_writes = on\n"
    "autovacuum = on\n"
    "shared_buffers = 128MB\n"
)
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# -- the stack --------------------------------------------------------------------------------


class Stack:
    """PostgreSQL, Redis and gunicorn in `base_dir`; gunicorn may be restarted with other
    settings."""

    def __init__(self, base_dir: Path, *, workers: int | None, gunicorn_args: str, durable: bool) -> None:
        self.base_dir = base_dir
        self.workers = workers
        self.gunicorn_args = gunicorn_args
        self.durable = durable
        self.postgres = PrimaryServer(
            name="bench",
            bindir=find_bindir(),
            directory=base_dir / "postgres",
            port=free_port(),
            run_as=RunAs(),
        )
        self.redis = RedisServer(directory=base_dir / "redis", port=free_port())
        self.port = free_port()
        self.gunicorn: subprocess.Popen[bytes] | None = None
        self.gunicorn_log = base_dir / "gunicorn.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if os.geteuid() == 0:
            # The postgres user must reach its own subdirectory.
            self.base_dir.chmod(0o711)
        self.postgres.init()
        if self.durable:
            with (self.postgres.data_dir / "postgresql.conf").open("a") as conf:
                conf.write(DURABLE_POSTGRES_SETTINGS)
        self.postgres.start()
        self.postgres.create_database(DATABASE)
        self.redis.start()

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "taskboard.settings.production",
            "SECRET_KEY": "bench-secret-key-" + "s" * 50,
            "JWT_SIGNING_KEY": "bench-jwt-signing-key-" + "j" * 30,
            "JWT_ACCESS_MINUTES": "240",
            # Plain HTTP on the loopback: no nginx terminating TLS in front.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.postgres.url(DATABASE),
            "DATABASE_REPLICA_URLS": "",
            # Sync workers: one persistent connection each (docs/database.md).
            "DB_POOL": "false",
            "REDIS_URL": self.redis.url(0),
            "CELERY_BROKER_URL": self.redis.url(1),
            "STATIC_ROOT": str(self.base_dir / "static"),
            "TASKBOARD_VAR_DIR": str(self.base_dir / "var"),
            "SITE_URL": self.base_url,
            "LOG_LEVEL": "WARNING",
            # One account (one address) stands for the whole load: request rates raised far
            # past it, so nothing answers 429 but every request is still counted (their cost
            # is in the figures).
            "API_THROTTLE_USER": "100000000/min",
            "API_THROTTLE_ANON": "100000000/min",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
        }
        if self.workers is not None:
            env["GUNICORN_WORKERS"] = str(self.workers)
        if self.gunicorn_args:
            # gunicorn reads extra command-line settings from this variable.
            env["GUNICORN_CMD_ARGS"] = self.gunicorn_args
        env.update(overrides)
        return env

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_DIR,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def start_gunicorn(self, **settings: str) -> None:
        self.stop_gunicorn()
        with self.gunicorn_log.open("ab") as log:
            self.gunicorn = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "gunicorn"),
                    "--config",
                    str(PROJECT_DIR / "deploy" / "gunicorn.conf.py"),
                    "taskboard.wsgi",
                ],
                cwd=PROJECT_DIR,
                env=self.env(**settings),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = self.gunicorn

        def ready() -> bool | None:
            if process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {process.returncode}\n{log_tail(self.gunicorn_log)}"
                )
            with _opener.open(f"{self.base_url}/healthz", timeout=2) as response:
                return True if response.status == 200 else None

        wait_until(ready, timeout=60, interval=0.2, what="gunicorn")
        # The first worker answers while the master is still forking the others.
        configured = self.env(**settings).get("GUNICORN_WORKERS")
        expected = int(configured) if configured else (os.cpu_count() or 1) * 2 + 1  # gunicorn.conf.py's
        wait_until(
            lambda: True if len(self.worker_pids()) >= expected else None,
            timeout=30,
            interval=0.1,
            what=f"{expected} gunicorn workers",
        )

    def worker_pids(self) -> list[int]:
        assert self.gunicorn is not None
        children = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def stop_gunicorn(self) -> None:
        process, self.gunicorn = self.gunicorn, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        self.stop_gunicorn()
        self.redis.stop()
        self.postgres.stop()


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


# -- HTTP helpers (setup only; the load comes from wrk) ---------------------------------------


def http_json(url: str, *, token: str | None = None, body: dict[str, Any] | None = None) -> Any:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with _opener.open(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{request.method} {url}: {exc.code} {exc.read()[:500]!r}") from None


@dataclass
class Fixture:
    token: str
    small_board: dict[str, Any]
    large_board: dict[str, Any]

    @property
    def small_board_id(self) -> int:
        return int(self.small_board["id"])

    @property
    def large_board_id(self) -> int:
        return int(self.large_board["id"])

    @property
    def small_board_etag(self) -> str:
        return f'"{self.small_board["id"]}-{self.small_board["version"]}"'

    def list_ids(self, board: dict[str, Any]) -> list[int]:
        return [board_list["id"] for board_list in board["lists"]]

    def task_ids(self, board: dict[str, Any]) -> list[int]:
        return [task["id"] for board_list in board["lists"] for task in board_list["tasks"]]


def seed(stack: Stack) -> None:
    stack.manage("migrate", "--verbosity", "0")
    for tasks in (SMALL_BOARD_TASKS, LARGE_BOARD_TASKS):
        started = time.monotonic()
        stack.manage("seed_demo", "--tasks", str(tasks))
        print(f"  seeded the {tasks}-task board in {time.monotonic() - started:.1f} s", flush=True)


def fixture(base_url: str) -> Fixture:
    """Log in through the API and find the two large boards."""
    api = f"{base_url}/api/v1"
    token = http_json(f"{api}/auth/token/", body={"email": OWNER_EMAIL, "password": OWNER_PASSWORD})["access"]
    boards = {
        board["title"]: board["id"]
        for board in http_json(f"{api}/boards/?page_size=100", token=token)["results"]
    }
    small = http_json(f"{api}/boards/{boards[f'Large board ({SMALL_BOARD_TASKS} tasks)']}/", token=token)
    large = http_json(f"{api}/boards/{boards[f'Large board ({LARGE_BOARD_TASKS} tasks)']}/", token=token)
    for board, expected in ((small, SMALL_BOARD_TASKS), (large, LARGE_BOARD_TASKS)):
        count = sum(len(board_list["tasks"]) for board_list in board["lists"])
        assert (len(board["lists"]), count) == (5, expected), (board["title"], len(board["lists"]), count)
    return Fixture(token=token, small_board=small, large_board=large)


def remove_posted_tasks(stack: Stack, fx: Fixture) -> None:
    """Delete the tasks POST task added to the 200-task board (thousands, in a full run),
    so that the moves run on the board the scenario names. Straight from the database: the
    board's version and activity don't matter to the benchmark."""
    posted = f"Task.objects.filter(board_id={fx.small_board_id}, title__startswith='Bench task ')"
    code = (
        "from django.db import connection; from tasks.models import Task; "
        f"print({posted}.delete()[0]); "
        # The deleted rows' index entries would slow every read of the lists until
        # autovacuum came by: the board as seeded has none.
        "connection.cursor().execute('VACUUM ANALYZE tasks_task')"
    )
    removed = stack.manage("shell", "--no-imports", "-c", code).strip()
    print(f"  removed the {removed} rows POST task added to the 200-task board", flush=True)


# -- scenarios --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A goal for one scenario; `ratio_of` compares its rate with another scenario's."""

    min_rps: float | None = None
    max_p99_ms: float | None = None
    min_ratio: float | None = None
    ratio_of: str | None = None

    def describe(self) -> str:
        parts = []
        if self.min_rps is not None:
            parts.append(f"≥ {self.min_rps:,.0f} req/s")
        if self.min_ratio is not None:
            parts.append(f"≥ {self.min_ratio:.0%} of {self.ratio_of}")
        if self.max_p99_ms is not None:
            parts.append(f"p99 ≤ {self.max_p99_ms:g} ms")
        return ", ".join(parts)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    script: str
    args: Callable[[Fixture], list[str]]
    connections: int
    settings: tuple[tuple[str, str], ...] = ()
    target: Target | None = None
    # Run on the 200-task board as seeded: the tasks POST task added are deleted first.
    seeded_small_board: bool = False


def move_args(f: Fixture, board: dict[str, Any]) -> list[str]:
    """move.lua's arguments: any task of `board` to any of its lists, at index 0-40."""
    return [f.token, ",".join(map(str, f.list_ids(board))), ",".join(map(str, f.task_ids(board))), "40"]


def scenarios(connections: int, large_connections: int) -> list[Scenario]:
    cache_off = (("BOARD_CACHE", "false"),)
    return [
        Scenario(
            "detail_nocache_200",
            "GET board detail, cache disabled (200 tasks)",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.small_board_id}/", f.token],
            connections,
            cache_off,
            Target(min_rps=250),
        ),
        Scenario(
            "detail_nocache_5000",
            "GET board detail, cache disabled (5,000 tasks)",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.large_board_id}/", f.token],
            large_connections,
            cache_off,
        ),
        Scenario("healthz", "GET /healthz (ceiling)", "get.lua", lambda f: ["/healthz"], connections),
        Scenario(
            "detail_warm_200",
            "GET board detail, warm (200 tasks)",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.small_board_id}/", f.token],
            connections,
            target=Target(min_rps=1000, max_p99_ms=50, min_ratio=0.35, ratio_of="healthz"),
        ),
        Scenario(
            "detail_304_200",
            "GET board detail, If-None-Match: 304 (auth + board row)",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.small_board_id}/", f.token, f.small_board_etag],
            connections,
        ),
        Scenario(
            "tasks_filtered_5000",
            f"GET board tasks ?{TASK_FILTER} (5,000 tasks, page of 50)",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.large_board_id}/tasks/?{TASK_FILTER}", f.token],
            connections,
        ),
        Scenario(
            "detail_warm_5000",
            "GET board detail, warm (5,000 tasks)",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.large_board_id}/", f.token],
            large_connections,
            target=Target(max_p99_ms=150),
        ),
        Scenario(
            "post_task",
            "POST task (200-task board)",
            "post_task.lua",
            lambda f: [f.token, str(f.small_board_id), ",".join(map(str, f.list_ids(f.small_board)))],
            connections,
            target=Target(min_rps=300, max_p99_ms=200),
        ),
        Scenario(
            "move_task",
            "POST move (200-task board)",
            "move.lua",
            lambda f: move_args(f, f.small_board),
            connections,
            target=Target(min_rps=300, max_p99_ms=200),
            seeded_small_board=True,
        ),
        # No target: moves into the tops of lists of 1,000, where gaps get used up and
        # renumbering (writes/ordering.py) happens under the board's lock. Last: it
        # reorders the 5,000-task board the reads above use.
        Scenario(
            "move_task_5000",
            "POST move (5,000-task board, into the top 40 of lists of 1,000)",
            "move.lua",
            lambda f: move_args(f, f.large_board),
            connections,
        ),
    ]


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


# -- profiling --------------------------------------------------------------------------------


def profile(
    stack: Stack, scenario: Scenario, fx: Fixture, out_dir: Path, *, seconds: float, threads: int
) -> Path:
    """py-spy samples every gunicorn worker while wrk runs the scenario: collapsed stacks
    (one line per stack, `frame;frame;... count`) in out_dir/<scenario>.txt. Only samples
    that hold the GIL count: where the CPU goes, not where requests wait for the database."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = out_dir / f"{scenario.name}.txt"
    recorders = []
    for pid in stack.worker_pids():
        argv = [
            py_spy, "record", "--pid", str(pid), "--rate", "250", "--duration", str(round(seconds) + 1),
            "--format", "raw", "--function", "--nonblocking", "--gil",
            "--output", str(out_dir / f"{scenario.name}.{pid}.txt"),
        ]  # fmt: skip
        recorders.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    time.sleep(1)
    run_wrk(stack.base_url, scenario, fx, seconds=seconds, threads=threads)
    parts = []
    for recorder in recorders:
        _, stderr = recorder.communicate(timeout=60)
        if recorder.returncode != 0:
            print(f"  py-spy failed: {stderr.decode(errors='replace')[-500:]}", file=sys.stderr)
    for part in sorted(out_dir.glob(f"{scenario.name}.*.txt")):
        parts.append(part.read_text())
        part.unlink()
    out.write_text("".join(parts))
    return out


# Frames every request passes through (server, handler, middleware, DRF dispatch): they
# are in nearly all samples and say nothing about where an endpoint's time goes.
_TRUNK_SHARE = 0.8


def summarize_profile(path: Path, *, top: int = 22) -> str:
    """The functions most samples are in (inclusive, below the frames every request passes
    through) and spend their own time in (self)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short_frame(frame) for frame in stack.split(";")]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    if not total:
        return "  (no samples)\n"
    below_trunk = [(frame, count) for frame, count in inclusive.most_common() if count < _TRUNK_SHARE * total]
    lines = [f"  {total} samples holding the GIL; inclusive (below the request trunk):"]
    lines += [f"    {count / total:6.1%}  {frame}" for frame, count in below_trunk[:top]]
    lines.append("  self:")
    lines += [f"    {count / total:6.1%}  {frame}" for frame, count in own.most_common(top // 2)]
    return "\n".join(lines) + "\n"


def _short_frame(frame: str) -> str:
    """`function (/path/to/site-packages/pkg/mod.py:12)` -> `function (pkg/mod.py:12)`."""
    for marker in ("site-packages/", str(PROJECT_DIR) + "/", "/lib/python3"):
        if marker in frame:
            head, _, tail = frame.partition(marker)
            name = head.split(" (")[0]
            return (
                f"{name} ({tail}" if marker != "/lib/python3" else f"{name} (stdlib {tail.split('/', 1)[-1]}"
            )
    return frame


# -- report -----------------------------------------------------------------------------------


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


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
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
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        sys.exit("bench/api.py needs wrk, the HTTP load generator: apt-get install -y wrk")
    profile_dir = Path(args.profile).resolve() if args.profile else None
    if profile_dir is not None:
        if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
            sys.exit("--profile needs py-spy: .venv/bin/pip install py-spy (requirements/dev.in)")
        profile_dir.mkdir(parents=True, exist_ok=True)

    chosen = scenarios(args.connections, args.large_connections)
    if args.only:
        names = set(args.only.split(","))
        unknown = names - {s.name for s in chosen}
        if unknown:
            sys.exit(
                f"unknown scenarios: {', '.join(sorted(unknown))}; known: {', '.join(s.name for s in chosen)}"
            )
        chosen = [s for s in chosen if s.name in names]

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
    try:
        stack.start()
        print(f"stack in {base_dir}: PostgreSQL {stack.postgres.port}, Redis {stack.redis.port}", flush=True)
        seed(stack)
        if args.serve:
            serve(stack)
            return
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
    print()
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in load_end)}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
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
                },
                indent=2,
            )
        )
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
