"""The production units (deploy/systemd/): every process kind has one, all read the same
environment file, and beat runs as its own process with the Redis lock (taskboard/beat.py)
configured as the settings expect. Read as systemd reads them: INI sections, key=value."""

import configparser
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
ENV_EXAMPLE = UNITS / "taskboard.env.example"
ENV_FILE = "/etc/taskboard/taskboard.env"
VENV_BIN = "/srv/taskboard/.venv/bin/"
KINDS = {
    "taskboard-web.service": ("gunicorn", ["--config", "deploy/gunicorn.conf.py", "taskboard.wsgi"]),
    "taskboard-asgi.service": ("uvicorn", ["taskboard.asgi:application"]),
    "taskboard-worker@.service": ("celery", ["-A", "taskboard", "worker", "--queues", "%i"]),
    "taskboard-beat.service": ("celery", ["-A", "taskboard", "beat"]),
}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


def exec_start(name: str) -> list[str]:
    return shlex.split(unit(name)["Service"]["ExecStart"])


def env_example() -> dict[str, str]:
    lines = [line.strip() for line in ENV_EXAMPLE.read_text().splitlines()]
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {pair[0]: pair[1] for pair in pairs}


def test_every_process_kind_has_a_unit_and_nothing_else_is_there() -> None:
    assert sorted(path.name for path in UNITS.glob("*.service")) == sorted(KINDS)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_each_unit_runs_its_process_from_the_venv_with_the_shared_environment(name: str) -> None:
    program, arguments = KINDS[name]
    service = unit(name)["Service"]
    argv = exec_start(name)

    assert argv[0] == VENV_BIN + program
    assert (Path(sys.executable).parent / program).exists(), f"{program} is not installed"
    position = 1
    for argument in arguments:  # in this order, other options may come between
        position = argv.index(argument, position) + 1
    assert service["EnvironmentFile"] == ENV_FILE
    assert service["User"] == "taskboard"
    assert service["Restart"] == "always"
    assert service["WorkingDirectory"] == "/srv/taskboard"
    assert unit(name)["Install"]["WantedBy"] == "multi-user.target"


def test_beat_is_its_own_process_with_the_locked_scheduler() -> None:
    argv = exec_start("taskboard-beat.service")
    assert argv[argv.index("--scheduler") + 1] == "taskboard.beat.LockedRedBeatScheduler"
    # No worker embeds a beat: two workers would be two schedulers.
    worker = exec_start("taskboard-worker@.service")
    assert "-B" not in worker
    assert "--beat" not in worker


def test_the_environment_gives_beat_a_lock_that_outlives_its_loop() -> None:
    env = env_example()
    assert env["CELERY_BROKER_URL"].startswith("redis://")
    assert int(env["REDBEAT_LOCK_TIMEOUT"]) > int(env["CELERY_BEAT_MAX_LOOP_INTERVAL"])
    assert env["REDBEAT_KEY_PREFIX"]


def test_the_settings_read_from_that_file_pick_the_locked_scheduler() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "REDBEAT_"))}
    env.update(env_example())
    # The example's secrets are placeholders, too short on purpose; these pass the checks.
    env.update(SECRET_KEY="s" * 20 + "-Kq8vN3pX7wZ2rT5yB9mF4hJ6cL1dG0aE", JWT_SIGNING_KEY="j" * 40)
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_BEAT_SCHEDULER, s.CELERY_REDBEAT_LOCK_TIMEOUT, s.CELERY_BEAT_MAX_LOOP_INTERVAL, "
        "s.CELERY_REDBEAT_KEY_PREFIX, s.CELERY_TASK_TIME_LIMIT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    scheduler, lock, loop, prefix, hard_limit = result.stdout.split()
    assert scheduler == "taskboard.beat.LockedRedBeatScheduler"
    assert (lock, loop, prefix) == ("25", "5", "taskboard:beat:")
    # A worker stopped by systemd gets past the hard limit to finish its task (warm shutdown).
    assert int(unit("taskboard-worker@.service")["Service"]["TimeoutStopSec"]) > int(hard_limit)


def test_operations_doc_names_a_worker_instance_for_every_queue() -> None:
    doc = (ROOT / "docs" / "operations.md").read_text()
    for queue in settings.CELERY_TASK_QUEUES:
        assert f"taskboard-worker@{queue.name}" in doc
