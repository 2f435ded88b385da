"""What the stack drills share: `make stack` in a folder of their own, and an API client that
goes through nginx on https://127.0.0.1:8443 like a browser's requests do."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy" / "stack"))

from stack_config import NODES, StackConfig, db_user  # noqa: E402
from stack_procs import running_pid, start, stop  # noqa: E402
from stack_status import cluster, synchronous_mode  # noqa: E402
from stack_topology import db_tier  # noqa: E402

__all__ = ["cluster", "db_tier", "db_user", "running_pid", "start", "stop", "synchronous_mode"]

# Not var/stack: a developer's own stack (and its data) is left alone.
DRILL_DIR = ROOT / "var" / "stack-drill"


# What every `make stack` of the drills sets (the app processes inherit make's environment):
# loopback spared from nginx's per-address limits (the drills' clients and their locust crowd
# all come from 127.0.0.1), mail to the drills' SMTP sink (drill_load.SmtpSink), and the
# outbox's windows shortened so that a lost claim is taken back within the drill: 20 s
# instead of 10 min (no send to the local sink takes a second), a sweep every 3 s.
DRILL_ENV = {
    "STACK_LOAD_TEST": "1",
    # The drills sign up ~20 users from one address in minutes (the default is 20 an hour).
    "API_THROTTLE_REGISTER": "500/hour",
    "OUTBOX_CLAIM_TIMEOUT_SECONDS": "20",
    "OUTBOX_SWEEP_SECONDS": "3",
}


def make(
    target: str, extra: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    sink = f"smtp://127.0.0.1:{config().ports.smtp_sink}"
    env = {**os.environ, **DRILL_ENV, "STACK_EMAIL_URL": sink, "STACK_DIR": str(DRILL_DIR), **(extra or {})}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    env.pop("DATABASE_REPLICA_URLS", None)
    result = subprocess.run(
        ["make", "--no-print-directory", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    print(f"$ make {target} -> {result.returncode}\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result


def config() -> StackConfig:
    return StackConfig.from_environment(var=DRILL_DIR)


def primary(stack: StackConfig) -> psycopg.Connection[Any]:
    """The taskboard database on the current primary, as the superuser (not through PgBouncer)."""
    secrets = json.loads((stack.data / "secrets.json").read_text())
    hosts = ",".join(f"127.0.0.1:{stack.ports.postgres(n)}" for n in range(2))
    return psycopg.connect(
        f"postgres://postgres:{secrets['superuser_password']}@{hosts}/taskboard?target_session_attrs=read-write",
        autocommit=True,
        connect_timeout=3,
    )


class ApiError(Exception):
    pass


@dataclass
class Api:
    """A signed-in API client through nginx (TLS checked against the stack's certificate)."""

    base: str
    context: ssl.SSLContext
    token: str = ""
    last_write: str = ""
    headers_seen: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def for_stack(cls, stack: StackConfig) -> Api:
        context = ssl.create_default_context(cafile=str(stack.data / "tls" / "stack.crt"))
        return cls(base=f"https://127.0.0.1:{stack.ports.https}", context=context)

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, timeout: float = 15
    ) -> tuple[int, Any, dict[str, str]]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout, context=self.context) as response:
                raw, status, got = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            raw, status, got = error.read(), error.code, dict(error.headers)
        parsed = (
            json.loads(raw) if raw and got.get("Content-Type", "").startswith("application/json") else raw
        )
        return status, parsed, got

    def sign_up(self) -> None:
        email = f"drill-{uuid.uuid4().hex[:12]}@example.com"
        password = "Drill-" + uuid.uuid4().hex
        status, _, _ = self.call(
            "POST", "/api/v1/auth/register/", {"email": email, "password": password, "name": "D"}
        )
        assert status == 201, status
        status, tokens, _ = self.call("POST", "/api/v1/auth/token/", {"email": email, "password": password})
        assert status == 200, status
        self.token = tokens["access"]

    def new_board(self) -> tuple[int, int]:
        """(board id, id of its first list)."""
        status, board, _ = self.call("POST", "/api/v1/boards/", {"title": "Drill board"})
        assert status == 201, (status, board)
        return board["id"], board["lists"][0]["id"]


@dataclass
class Load:
    """Threads sending one kind of request in a loop until stopped; every outcome counted.
    `send(i)` is called by thread i: each thread signs in as its own user, as the app's
    per-account throttle (API_THROTTLE_USER, 600/min) would otherwise answer 429. (nginx's
    per-address limits spare loopback in the drills' stack: STACK_LOAD_TEST, DRILL_ENV.)"""

    send: Callable[[int], tuple[int, Any]]
    threads: int = 4
    pause: float = 0.12
    ok: int = 0
    failed: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    results: list[Any] = field(default_factory=list)
    failures: list[Any] = field(default_factory=list)
    first_failure_at: float | None = None
    last_failure_at: float | None = None
    # When the last request that failed was sent: every request sent after it succeeded (a
    # request may fail long after it was sent: the client gives up after 15 s).
    last_failure_sent_at: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _loop(self, index: int) -> None:
        while not self._stop.wait(self.pause):
            sent = time.monotonic()
            try:
                status, result = self.send(index)
            except (OSError, ValueError) as error:
                status, result = 0, repr(error)
            with self._lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if 200 <= status < 300:
                    self.ok += 1
                    self.results.append(result)
                else:
                    self.failed += 1
                    self.failures.append(result)
                    now = time.monotonic()
                    self.first_failure_at = self.first_failure_at or now
                    self.last_failure_at = now
                    self.last_failure_sent_at = max(sent, self.last_failure_sent_at or sent)

    def __enter__(self) -> Load:
        self._workers = [
            threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(self.threads)
        ]
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)

    @property
    def total(self) -> int:
        return self.ok + self.failed


@dataclass
class Writer:
    """A signed-in user with a board of their own."""

    api: Api
    board: int
    list_id: int


def writers(stack: StackConfig, count: int) -> list[Writer]:
    result = []
    for _ in range(count):
        api = Api.for_stack(stack)
        api.sign_up()
        result.append(Writer(api, *api.new_board()))
    return result


async def live_event_after_write(stack: StackConfig, writer: Writer) -> tuple[dict[str, Any], dict[str, Any]]:
    """Opens the board's WebSocket through nginx (/ws/ to the ASGI pool), writes a task through
    nginx (the WSGI pool), and returns the socket's hello and the event it then received."""
    import websockets
    from websockets.typing import Origin

    _, ticket, _ = writer.api.call("POST", "/api/v1/auth/ws-ticket/", {})
    origin = Origin(f"https://127.0.0.1:{stack.ports.https}")
    url = f"wss://127.0.0.1:{stack.ports.https}/ws/boards/{writer.board}/?ticket={ticket['ticket']}"
    async with websockets.connect(url, ssl=writer.api.context, origin=origin) as socket:
        hello = json.loads(await asyncio.wait_for(socket.recv(), 10))
        writer.api.call(
            "POST", f"/api/v1/boards/{writer.board}/tasks/", {"list_id": writer.list_id, "title": "live"}
        )
        while True:
            message = json.loads(await asyncio.wait_for(socket.recv(), 10))
            if message.get("type") == "event":
                return hello, message


def restart(stack: StackConfig, name: str) -> None:
    """Stops and starts one of the database tier's processes (etcd, PgBouncer, Redis)."""
    proc = next(p for p in db_tier(stack) if p.name == name)
    stop(stack, name)
    start(stack, proc, db_user())


def leader_and_replica(stack: StackConfig) -> tuple[str, str | None]:
    members = cluster(stack)
    leader = next(m["name"] for m in members if m.get("role") == "leader")
    replica = next((m["name"] for m in members if m.get("role") != "leader"), None)
    return leader, replica


def kill_node(stack: StackConfig, node_name: str) -> None:
    """kill -9 of a whole database node: its Patroni and its PostgreSQL (the postmaster and
    every backend), as a machine that loses power. Killing only the postmaster would not fail
    over: the node's Patroni still holds the leader lock and restarts it in place."""
    patroni = running_pid(stack, f"patroni-{node_name}")
    postmaster_file = stack.node_dir(NODES.index(node_name)) / "data" / "postmaster.pid"
    postmaster = int(postmaster_file.read_text().split()[0]) if postmaster_file.exists() else None
    # Patroni starts the postmaster in a session of its own; the backends share its group.
    for pid in (patroni, postmaster):
        if pid is None:
            continue
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except ProcessLookupError:
            continue
