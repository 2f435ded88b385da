"""What the stack drills run beside their own measured clients: the load test's crowd
(bench/load/locustfile.py), bounded and local, in the background of each drill, and the SMTP
server the stack's mail goes to (STACK_EMAIL_URL) so that a drill can count every mail."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
# Bounded: a crowd that keeps every process kind busy (pages, fragments, sockets, drops,
# comments, API clients) without saturating a shared 2-core machine.
USERS = int(os.environ.get("DRILL_LOCUST_USERS", "60"))
SPAWN_RATE = 20
THINK_SCALE = "0.5"


def read_env_file(path: Path) -> dict[str, str]:
    lines = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in lines if not key.startswith("#")}


def seed_crowd(env_file: Path, out: Path, users: int = USERS) -> Path:
    """`manage.py seed_load` with the stack's settings: people with sessions and refresh tokens."""
    env = {**os.environ, **read_env_file(env_file)}
    command = [sys.executable, "manage.py", "seed_load", "--users", str(users), "--members", "10"]
    command += ["--tasks", "30", "--out", str(out)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@dataclass
class CrowdFigures:
    """What the crowd saw during one drill, by request method (GET is idempotent)."""

    requests: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        kinds = ", ".join(
            f"{kind} {count} ({self.failures.get(kind, 0)} failed)"
            for kind, count in sorted(self.requests.items())
        )
        worst = "; ".join(self.errors[:3])
        return f"locust {USERS} users: {kinds}" + (f"; errors: {worst}" if worst else "")


class Crowd:
    """locust headless against the stack from the drill's start to its end."""

    def __init__(self, host: str, seed_file: Path, work: Path) -> None:
        self.host, self.seed_file = host, seed_file
        self.marks = work / f"marks-{time.monotonic_ns()}"
        self.process: subprocess.Popen[bytes] | None = None
        self.figures: CrowdFigures | None = None

    def start(self) -> Crowd:
        self.marks.mkdir(parents=True)
        command = [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", self.host,
            "-u", str(USERS), "-r", str(SPAWN_RATE), "-t", "900s", "--only-summary",
            "--stop-timeout", "2", "--loglevel", "WARNING",
        ]  # fmt: skip
        env = {
            **os.environ,
            "LOAD_SEED_FILE": str(self.seed_file),
            "LOAD_MARK_DIR": str(self.marks),
            "LOAD_THINK_SCALE": THINK_SCALE,
            "LOAD_SETTLE_SECONDS": "0",
        }
        with (self.marks / "locust.log").open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while not (self.marks / "spawned").exists():
            assert self.process.poll() is None, (self.marks / "locust.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "locust's crowd did not arrive in 90 s"
            time.sleep(0.2)
        return self

    def stop(self) -> CrowdFigures:
        if self.figures is not None:
            return self.figures
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        stats = json.loads((self.marks / "stats.json").read_text())
        figures = CrowdFigures()
        for entry in stats["entries"]:
            kind = entry["kind"]
            figures.requests[kind] = figures.requests.get(kind, 0) + entry["requests"]
            figures.failures[kind] = figures.failures.get(kind, 0) + entry["failures"]
        figures.errors = [
            f"{e['kind']} {e['name']}: {e['error'][:80]} x{e['occurrences']}" for e in stats["errors"]
        ]
        self._keep_refresh_tokens(stats.get("refresh", {}))
        self.figures = figures
        print(figures.line())
        return figures

    def _keep_refresh_tokens(self, latest: dict[str, str]) -> None:
        """The API clients rotated their refresh tokens: the next drill's crowd starts from these
        (a rotated one used again revokes its family)."""
        if latest:
            data = json.loads(self.seed_file.read_text())
            for user in data["users"]:
                user["refresh"] = latest.get(str(user["id"]), user["refresh"])
            self.seed_file.write_text(json.dumps(data))


class SmtpSink:
    """The stack's SMTP server during the drills (aiosmtpd in the test process). Keeps every
    message; one addressed to someone in `hold_for` is held at DATA (no 250) until released,
    so that a worker can be killed after the server has the message."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[tuple[list[str], bytes]] = []
        self.hold_for: set[str] = set()
        self.held = threading.Event()
        self.release = threading.Event()
        self._controller = Controller(self, hostname="127.0.0.1", port=port, ready_timeout=10)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._controller.stop()

    def copies(self, address: str) -> list[Any]:
        """The messages to `address`, parsed."""
        return [message_from_bytes(raw) for rcpt, raw in list(self.messages) if address in rcpt]

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        assert isinstance(raw, bytes)
        recipients = [str(address) for address in envelope.rcpt_tos]
        self.messages.append((recipients, raw))
        if self.hold_for & set(recipients):
            self.held.set()
            deadline = time.monotonic() + 60
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"
