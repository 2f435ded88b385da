"""WebSocket fan-out: N clients on one board, writes through the HTTP API.

For each channel layer (`list` = channels_redis.core.RedisChannelLayer, `pubsub` =
RedisPubSubChannelLayer) and each client count, it measures

- delivery latency: from the moment the write's HTTP response is back to the moment each
  client has read the event (p50, p99, max over every client and write; an event read
  before the writer has its response counts as 0), and from the moment the request was sent;
- the ASGI server's memory per 1,000 idle connections (RSS with the clients connected and
  idle, minus RSS after a warm-up, per 1,000 clients);
- how long the N handshakes took, and whether every client got every event.

The stack is production's: one uvicorn process for WebSockets (`taskboard.asgi`), gunicorn
(2 sync workers) for the API, PostgreSQL and Redis, all started here in a temporary
directory (with the test suite's server helpers), settings `taskboard.settings.production`.
The clients run in one separate process (asyncio, uvloop), on the same machine.

    .venv/bin/python bench/ws_fanout.py                       # 100, 1000, 5000 x both layers
    .venv/bin/python bench/ws_fanout.py --clients 1000 --layers pubsub --writes 30

Results: docs/benchmarks.md ("WebSocket fan-out").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from tests.plugins.postgres import PrimaryServer, find_bindir  # noqa: E402
from tests.plugins.processes import RunAs, free_port, log_tail, wait_until  # noqa: E402
from tests.plugins.redis_server import RedisServer  # noqa: E402

DATABASE = "taskboard_bench"
PASSWORD_HASH = "!"  # nobody logs in: the clients get tokens minted here
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# -- the stack --------------------------------------------------------------------------------


class Stack:
    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        run_as = RunAs()
        self.postgres = PrimaryServer(
            name="primary", bindir=find_bindir(), directory=base_dir / "pg", port=free_port(), run_as=run_as
        )
        self.redis = RedisServer(directory=base_dir / "redis", port=free_port())
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        if os.geteuid() == 0:
            self.base_dir.chmod(0o711)
        self.postgres.init()
        self.postgres.start()
        self.postgres.create_database(DATABASE)
        self.redis.start()

    def env(self, layer: str) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "taskboard.settings.production",
            "SECRET_KEY": "bench-" + "x" * 60,
            "JWT_SIGNING_KEY": "bench-jwt-" + "y" * 40,
            "JWT_ACCESS_MINUTES": "120",
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.postgres.url(DATABASE),
            "DATABASE_REPLICA_URLS": "",
            "REDIS_URL": self.redis.url(0),
            "CELERY_BROKER_URL": self.redis.url(1),
            "CHANNEL_LAYER": layer,
            "TASKBOARD_VAR_DIR": str(self.base_dir / "var"),
            "LOG_LEVEL": "INFO",
            # One account (one address) stands for the whole load: request rates raised far
            # past it, so nothing answers 429 but every request is still counted (their cost
            # is in the figures).
            "API_THROTTLE_USER": "100000000/min",
            "API_THROTTLE_ANON": "100000000/min",
        }

    def spawn(self, argv: list[str], env: dict[str, str], log_name: str) -> subprocess.Popen[bytes]:
        with (self.base_dir / log_name).open("ab") as log:
            process = subprocess.Popen(
                argv, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append(process)
        return process

    def stop_process(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process in self.processes:
            self.processes.remove(process)

    def stop(self) -> None:
        for process in list(self.processes):
            self.stop_process(process)
        self.redis.stop()
        self.postgres.stop()


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    def probe() -> bool | None:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited\n{log_tail(log)}")
        with _opener.open(url, timeout=2) as response:
            return True if response.status == 200 else None

    wait_until(probe, timeout=60, interval=0.2, what=url)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# -- data -------------------------------------------------------------------------------------


@dataclass
class Fixture:
    board_id: int
    list_id: int
    writer_token: str
    tokens: list[str]


def seed(env: dict[str, str], users: int) -> Fixture:
    """Migrate, then a board with `users` members and one list (in this process)."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User
    from boards.models import Board, BoardList, Membership, Role

    call_command("migrate", verbosity=0, interactive=False)
    people = User.objects.bulk_create(
        User(email=f"viewer{n}@bench.example", name=f"Viewer {n:04d}", password=PASSWORD_HASH)
        for n in range(users)
    )
    board = Board.objects.create(title="Fan-out", created_by=people[0])
    Membership.objects.bulk_create(
        Membership(board=board, user=user, role=Role.OWNER if n == 0 else Role.MEMBER)
        for n, user in enumerate(people)
    )
    board_list = BoardList.objects.create(board=board, title="To do", position=1024)
    tokens = [str(_long_lived(AccessToken.for_user(user))) for user in people]
    connections.close_all()
    return Fixture(board.pk, board_list.pk, tokens[0], tokens)


def _long_lived(token: Any) -> Any:
    # A socket opened with a token closes when the token expires (docs/security.md): the
    # run may outlast JWT_ACCESS_MINUTES.
    token.set_exp(lifetime=timedelta(hours=12))
    return token


# -- clients (in their own process) -----------------------------------------------------------


def client_process(ws_url: str, tokens: list[str], count: int, conn: Connection) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_clients(ws_url, tokens, count, conn))


async def _clients(ws_url: str, tokens: list[str], count: int, conn: Connection) -> None:
    from websockets.asyncio.client import connect

    receipts: list[list[tuple[int, float]]] = [[] for _ in range(count)]
    hellos = 0
    hello_seqs: set[int] = set()
    all_connected = asyncio.Event()
    stop = asyncio.Event()
    handshakes = asyncio.Semaphore(100)
    sockets: list[Any] = []
    connected = [False] * count
    failures: list[str] = []

    async def client(index: int) -> None:
        nonlocal hellos
        headers = {"Authorization": f"Bearer {tokens[index % len(tokens)]}"}
        try:
            async with handshakes:
                ws = await connect(ws_url, additional_headers=headers, proxy=None, open_timeout=120)
            sockets.append(ws)
            hello = json.loads(await ws.recv())
            assert hello["type"] == "hello", hello
            hello_seqs.add(hello["seq"])
            connected[index] = True
        except Exception as exc:
            failures.append(repr(exc))
            hellos += 1
            if hellos == count:
                all_connected.set()
            return
        hellos += 1
        if hellos == count:
            all_connected.set()
        mine = receipts[index]
        try:
            async for raw in ws:
                now = time.monotonic()
                if isinstance(raw, str) and raw.startswith('{"type": "event"'):
                    mine.append((json.loads(raw)["seq"], now))
        except Exception as exc:
            if not stop.is_set():
                failures.append(repr(exc))

    started = time.monotonic()
    tasks = [asyncio.create_task(client(n)) for n in range(count)]
    await all_connected.wait()
    conn.send(
        {
            "connected_seconds": time.monotonic() - started,
            "failures": list(failures),
            "seq": max(hello_seqs, default=0),
        }
    )
    loop = asyncio.get_running_loop()
    final_seq = await loop.run_in_executor(None, conn.recv)
    # Wait for the last event to reach every client (or give up after a minute).
    deadline = time.monotonic() + 60
    while (
        final_seq
        and time.monotonic() < deadline
        and any(
            not mine or mine[-1][0] < final_seq for mine, ws in zip(receipts, connected, strict=True) if ws
        )
    ):
        await asyncio.sleep(0.1)
    stop.set()
    conn.send({"receipts": receipts, "failures": failures})
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    for task in tasks:
        task.cancel()


# -- one measurement --------------------------------------------------------------------------


def post_task(api: str, fixture: Fixture, title: str) -> tuple[float, float]:
    body = json.dumps({"list_id": fixture.list_id, "title": title}).encode()
    request = urllib.request.Request(
        f"{api}/api/v1/boards/{fixture.board_id}/tasks/",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {fixture.writer_token}", "Content-Type": "application/json"},
    )
    sent = time.monotonic()
    with _opener.open(request, timeout=30) as response:
        response.read()
        assert response.status == 201, response.status
    return sent, time.monotonic()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(
    stack: Stack, fixture: Fixture, *, layer: str, clients: int, writes: int, interval: float, deflate: bool
) -> dict[str, Any]:
    env = stack.env(layer)
    asgi_port, wsgi_port = free_port(), free_port()
    uvicorn_argv = [
        sys.executable, "-m", "uvicorn", "taskboard.asgi:application", "--host", "127.0.0.1",
        "--port", str(asgi_port), "--lifespan", "off", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    if not deflate:
        uvicorn_argv.append("--ws-per-message-deflate=false")
    asgi = stack.spawn(uvicorn_argv, env, "uvicorn.log")
    wsgi = stack.spawn(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "taskboard.wsgi"],
        {**env, "GUNICORN_BIND": f"127.0.0.1:{wsgi_port}", "GUNICORN_WORKERS": "2"},
        "gunicorn.log",
    )
    api = f"http://127.0.0.1:{wsgi_port}"
    ws_url = f"ws://127.0.0.1:{asgi_port}/ws/boards/{fixture.board_id}/"
    try:
        wait_http(f"http://127.0.0.1:{asgi_port}/healthz", asgi, stack.base_dir / "uvicorn.log")
        wait_http(f"{api}/healthz", wsgi, stack.base_dir / "gunicorn.log")
        # Warm up: every module the socket path and the write path import is loaded.
        warm_parent, warm_child = multiprocessing.Pipe()
        warm = multiprocessing.Process(target=client_process, args=(ws_url, fixture.tokens, 1, warm_child))
        warm.start()
        warm_parent.recv()
        for n in range(6):
            post_task(api, fixture, f"warm-up {n}")
        time.sleep(1)
        warm_parent.send(0)
        warm_parent.recv()
        warm.join()
        time.sleep(1)
        base_rss = rss_kib(asgi.pid)

        parent, child = multiprocessing.Pipe()
        process = multiprocessing.Process(
            target=client_process, args=(ws_url, fixture.tokens, clients, child)
        )
        process.start()
        connected = parent.recv()
        # Let the presence broadcasts of the arrivals settle; then the sockets are idle.
        time.sleep(3)
        idle_rss = rss_kib(asgi.pid)
        start = connected["seq"]
        cpu_before = cpu_seconds(asgi.pid)
        load_before = os.getloadavg()[0]
        times: list[tuple[float, float]] = []
        for n in range(writes):
            times.append(post_task(api, fixture, f"write {n}"))
            time.sleep(interval)
        parent.send(start + writes)
        result = parent.recv()
        cpu_used = cpu_seconds(asgi.pid) - cpu_before
        process.join(timeout=60)

        from_response: list[float] = []
        from_request: list[float] = []
        missing = 0
        for receipts in result["receipts"]:
            got = dict(receipts)
            for n, (sent, answered) in enumerate(times):
                at = got.get(start + 1 + n)
                if at is None:
                    missing += 1
                    continue
                from_response.append(max(0.0, at - answered) * 1000)
                from_request.append((at - sent) * 1000)
        return {
            "layer": layer,
            "clients": clients,
            "deflate": deflate,
            "connected_seconds": connected["connected_seconds"],
            "failures": len(connected["failures"]) + len(result["failures"]),
            "failure_samples": sorted(set(connected["failures"] + result["failures"]))[:3],
            "missing": missing,
            "deliveries": len(from_response),
            "p50": statistics.median(from_response) if from_response else float("nan"),
            "p99": percentile(from_response, 0.99) if from_response else float("nan"),
            "max": max(from_response) if from_response else float("nan"),
            "p50_req": statistics.median(from_request) if from_request else float("nan"),
            "p99_req": percentile(from_request, 0.99) if from_request else float("nan"),
            "write_ms": statistics.median((b - a) * 1000 for a, b in times),
            "kib_per_1000": (idle_rss - base_rss) * 1000 / clients,
            # Server CPU per delivered event frame (includes the idle ticks of the phase):
            # unlike latency, barely moved by other load on the machine.
            "cpu_us_per_delivery": cpu_used * 1e6 / max(1, len(from_response)),
            "load": load_before,
            "rss_mib": idle_rss / 1024,
        }
    finally:
        stack.stop_process(asgi)
        stack.stop_process(wsgi)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", default="100,1000,5000", help="comma-separated client counts")
    parser.add_argument("--layers", default="list,pubsub", help="list and/or pubsub")
    parser.add_argument("--writes", type=int, default=20, help="writes per measurement")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between writes")
    parser.add_argument("--users", type=int, default=200, help="distinct users (clients share them)")
    parser.add_argument(
        "--deflate",
        default="on",
        help="on, off or on,off: uvicorn's permessage-deflate (browsers ask for it)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args()

    base_dir = Path(tempfile.mkdtemp(prefix="taskboard-bench-"))
    stack = Stack(base_dir)
    rows = []
    try:
        stack.start()
        layers = args.layers.split(",")
        fixture = seed(stack.env(layers[0]), args.users)
        print(f"machine: {os.cpu_count()} cores; stack in {base_dir}", flush=True)
        for layer in layers:
            for deflate in args.deflate.split(","):
                for clients in (int(n) for n in args.clients.split(",")):
                    row = measure(
                        stack,
                        fixture,
                        layer=layer,
                        clients=clients,
                        writes=args.writes,
                        interval=args.interval,
                        deflate=deflate == "on",
                    )
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    finally:
        stack.stop()
        if not args.keep:
            shutil.rmtree(base_dir, ignore_errors=True)

    print()
    print(
        "| layer | deflate | clients | handshakes (s) | p50 ms | p99 ms | max ms | p99 from request ms "
        "| missed | server CPU µs per delivery | server RSS (MiB) | KiB per 1,000 idle | load |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['layer']} | {'on' if row['deflate'] else 'off'} | {row['clients']:,} "
            f"| {row['connected_seconds']:.1f} | {row['p50']:.0f} "
            f"| {row['p99']:.0f} | {row['max']:.0f} | {row['p99_req']:.0f} | {row['missing']} "
            f"| {row['cpu_us_per_delivery']:.0f} | {row['rss_mib']:.0f} | {row['kib_per_1000']:,.0f} "
            f"| {row['load']:.1f} |"
        )


if __name__ == "__main__":
    main()
