"""bench/ws_fanout.py's stack: PostgreSQL and Redis in a temporary directory, on free ports
(the test suite's server helpers), the app's servers started and stopped per measurement,
and what /proc says about a process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from tests.plugins.postgres import PrimaryServer, find_bindir  # noqa: E402
from tests.plugins.processes import RunAs, free_port, log_tail, wait_until  # noqa: E402
from tests.plugins.redis_server import RedisServer  # noqa: E402

DATABASE = "taskboard_bench"
# Straight to the loopback, whatever proxy the environment names.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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
        with opener.open(url, timeout=2) as response:
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
