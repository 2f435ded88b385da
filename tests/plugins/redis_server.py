"""A throwaway Redis server for the suite: cache (db 0) and Celery broker (db 1)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import redis

from .processes import ServiceStartError, log_tail, wait_until

HOST = "127.0.0.1"
CACHE_DB = 0
BROKER_DB = 1


def find_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceStartError(
            "No redis-server binary on PATH. Install the Debian packages: "
            "apt-get install postgresql redis-server (or run `make test`)."
        )
    return binary


class RedisServer:
    """redis-server as a child process, no persistence. `restart` keeps the port, so
    clients configured with `url()` reconnect to the same server."""

    host = HOST

    def __init__(self, *, directory: Path, port: int) -> None:
        self.binary = find_binary()
        self.directory = directory
        self.port = port
        self.log_file = directory / "redis.log"
        self.pid_file = directory / "redis.pid"
        self.process: subprocess.Popen[bytes] | None = None
        self._cache_client: redis.Redis | None = None
        # How many times the server was started: tells the plugin a test restarted it.
        self.starts = 0

    def __repr__(self) -> str:
        return f"<RedisServer {self.host}:{self.port} {self.directory}>"

    def url(self, db: int = CACHE_DB) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    def client(self, db: int = CACHE_DB) -> redis.Redis:
        return redis.Redis(host=self.host, port=self.port, db=db, socket_timeout=5)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 15) -> None:
        if self.running:
            return
        self.directory.mkdir(exist_ok=True)
        # Redis chdirs to --dir, which lets an aborted run's leftovers be recognised.
        argv = [
            self.binary,
            "--port", str(self.port),
            "--bind", HOST,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.directory),
            "--logfile", str(self.log_file),
            "--pidfile", str(self.pid_file),
            "--daemonize", "no",
        ]  # fmt: skip
        # A session of its own: Ctrl-C reaches pytest, which then stops the server itself.
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.starts += 1
        client = self.client()
        try:
            wait_until(lambda: self._ping(client), timeout=timeout, what=f"redis-server on port {self.port}")
        except (TimeoutError, ServiceStartError) as exc:
            self.stop()
            raise ServiceStartError(
                f"redis-server on port {self.port} did not start: {exc}\n{log_tail(self.log_file)}"
            ) from exc
        finally:
            client.close()

    def _ping(self, client: redis.Redis) -> bool | None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise ServiceStartError(f"redis-server exited with {self.process.returncode}")
        # Whoever took the port in the meantime would answer a PING too.
        info = client.info("server")
        return True if info["process_id"] == self.process.pid else None

    def stop(self) -> None:
        if self._cache_client is not None:
            self._cache_client.close()
            self._cache_client = None
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def flush_cache(self) -> None:
        """Empty db 0 (the Django cache). Never db 1: the broker keeps its bindings there."""
        if self._cache_client is None:
            self._cache_client = self.client(CACHE_DB)
        self._cache_client.flushdb()
