"""bench/reminders.py's stack: PostgreSQL and Redis in a temporary directory on free ports
(the test suite's server helpers), an SMTP server in this process that counts every
message by its Message-ID, and one Celery worker as production starts it (the default
prefork pool, concurrency = the machine's cores)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from tests.plugins.bench_servers import BenchServers, manage_py  # noqa: E402
from tests.plugins.processes import free_port, log_tail, terminate, wait_until  # noqa: E402

DATABASE = "taskboard_bench"
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


class CountingSmtpServer:
    """Accepts every message and counts it under its Message-ID (the outbox derives it from
    the mail's key: one per task, user, offset and due date), so a copy sent twice shows."""

    def __init__(self) -> None:
        self.port = free_port()
        self.counts: Counter[str] = Counter()
        self.total = 0
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()
            self.total = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        assert isinstance(raw, bytes)
        found = MESSAGE_ID.search(raw.split(b"\r\n\r\n", 1)[0])
        key = found.group(1).decode() if found else "(no Message-ID)"
        with self._lock:
            self.counts[key] += 1
            self.total += 1
        return "250 Message accepted for delivery"


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live descendants (/proc)."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += tree_cpu_seconds(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


class Stack:
    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.servers = BenchServers(base_dir, name="bench", database=DATABASE)
        self.postgres, self.redis = self.servers.postgres, self.servers.redis
        self.smtp = CountingSmtpServer()
        self.worker: subprocess.Popen[bytes] | None = None
        self.worker_log = base_dir / "worker.log"

    def start(self) -> None:
        self.servers.start()
        self.smtp.start()

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "taskboard.settings.production",
            "SECRET_KEY": "bench-secret-key-" + "s" * 50,
            "JWT_SIGNING_KEY": "bench-jwt-signing-key-" + "j" * 30,
            "DATABASE_URL": self.postgres.url(DATABASE),
            "DATABASE_REPLICA_URLS": "",
            "REDIS_URL": self.redis.url(0),
            "CELERY_BROKER_URL": self.redis.url(1),
            "EMAIL_URL": self.smtp.url,
            "SITE_URL": "http://taskboard.bench",
            "TASKBOARD_VAR_DIR": str(self.base_dir / "var"),
            "LOG_LEVEL": "WARNING",
        }

    def manage(self, *args: str) -> None:
        manage_py(self.env(), *args)

    def start_worker(self, *extra: str) -> None:
        """`celery -A taskboard worker` as production runs it: no -P, no -c (prefork, one
        child per core), all three queues."""
        with self.worker_log.open("ab") as log:
            self.worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "taskboard", "worker", "-l", "info", *extra],
                cwd=PROJECT_DIR,
                # INFO: the worker logs through Django's LOGGING (taskboard/celery.py), so its
                # "ready." line and each task's "succeeded" line (read below and by the
                # report) need LOG_LEVEL, not -l. About 200 task lines a run: no cost to speak of.
                env={**self.env(), "LOG_LEVEL": "INFO"},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = self.worker

        def ready() -> bool | None:
            if worker.poll() is not None:
                raise RuntimeError(f"the worker exited\n{log_tail(self.worker_log)}")
            return True if " ready." in self.worker_log.read_text(errors="replace") else None

        wait_until(ready, timeout=60, interval=0.2, what="the Celery worker")

    def cpu_seconds(self) -> dict[str, float]:
        """CPU used so far by each part: the worker (all its children), PostgreSQL (all its
        backends), Redis, and this process (the SMTP server's thread; the bench's own main
        thread only sleeps meanwhile)."""
        assert self.worker is not None
        assert self.postgres.process is not None
        assert self.redis.process is not None
        own = os.times()
        return {
            "worker": tree_cpu_seconds(self.worker.pid),
            "postgres": tree_cpu_seconds(self.postgres.process.pid),
            "redis": tree_cpu_seconds(self.redis.process.pid),
            "smtp_server": own.user + own.system,
        }

    def stop(self) -> None:
        if self.worker is not None:
            terminate(self.worker, grace=20)
        self.smtp.stop()
        self.servers.stop()
