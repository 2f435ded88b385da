"""The check that no log line of the run holds a secret (tests/plugins/log_secrets.py) does
catch leaks: run on its own over a small test file that leaks, it fails the run."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.tests.factories import KNOWN_PASSWORD
from tests.plugins import log_secrets
from tests.plugins.log_secrets import find_leaks, register_link_tokens

PROJECT_DIR = Path(__file__).resolve().parents[1]
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjo3LCJqdGkiOiJhYmMifQ.Zm9vYmFyYmF6cXV4cXV1eHh5enp5"


@pytest.mark.parametrize(
    ("line", "finding"),
    [
        ('{"message": "login as ada with correct horse 123!"}', "a secret the run used"),
        (f'{{"message": "refresh {JWT} refused"}}', "a JWT"),
        ('{"message": "headers: {\\"Authorization\\": \\"Bearer abcdef123\\"}"}', "an Authorization header"),
        ("HTTP_AUTHORIZATION='Basic YWRhOnB3'", "an Authorization header"),
        ('{"message": "POST body password=hunter22"}', "a password="),
        (
            '{"message": "\\"WebSocket /ws/boards/1/?ticket=Xy12ab\\" [accepted]"}',
            "a credential in a query string",
        ),
        ('{"message": "form {\\"new_password1\\": \\"hunter22\\"}"}', "a password="),
    ],
)
def test_each_kind_of_leak_is_found(line: str, finding: str) -> None:
    [leak] = find_leaks([line], {KNOWN_PASSWORD})

    assert leak.startswith(finding)


@pytest.mark.parametrize(
    "line",
    [
        '{"message": "Authentication failed: entry=password_reset_confirm address=127.0.0.1"}',
        '{"message": "token [redacted-jwt] refused", "request_id": "abc"}',
        '{"message": "Authorization: Bearer [redacted]"}',
        '{"message": "login password=[redacted]"}',
        '{"message": "Password changed for user=7"}',
        '{"message": "\\"WebSocket /ws/boards/1/?ticket=[redacted]\\" [accepted]"}',
        '{"message": "GET /boards/?page=2&sort=title"}',
    ],
)
def test_redacted_or_harmless_lines_pass(line: str) -> None:
    assert find_leaks([line], {KNOWN_PASSWORD}) == []


def test_the_tokens_in_a_mailed_link_are_registered() -> None:
    register_link_tokens(
        "Reset: https://taskboard.example/accounts/reset/MQ/cj4x2b-8f3e1a2b3c4d5e6f7a8b/\n"
        "Verify: http://127.0.0.1:8000/accounts/verify-email/eyJ1Ijo3fQ:1v2w3x:AbCdEfGhIjKlMn/"
    )

    assert {"cj4x2b-8f3e1a2b3c4d5e6f7a8b", "eyJ1Ijo3fQ:1v2w3x:AbCdEfGhIjKlMn"} <= log_secrets._secrets


def test_words_and_short_values_are_not_secrets() -> None:
    before = set(log_secrets._secrets)

    for value in ("password", "letmeinplease", "short7"):
        log_secrets.register_secret(value)

    assert log_secrets._secrets == before


def test_every_password_the_hasher_sees_is_registered(db: None) -> None:
    from django.contrib.auth.hashers import check_password, make_password

    check_password("not-the-right-one-9", make_password("a-new-password-4417"))

    assert {"not-the-right-one-9", "a-new-password-4417"} <= log_secrets._secrets


def test_the_running_session_captures_records_as_production_lines() -> None:
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h, log_secrets.CapturingHandler)]

    logging.getLogger("taskboard.test").warning("captured line 7f3a")

    [line] = [line for line in handler.lines if "captured line 7f3a" in line]
    assert line.startswith('{"timestamp": ')


LEAKING_TESTS = """
import logging
from tests.plugins.log_secrets import register_secret

def test_logs_a_password():
    register_secret("a-password-no-one-should-see")
    logging.getLogger("app").warning("user typed %s", "a-password-no-one-should-see")

def test_passes():
    assert True
"""
CLEAN_TESTS = """
import logging
from tests.plugins.log_secrets import register_secret

def test_logs_nothing_secret():
    register_secret("a-password-no-one-should-see")
    logging.getLogger("app").warning("user logged in")
"""


def run_pytest(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_inner.py").write_text(source)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))}
    env["PYTHONPATH"] = str(PROJECT_DIR)
    argv = [sys.executable, "-m", "pytest", "-p", "no:django", "-p", "no:cacheprovider"]
    argv += ["-p", "tests.plugins.log_secrets", "-q", "test_inner.py"]
    return subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_a_run_whose_logs_hold_a_secret_fails_even_when_every_test_passed(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, LEAKING_TESTS)

    assert "2 passed" in result.stdout, result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.TESTS_FAILED
    assert "1 secret(s) in the logs of this run" in result.stdout
    assert "user typed" in result.stdout
    # The report names the line, not the secret.
    assert "a-password-no-one-should-see" not in result.stdout


def test_a_run_without_secrets_in_its_logs_passes(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, CLEAN_TESTS)

    assert result.returncode == pytest.ExitCode.OK, result.stdout + result.stderr
