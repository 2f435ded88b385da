"""`make run` (HOST/PORT in the environment, as the Makefile passes them) links mail and
prints its start-up banner with the address it is served on, unless SITE_URL says otherwise.

Each case runs the local settings in a process of its own, as `make run` does."""

import os
import selectors
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]

SCRIPT = """
import django
django.setup()
from django.conf import settings
from accounts.services import password_reset_link
from accounts.models import User
from boards.services import invitation_accept_url
print(settings.SITE_URL)
print(invitation_accept_url("t0ken"))
print(password_reset_link(user=User(pk=7, email="a@example.com", password="x")).split("/accounts/")[0])
"""


def local_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "EMAIL_", "DJANGO_"))
        and key not in ("HOST", "PORT", "SITE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="taskboard.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        TASKBOARD_VAR_DIR=str(tmp_path / "var"),
        **extra,
    )
    return env


def links(tmp_path: Path, **extra: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=PROJECT_DIR,
        env=local_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.split()


@pytest.mark.parametrize(
    ("extra", "site"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8200"}, "http://127.0.0.1:8200"),
        ({"HOST": "localhost", "PORT": "8300"}, "http://localhost:8300"),
        # Listening on every interface: the link that works on this machine (and that the
        # default ALLOWED_HOSTS answers); other machines need SITE_URL.
        ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://127.0.0.1:9000"),
        ({"HOST": "::1", "PORT": "9001"}, "http://[::1]:9001"),
        (
            {"HOST": "0.0.0.0", "PORT": "9000", "SITE_URL": "https://board.example.com/"},
            "https://board.example.com",
        ),
    ],
    ids=["default", "port", "host", "all-interfaces", "ipv6", "site-url-wins"],
)
def test_mail_links_use_the_address_make_run_serves_on(
    tmp_path: Path, extra: dict[str, str], site: str
) -> None:
    assert links(tmp_path, **extra) == [site, f"{site}/invitations/t0ken/", site]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_local_prints_the_address_it_serves_and_mail_links_to(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_local", "--no-worker"],
        cwd=PROJECT_DIR,
        env=local_env(tmp_path, HOST="0.0.0.0", PORT=str(port), PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = read_until(process, "Uvicorn running on", timeout=60)
    finally:
        process.terminate()
        process.wait(timeout=20)

    assert f"Taskboard on http://127.0.0.1:{port}/ (listening on 0.0.0.0:{port}; Ctrl-C stops)" in banner
    assert f"Links in mail: http://127.0.0.1:{port}/" in banner
    assert f"0.0.0.0:{port}" in banner.split("Uvicorn running")[1]


def read_until(process: subprocess.Popen[str], marker: str, timeout: float) -> str:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    seen = ""
    deadline = time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        if selector.select(timeout=1):
            line = process.stdout.readline()
            if not line:
                break
            seen += line
    return seen
