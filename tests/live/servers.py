"""Real ASGI server processes (uvicorn, as in production) on the test database."""

from __future__ import annotations

import ctypes
import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.plugins.processes import ServiceStartError, free_port, log_tail, terminate, wait_until

# No proxy from the environment for requests to 127.0.0.1.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # A server outliving a killed pytest would keep its port and database connections.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class AsgiServer:
    """`uvicorn taskboard.asgi:application` on a free port; `.stop()`/`.start()` keep the port."""

    def __init__(self, *, name: str, project_dir: Path, log_dir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.project_dir = project_dir
        self.log_file = log_dir / f"{name}.log"
        self.env = env
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"<AsgiServer {self.name} :{self.port} log={self.log_file}>"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 60) -> None:
        self.spawn()
        self.wait_ready(timeout)

    def spawn(self) -> None:
        """Start the process (from the main thread: the server dies with the thread that
        started it)."""
        argv = [
            sys.executable, "-m", "uvicorn", "taskboard.asgi:application",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--lifespan", "off", "--no-access-log", "--log-level", "info",
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
                preexec_fn=_die_with_parent,
            )

    def wait_ready(self, timeout: float = 60) -> None:
        try:
            wait_until(self._healthy, timeout=timeout, interval=0.1, what=f"{self.name} to answer /healthz")
        except (TimeoutError, ServiceStartError) as exc:
            self.stop()
            raise ServiceStartError(f"{self.name} did not start: {exc}\n{log_tail(self.log_file)}") from exc

    def _healthy(self) -> bool | None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise ServiceStartError(f"exited with {self.process.returncode}")
        with _opener.open(f"{self.http_url}/healthz", timeout=2) as response:
            return True if response.status == 200 else None

    def stop(self) -> None:
        if self.process is None:
            return
        terminate(self.process)
        self.process = None

    def request(
        self, method: str, path: str, *, token: str, body: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        """An API call through this instance: (status, parsed JSON body or None)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.http_url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with _opener.open(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None
