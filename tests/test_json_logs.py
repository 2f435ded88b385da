"""Every process kind logs JSON on stdout with production's settings (docs/operations.md
"Logs"): gunicorn behind the shipped nginx config (the request id nginx makes is the one in
the app's lines, its access log and the response), uvicorn, a Celery worker and beat. On the
embedded default's SQLite and folder broker, so nothing but the processes is needed."""

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.processes import free_port, terminate, wait_until

PROJECT_DIR = Path(__file__).resolve().parents[1]
NGINX_CONF = PROJECT_DIR / "deploy" / "nginx" / "taskboard.conf"
STRONG_SECRET = "s" * 20 + "-Kq8vN3pX7wZ2rT5yB9mF4hJ6cL1dG0aE"
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
FIELDS = {"timestamp", "level", "logger", "message", "process"}
# The one line no logging config reaches: Celery's signal handler writes it to stdout itself
# as the worker stops (celery/apps/worker.py, safe_say). Documented in docs/operations.md.
RAW_LINES = re.compile(r"worker: (Warm|Cold) shutdown \(MainProcess\)")


@pytest.fixture
def production_env(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "EMAIL_", "DJANGO_", "LOG_", "PYTEST_"))
    }
    var = tmp_path / "var"
    for folder in ("celery", "celery-processed", "celery-control"):
        (var / folder).mkdir(parents=True)
    env.update(
        DJANGO_SETTINGS_MODULE="taskboard.settings.production",
        SECRET_KEY=STRONG_SECRET,
        JWT_SIGNING_KEY="another-" + STRONG_SECRET,
        SECURE_SSL_REDIRECT="false",
        TASKBOARD_VAR_DIR=str(var),
    )
    return env


@contextlib.contextmanager
def running(argv: list[str], env: dict[str, str], out: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The process, its stdout in `out` and its stderr in `out`.err, stopped on leaving."""
    with out.open("wb") as stdout, out.with_suffix(".err").open("wb") as stderr:
        process = subprocess.Popen(
            argv, cwd=PROJECT_DIR, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr
        )
    try:
        yield process
    finally:
        terminate(process)


def json_lines(out: Path) -> list[dict[str, Any]]:
    """Every line the process wrote, each parsed as JSON (a line that isn't fails the test)."""
    lines = [
        line
        for path in (out, out.with_suffix(".err"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    parsed = []
    for line in lines:
        if RAW_LINES.fullmatch(line):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            pytest.fail(f"not a JSON line in {out.name}: {line!r}")
        assert set(record) >= FIELDS, record
        parsed.append(record)
    return parsed


def wait_for_line(out: Path, predicate: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        return next((record for record in json_lines(out) if predicate(record)), None)

    return wait_until(found, timeout=60, interval=0.1, what=what)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message]:
    """(status, headers: case-insensitive)"""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _opener.open(request, timeout=5) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers


def nginx_in_front_of(port: int, tmp_path: Path) -> tuple[list[str], int, Path]:
    """The shipped nginx config, its WSGI upstream pointed at `port`, listening on a free port."""
    nginx_port = free_port()
    access_log = tmp_path / "nginx-access.log"
    conf = NGINX_CONF.read_text()
    conf = conf.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{port};")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{nginx_port};")
    conf = conf.replace("/var/log/nginx/taskboard.access.log", str(access_log))
    (tmp_path / "taskboard.conf").write_text(conf)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/nginx-error.log; daemon off;\n"
        f"events {{}}\nhttp {{ include {tmp_path}/taskboard.conf; }}\n"
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"  # Debian's is off a user's PATH
    return [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], nginx_port, access_log


def test_gunicorn_behind_nginx_logs_json_with_nginx_request_id(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    env = {**production_env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "taskboard.wsgi"]
    nginx, nginx_port, access_log = nginx_in_front_of(port, tmp_path)
    out = tmp_path / "gunicorn.log"

    with running(gunicorn, env, out), running(nginx, env, tmp_path / "nginx.out"):
        wait_until(
            lambda: get(f"http://127.0.0.1:{nginx_port}/healthz")[0] == 200 or None, timeout=60, what="up"
        )
        status, headers = get(f"http://127.0.0.1:{nginx_port}/api/v1/nope")
        given_status, given_headers = get(
            f"http://127.0.0.1:{nginx_port}/api/v1/nope", headers={"X-Request-ID": "client-chosen-1"}
        )
        request_id = headers["X-Request-ID"]
        line = wait_for_line(out, lambda r: r.get("request_id") == request_id, "the 404's log line")

    assert status == given_status == 404
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id
    assert given_headers["X-Request-ID"] == "client-chosen-1"
    assert line["logger"] == "django.request"
    assert line["message"] == "Not Found: /api/v1/nope"
    assert line["level"] == "WARNING"
    assert line["status_code"] == 404
    assert f"rid={request_id}" in access_log.read_text()
    records = json_lines(out)
    assert any(r["logger"] == "gunicorn.error" and r["message"].startswith("Booting worker") for r in records)
    assert any(r.get("request_id") == "client-chosen-1" for r in records)


def test_uvicorn_logs_json(production_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "uvicorn.log"
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "taskboard.asgi:application",
        "--port",
        str(port),
        "--lifespan",
        "off",
    ]

    with running(argv, production_env, out):
        wait_until(lambda: get(f"http://127.0.0.1:{port}/healthz")[0] == 200 or None, timeout=60, what="up")
        status, headers = get(
            f"http://127.0.0.1:{port}/api/v1/nope", headers={"X-Request-ID": "uvicorn-req-1"}
        )
        wait_for_line(
            out, lambda r: r["logger"] == "uvicorn.access" and "/api/v1/nope" in r["message"], "access"
        )

    records = json_lines(out)
    assert status == 404
    assert headers["X-Request-ID"] == "uvicorn-req-1"
    assert any(r["logger"] == "uvicorn.error" and "Uvicorn running" in r["message"] for r in records)
    not_found = [r for r in records if r["logger"] == "django.request"]
    assert [(r["message"], r["request_id"]) for r in not_found] == [
        ("Not Found: /api/v1/nope", "uvicorn-req-1")
    ]


def test_uvicorn_no_access_log_stays_off_under_the_json_config(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    # The image's ASGI command (deploy/compose.yaml, deploy/k8s) passes --no-access-log; the
    # project's LOGGING, applied after uvicorn's, turned it back on.
    port = free_port()
    out = tmp_path / "uvicorn.log"
    argv = [sys.executable, "-m", "uvicorn", "taskboard.asgi:application", "--port", str(port)]
    argv += ["--lifespan", "off", "--no-access-log"]

    with running(argv, production_env, out):
        wait_until(lambda: get(f"http://127.0.0.1:{port}/healthz")[0] == 200 or None, timeout=60, what="up")
        # The response has left: had uvicorn logged its access line, it would be written.
        status, _ = get(f"http://127.0.0.1:{port}/api/v1/nope", headers={"X-Request-ID": "quiet-1"})
        wait_for_line(out, lambda r: r.get("request_id") == "quiet-1", "the 404's line")

    records = json_lines(out)
    assert status == 404
    assert [r for r in records if r["logger"] == "uvicorn.access"] == []
    assert any(r["logger"] == "uvicorn.error" and "Uvicorn running" in r["message"] for r in records)


def test_the_celery_worker_and_beat_log_json(production_env: dict[str, str], tmp_path: Path) -> None:
    # --quiet: no startup banner (plain text), as production runs them (docs/operations.md).
    celery = [sys.executable, "-m", "celery", "-A", "taskboard", "--quiet"]
    worker = [*celery, "worker", "--pool=solo", "-l", "info", "--without-gossip", "--without-mingle"]
    beat = [*celery, "beat", "-l", "info", f"--schedule={tmp_path / 'beat-schedule'}"]

    with (
        running(worker, production_env, tmp_path / "worker.log"),
        running(beat, production_env, tmp_path / "beat.log"),
    ):
        ready = wait_for_line(
            tmp_path / "worker.log", lambda r: r["message"].endswith(" ready."), "worker ready"
        )
        started = wait_for_line(
            tmp_path / "beat.log", lambda r: "beat: Starting" in r["message"], "beat start"
        )

    assert ready["logger"].startswith("celery")
    assert started["logger"].startswith("celery")
    assert json_lines(tmp_path / "worker.log")
    assert json_lines(tmp_path / "beat.log")
