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
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from ws_fanout_clients import client_process
from ws_fanout_stack import Stack, cpu_seconds, free_port, opener, rss_kib, wait_http

PASSWORD_HASH = "!"  # nobody logs in: the clients get tokens minted here


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
    with opener.open(request, timeout=30) as response:
        response.read()
        assert response.status == 201, response.status
    return sent, time.monotonic()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def warm_up(api: str, ws_url: str, fixture: Fixture) -> None:
    """Every module the socket path and the write path import is loaded: one client, six
    writes."""
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


def latencies(
    receipts_of_clients: list[list[tuple[int, float]]], times: list[tuple[float, float]], start: int
) -> tuple[list[float], list[float], int]:
    """Each delivery's latency in ms from the write's response (0 if the event came first)
    and from its request, and how many (client, write) events never arrived. Write n is
    event start + 1 + n."""
    from_response: list[float] = []
    from_request: list[float] = []
    missing = 0
    for receipts in receipts_of_clients:
        got = dict(receipts)
        for n, (sent, answered) in enumerate(times):
            at = got.get(start + 1 + n)
            if at is None:
                missing += 1
                continue
            from_response.append(max(0.0, at - answered) * 1000)
            from_request.append((at - sent) * 1000)
    return from_response, from_request, missing


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
        warm_up(api, ws_url, fixture)
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

        from_response, from_request, missing = latencies(result["receipts"], times, start)
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
