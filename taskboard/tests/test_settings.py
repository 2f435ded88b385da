"""Production settings refuse to start without secrets and pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET = "s" * 20 + "-Kq8vN3pX7wZ2rT5yB9mF4hJ6cL1dG0aE"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "JWT_SIGNING_KEY"}}
    clean.update(DJANGO_SETTINGS_MODULE="taskboard.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_passes_check_deploy_at_warning_level() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=STRONG_SECRET,
        JWT_SIGNING_KEY="another-" + STRONG_SECRET,
        ALLOWED_HOSTS="taskboard.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _manage("check", JWT_SIGNING_KEY="another-" + STRONG_SECRET)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_jwt_key_equal_to_the_secret_key() -> None:
    result = _manage("check", SECRET_KEY=STRONG_SECRET, JWT_SIGNING_KEY=STRONG_SECRET)

    assert result.returncode != 0
    assert "JWT_SIGNING_KEY must be set (32+ characters), and differ from SECRET_KEY." in result.stderr
