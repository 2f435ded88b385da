"""bench/api.py's stack: PostgreSQL, Redis and gunicorn in a temporary directory, on free
ports (the test suite's server helpers), with production's settings."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from tests.plugins.bench_servers import BenchServers, manage_py  # noqa: E402
from tests.plugins.processes import free_port, log_tail, wait_until  # noqa: E402

DATABASE = "taskboard_bench"
METRICS_TOKEN = "bench-metrics-token-0123456789"
# Straight to the loopback, whatever proxy the environment names.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Stack:
    """PostgreSQL, Redis and gunicorn in `base_dir`; gunicorn may be restarted with other
    settings."""

    def __init__(self, base_dir: Path, *, workers: int | None, gunicorn_args: str, durable: bool) -> None:
        self.base_dir = base_dir
        self.workers = workers
        self.gunicorn_args = gunicorn_args
        self.durable = durable
        self.servers = BenchServers(base_dir, name="bench", database=DATABASE)
        self.postgres, self.redis = self.servers.postgres, self.servers.redis
        self.port = free_port()
        self.gunicorn: subprocess.Popen[bytes] | None = None
        self.gunicorn_log = base_dir / "gunicorn.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.servers.start(durable=self.durable)

    def sibling(self) -> Stack:
        """Another gunicorn on its own port, in front of the same PostgreSQL and Redis (the
        interleaved rounds of --metrics-cost run two side by side). Stop it with
        stop_gunicorn(), not stop(): the servers are this stack's."""
        other = copy.copy(self)
        other.port = free_port()
        other.gunicorn = None
        other.gunicorn_log = self.base_dir / f"gunicorn-{other.port}.log"
        return other

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
            # bench/api.py scrapes /metrics once the scenarios are done (its cost per scrape).
            "METRICS_TOKEN": METRICS_TOKEN,
        }
        if self.workers is not None:
            env["GUNICORN_WORKERS"] = str(self.workers)
        if self.gunicorn_args:
            # gunicorn reads extra command-line settings from this variable.
            env["GUNICORN_CMD_ARGS"] = self.gunicorn_args
        env.update(overrides)
        return env

    def manage(self, *args: str) -> str:
        return manage_py(self.env(), *args)

    def start_gunicorn(self, **settings: str) -> None:
        self.start_gunicorn_under((), settings)

    def start_gunicorn_under(
        self, under: tuple[str, ...], settings: dict[str, str], *, ready_timeout: float = 60
    ) -> None:
        """gunicorn with deploy/gunicorn.conf.py and `settings` in its environment, run by
        `under` (valgrind: the master and every worker it forks) unless that is empty."""
        self.stop_gunicorn()
        # Under another command, the interpreter itself (valgrind then counts Python, not a
        # shell script's loader).
        program = (
            [sys.executable, "-m", "gunicorn"] if under else [str(Path(sys.executable).parent / "gunicorn")]
        )
        with self.gunicorn_log.open("ab") as log:
            self.gunicorn = subprocess.Popen(
                [
                    *under,
                    *program,
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
            with opener.open(f"{self.base_url}/healthz", timeout=60 if under else 2) as response:
                return True if response.status == 200 else None

        wait_until(ready, timeout=ready_timeout, interval=0.5 if under else 0.2, what="gunicorn")
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
        self.servers.stop()
