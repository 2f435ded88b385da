"""`make run` serves /metrics too, for all of its processes: the server's requests and the
Celery worker's tasks (started by beat) on the one page (taskboard/management/commands/
run_local.py puts them in one multiprocess folder, var/metrics/)."""

import contextlib
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.plugins.processes import free_port, log_tail, wait_until

from .stack import sample_sum

PROJECT_DIR = Path(__file__).resolve().parents[2]
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _embedded_default_env(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    """make run's environment (the embedded default) in tmp_path, none of the suite's servers."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "EMAIL_", "DJANGO_", "PROMETHEUS_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="taskboard.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        TASKBOARD_VAR_DIR=str(tmp_path / "var"),
        PORT=str(port),
        **extra,
    )
    return env


def _start_run_local(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    # In a session of its own: the clean-up can stop the whole group if the test fails.
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_local"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.mark.drill  # ~15 s: migrations, then a server, a worker and beat starting
def test_make_run_serves_the_metrics_of_its_server_worker_and_beat(tmp_path: Path) -> None:
    port = free_port()
    env = _embedded_default_env(tmp_path, port, OUTBOX_SWEEP_SECONDS="1")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=PROJECT_DIR, env=env, check=True
    )
    log = tmp_path / "run_local.log"
    process = _start_run_local(env, log)

    def scrape() -> str | None:
        assert process.poll() is None, log_tail(log)
        with _opener.open(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text: str = response.read().decode()
        swept = sample_sum(text, "taskboard_celery_tasks_total", task="outbox.sweep", state="succeeded")
        return text if swept else None

    try:
        text = wait_until(
            scrape, timeout=90, interval=0.5, what="the worker's sweeps on the server's /metrics"
        )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    # The server's own requests (these scrapes) and the worker's task, on one page.
    assert (
        sample_sum(text, "django_http_requests_total_by_view_transport_method_total", view="metrics") or 0
    ) >= 1
    assert sample_sum(text, "taskboard_beat_last_run_timestamp_seconds", task="outbox.sweep")
    assert list((tmp_path / "var" / "metrics").glob("counter_*.db"))


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_make_run_stopped_by_sigterm_stops_its_worker_and_beat(tmp_path: Path) -> None:
    # A SIGTERM to the server alone (a process manager, `kill`), not to its group: uvicorn
    # raises the signal again after its shutdown, which used to kill the command before it
    # stopped its worker and beat, and left both running.
    port = free_port()
    env = _embedded_default_env(tmp_path, port)
    log = tmp_path / "run_local.log"
    process = _start_run_local(env, log)
    try:

        def serving() -> set[int] | None:
            assert process.poll() is None, log_tail(log)
            try:
                with _opener.open(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    pass
            except OSError:
                return None
            children = _children(process.pid)
            return children if len(children) == 2 else None

        children = wait_until(serving, timeout=60, interval=0.3, what="the server, its worker and beat")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        left = wait_until(
            lambda: not any(_alive(pid) for pid in children) or None,
            timeout=20,
            interval=0.2,
            what="the worker and beat to stop",
        )
        assert left
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
