"""A real `celery worker` process for the suite, pointed at the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .processes import ServiceStartError, log_tail, terminate, wait_until


class CeleryWorker:
    def __init__(self, *, project_dir: Path, directory: Path, env: dict[str, str]) -> None:
        self.project_dir = project_dir
        self.directory = directory
        self.log_file = directory / "worker.log"
        self.pid_file = directory / "worker.pid"
        self.env = env
        self.name = f"taskboard-tests-{os.getpid()}@localhost"
        self.process: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"<CeleryWorker {self.name} log={self.log_file}>"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 60) -> None:
        self.directory.mkdir(exist_ok=True)
        argv = [
            sys.executable, "-m", "celery", "-A", "taskboard", "worker",
            "--pool=threads", "--concurrency=4", "-l", "info",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", self.name, f"--pidfile={self.pid_file}",
        ]  # fmt: skip
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=self.project_dir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_until(self.ping, timeout=timeout, interval=0.2, what="the Celery worker to answer a ping")
        except (TimeoutError, ServiceStartError) as exc:
            self.stop()
            raise ServiceStartError(
                f"The Celery worker did not start: {exc}\n{log_tail(self.log_file)}"
            ) from exc

    def ping(self) -> bool | None:
        """True once the worker answers a broadcast ping over the broker."""
        from taskboard import celery_app

        if self.process is not None and self.process.poll() is not None:
            raise ServiceStartError(f"the worker exited with {self.process.returncode}")
        replies = celery_app.control.ping(destination=[self.name], timeout=0.5) or []
        return True if any(self.name in reply for reply in replies) else None

    def stop(self) -> None:
        if self.process is None:
            return
        terminate(self.process)
        self.process = None
