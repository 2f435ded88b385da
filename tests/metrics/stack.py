"""Every process kind of a deployment, for the metrics tests: gunicorn with several workers,
uvicorn, a prefork Celery worker and beat, each serving its own /metrics.

They run on the suite's test database, Redis and SMTP server, on a broker database of their
own (so the suite's worker never takes their tasks), each web server and the worker in
multiprocess mode with a folder of its own, as in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.plugins.processes import free_port, log_tail, wait_until

PROJECT_DIR = Path(__file__).resolve().parents[2]
TOKEN = "metrics-test-token-" + uuid.uuid4().hex
# Redis database 4: a broker of this stack's own (the suite uses 1, the drills 5 to 7).
BROKER_DB = 4
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log_file: Path
    # The path a readiness probe asks for (the exporters have only /metrics).
    ready_path: str = "/healthz"
    # gunicorn's quick shutdown is SIGQUIT (SIGTERM waits for its workers' keep-alive clients).
    stop_signal: int = signal.SIGTERM
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self) -> None:
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=PROJECT_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 90) -> None:
        def answers() -> bool | None:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited\n{log_tail(self.log_file)}")
            return True if self.get(self.ready_path)[0] == 200 else None

        try:
            wait_until(answers, timeout=timeout, interval=0.2, what=f"{self.name} to answer")
        except TimeoutError as exc:
            raise AssertionError(f"{exc}\n{log_tail(self.log_file)}") from None

    def get(self, path: str, *, token: str | None = TOKEN) -> tuple[int, str]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(self.url + path, headers=headers)
        try:
            with _opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def metrics(self) -> str:
        status, text = self.get("/metrics")
        assert status == 200, f"{self.name} /metrics: {status}"
        return text

    def signal(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(self.stop_signal)

    def stop(self) -> None:
        """The stop signal, then SIGKILL to the whole group after a moment: the tests have
        read what they need, and a worker's exit can wait seconds for its pool's threads."""
        if self.process is not None:
            self.signal()
            try:
                self.process.wait(timeout=1.5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            self.process = None


def sample_sum(text: str, name: str, **labels: str) -> float | None:
    """The sum of the samples of `name` whose labels include `labels` (None: no sample)."""
    from prometheus_client.parser import text_string_to_metric_families

    found = None
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                found = (found or 0.0) + sample.value
    return found


@dataclass
class Stack:
    web: Server
    asgi: Server
    worker: Server
    beat: Server
    directory: Path
    # The servers started (all, or the web server alone).
    running: list[Server] = field(default_factory=list)

    def start(self, *servers: Server) -> None:
        # All at once: each spends a couple of seconds importing Django.
        self.running = list(servers or (self.web, self.asgi, self.worker, self.beat))
        for server in self.running:
            server.spawn()
        for server in self.running:
            server.wait_ready()

    def stop(self) -> None:
        for server in self.running:
            server.signal()
        for server in self.running:
            server.stop()


def build_stack(*, directory: Path, base_env: dict[str, str], redis_url: str, workers: int = 4) -> Stack:
    env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "taskboard.settings.test",
        "CELERY_BROKER_URL": redis_url.rsplit("/", 1)[0] + f"/{BROKER_DB}",
        "METRICS_TOKEN": TOKEN,
        # No test client has this address: only the token opens a /metrics, the worker's and
        # beat's exporters' included (taskboard/metrics/access.py).
        "METRICS_ALLOWED_IPS": "192.0.2.1",
        "DB_READ_POOL_SIZE": "2",
        "DB_WRITE_POOL_SIZE": "2",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)

    def own_dir(name: str) -> dict[str, str]:
        path = directory / f"{name}-metrics"
        path.mkdir()
        return {**env, "PROMETHEUS_MULTIPROC_DIR": str(path)}

    python = sys.executable
    web_port, asgi_port, worker_port, beat_port = free_port(), free_port(), free_port(), free_port()
    web = Server(
        "gunicorn",
        [python, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--no-control-socket", "taskboard.wsgi"],
        {**own_dir("web"), "GUNICORN_BIND": f"127.0.0.1:{web_port}", "GUNICORN_WORKERS": str(workers)},
        web_port,
        directory / "gunicorn.log",
        stop_signal=signal.SIGQUIT,
    )
    asgi = Server(
        "uvicorn",
        [python, "-m", "uvicorn", "taskboard.asgi:application", "--host", "127.0.0.1",
         "--port", str(asgi_port), "--lifespan", "off", "--no-access-log"],
        own_dir("asgi"),
        asgi_port,
        directory / "uvicorn.log",
    )  # fmt: skip
    worker = Server(
        "worker",
        [python, "-m", "celery", "-A", "taskboard", "worker", "--pool=prefork", "--concurrency=2",
         "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-n", f"metrics-{uuid.uuid4().hex[:6]}@localhost"],
        {**own_dir("worker"), "METRICS_PORT": str(worker_port)},
        worker_port,
        directory / "worker.log",
        ready_path="/metrics",
    )  # fmt: skip
    beat = Server(
        "beat",
        [python, "-m", "celery", "-A", "taskboard", "beat", "-l", "info",
         f"--schedule={directory / 'beat.schedule'}"],
        {
            **env,
            "METRICS_PORT": str(beat_port),
            # A sweep every second, on a key prefix of this stack's own.
            "OUTBOX_SWEEP_SECONDS": "1",
            "CELERY_BEAT_MAX_LOOP_INTERVAL": "1",
            "REDBEAT_KEY_PREFIX": f"metrics-{uuid.uuid4().hex[:8]}:",
        },
        beat_port,
        directory / "beat.log",
        ready_path="/metrics",
    )  # fmt: skip
    return Stack(web=web, asgi=asgi, worker=worker, beat=beat, directory=directory)


def gunicorn_worker_pids(metrics_dir: Path) -> set[int]:
    """The processes that wrote counters into a multiprocess folder."""
    return {int(path.stem.rsplit("_", 1)[1]) for path in metrics_dir.glob("counter_*.db")}


def kill(pid: int) -> None:
    os.kill(pid, 9)
