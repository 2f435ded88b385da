"""Processes and servers for the outbox drills: a worker or a beat of their own (killed,
restarted, doubled), a private broker database, an SMTP server that can hold a send."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.plugins.processes import free_port, log_tail

PROJECT_DIR = Path(__file__).resolve().parents[2]


def wait_for(probe: Callable[[], object], *, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


class Process:
    """`celery -A taskboard <argv>` with its own log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], directory: Path) -> None:
        self.name = name
        self.log_file = directory / f"{name}.log"
        with self.log_file.open("ab") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "taskboard", *argv],
                cwd=PROJECT_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def wait_for_log(self, text: str, *, timeout: float = 30, after: int = 0) -> None:
        """Until `text` appears in the log past offset `after`."""

        def found() -> bool:
            if self.popen.poll() is not None:
                status = self.popen.returncode
                raise AssertionError(f"{self.name} exited with {status}\n{log_tail(self.log_file)}")
            return text in self.log[after:]

        try:
            wait_for(found, timeout=timeout, what=f"{text!r} in {self.name}'s log")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{log_tail(self.log_file)}") from None

    def kill(self) -> None:
        """kill -9: no warm shutdown, no ack, no lock release."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def beat_env(env: dict[str, str]) -> dict[str, str]:
    """A sweep every second; the loop, the lock's expiry and the key prefix of a drill."""
    return {
        **env,
        "OUTBOX_SWEEP_SECONDS": "1",
        "HOUSEKEEPING_SECONDS": "3600",
        "CELERY_BEAT_MAX_LOOP_INTERVAL": "1",
        "REDBEAT_LOCK_TIMEOUT": "4",
        "REDBEAT_KEY_PREFIX": f"drill-{uuid.uuid4().hex[:8]}:",
    }


def worker(env: dict[str, str], directory: Path, name: str) -> Process:
    """A solo worker (one process: kill -9 stops the send where it is)."""
    argv = ["worker", "--pool=solo", "-l", "info", "--without-gossip", "--without-mingle"]
    argv += ["--without-heartbeat", "-n", f"{name}-{uuid.uuid4().hex[:6]}@localhost"]
    return Process(name, argv, env, directory)


def beat(env: dict[str, str], directory: Path, name: str) -> Process:
    return Process(name, ["beat", "-l", "info", f"--schedule={directory / name}.schedule"], env, directory)


class HoldingSmtpServer:
    """Keeps every message at DATA; while `hold` is set, answers only when it is cleared (or
    the client is gone), so a worker can be killed after the server has the message."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[bytes] = []
        self.received = threading.Event()
        self.hold = threading.Event()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> HoldingSmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *args: object) -> None:
        self.hold.clear()
        self._controller.stop()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        assert isinstance(raw, bytes)
        self.messages.append(raw)
        self.received.set()
        deadline = time.monotonic() + 60
        while self.hold.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"
