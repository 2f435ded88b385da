"""The request id and the context on every record; the JSON line; redaction; security events
(docs/operations.md "Logs")."""

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from accounts.tests.factories import UserFactory
from taskboard.logs.context import ContextFilter, bound
from taskboard.logs.formatting import ConsoleFormatter, JsonFormatter, redact
from tests.api.matrix import make_world

HEX_ID = re.compile(r"[0-9a-f]{32}")
ROOT = Path(__file__).resolve().parents[2]


def records_of(caplog: pytest.LogCaptureFixture, logger: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == logger]


# -- the request id -------------------------------------------------------------------------------


def test_a_request_without_an_id_gets_a_new_one_in_its_response(client: Client) -> None:
    first = client.get("/healthz")
    second = client.get("/healthz")

    assert HEX_ID.fullmatch(first["X-Request-ID"])
    assert HEX_ID.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize("given", ["3f2a9c0e5b7d4e1f8a6b2c9d0e1f2a3b", "req-42", "a1b2:c3.d4_e5", "x" * 64])
def test_a_plain_short_request_id_is_kept(client: Client, given: str) -> None:
    assert client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


@pytest.mark.parametrize("given", ["", "x" * 65, "has space", "new\nline", 'quote"d', "{json}", "é"])
def test_a_request_id_too_long_or_with_other_characters_is_replaced(client: Client, given: str) -> None:
    assert HEX_ID.fullmatch(client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"])


METRICS_OFF = """
import logging
import django
django.setup()
from django.conf import settings
from django.test import Client
from taskboard.logs.context import ContextFilter

class Kept(logging.Handler):
    records = []
    def emit(self, record):
        ContextFilter().filter(record)
        self.records.append(record)

kept = Kept()
logging.getLogger("django.request").addHandler(kept)
print("\\n".join(name for name in settings.MIDDLEWARE if "metrics" in name or "logs" in name))
response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="req-off", HTTP_HOST="localhost")
print(response.status_code, response["X-Request-ID"], [r.request_id for r in kept.records])
logging.getLogger("django.request").warning("between requests")
print(kept.records[-1].request_id)
"""


def test_without_the_metrics_the_request_context_is_the_same() -> None:
    # METRICS_ENABLED is read when the settings load: a process of its own.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "taskboard.settings.local", "METRICS_ENABLED": "false"}

    result = subprocess.run(
        [sys.executable, "-c", METRICS_OFF], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    middleware, response, after = result.stdout.strip().split("\n")
    assert middleware == "taskboard.logs.middleware.RequestContextMiddleware"
    assert response == "404 req-off ['req-off']"
    assert after == "None"


@pytest.mark.django_db
def test_every_line_of_a_request_has_its_id_user_and_board(caplog: pytest.LogCaptureFixture) -> None:
    world = make_world()
    viewer = world.roles.user("viewer")
    client = Client()
    client.force_login(viewer)
    caplog.set_level(logging.INFO)

    response = client.delete(f"/api/v1/tasks/{world.task.pk}/", HTTP_X_REQUEST_ID="req-403")

    assert response.status_code == 403
    assert response["X-Request-ID"] == "req-403"
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert {(r.name, r.request_id, r.user_id, r.board_id) for r in lines} == {  # type: ignore[attr-defined]
        ("taskboard.security", "req-403", viewer.pk, world.board_id),
        ("django.request", "req-403", viewer.pk, world.board_id),
    }
    [security] = records_of(caplog, "taskboard.security")
    assert security.getMessage() == "Permission denied: DELETE route=api/v1/tasks/<int:task_id>/ status=403"


def board_page(request: HttpRequest, board_id: int) -> HttpResponse:
    logging.getLogger("taskboard.test").warning("inside a board's URL")
    return HttpResponse()


urlpatterns = [path("boards/<int:board_id>/logged", board_page, name="logged")]


@override_settings(ROOT_URLCONF=__name__)
def test_a_line_logged_under_a_board_s_url_has_that_board(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    client.get("/boards/31/logged", HTTP_X_REQUEST_ID="req-board")

    [record] = records_of(caplog, "taskboard.test")
    assert (record.request_id, record.board_id, record.user_id) == ("req-board", 31, None)  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_after_a_write_the_next_lines_have_no_board_or_user(caplog: pytest.LogCaptureFixture) -> None:
    world = make_world()
    client = Client()
    client.force_login(world.roles.user("owner"))
    response = client.post(
        f"/api/v1/boards/{world.board_id}/tasks/",
        {"list_id": world.board_list.pk, "title": "Logged"},
        content_type="application/json",
    )
    assert response.status_code == 201
    caplog.set_level(logging.INFO)

    logging.getLogger("taskboard.test").info("after the write")

    [record] = records_of(caplog, "taskboard.test")
    assert (record.request_id, record.board_id, record.user_id) == (None, None, None)  # type: ignore[attr-defined]


def test_a_line_logged_after_the_request_has_no_request_id(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    client.get("/healthz", HTTP_X_REQUEST_ID="gone-after")
    caplog.set_level(logging.INFO)

    logging.getLogger("taskboard.test").info("between requests")

    [record] = records_of(caplog, "taskboard.test")
    assert record.request_id is None  # type: ignore[attr-defined]


# -- the lines -------------------------------------------------------------------------------------


def formatted(formatter: logging.Formatter, message: str, *args: Any, **extra: Any) -> str:
    record = logging.LogRecord("taskboard.test", logging.WARNING, __file__, 1, message, args, None)
    for name, value in extra.items():
        setattr(record, name, value)
    ContextFilter().filter(record)
    return formatter.format(record)


def test_a_json_line_has_the_documented_fields_and_no_others() -> None:
    with bound(request_id="req-1", user_id=7, board_id=3):
        line = formatted(JsonFormatter(), "Moved %s", "it", request=object(), status_code=403, secret="x")

    record = json.loads(line)
    assert set(record) == {
        "timestamp", "level", "logger", "message", "process",
        "request_id", "user_id", "board_id", "status_code",
    }  # fmt: skip
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["timestamp"])
    assert (record["level"], record["logger"], record["message"]) == ("WARNING", "taskboard.test", "Moved it")
    assert (record["request_id"], record["user_id"], record["board_id"]) == ("req-1", 7, 3)


def test_a_json_line_carries_the_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "failed", None, __import__("sys").exc_info()
        )
    line = json.loads(JsonFormatter().format(record))

    assert line["exc_info"].startswith("Traceback")
    assert "ValueError: boom" in line["exc_info"]


def test_a_console_line_is_readable_with_its_context() -> None:
    with bound(request_id="req-2", user_id=5):
        line = formatted(ConsoleFormatter(), "hello")

    assert line.endswith(" WARNING taskboard.test hello [request_id=req-2 user_id=5]")


JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjo3fQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"token {JWT} refused", "token [redacted-jwt] refused"),
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [redacted]"),
        ("HTTP_AUTHORIZATION='Basic YWRhOnB3ZA=='", "HTTP_AUTHORIZATION='Basic [redacted]'"),
        ("Basic authentication is off", None),
        ("Refresh token replayed: family revoked: user=7 family=abc", None),
        ('"WebSocket /ws/boards/1/?ticket=s3cr3t&x=1"', '"WebSocket /ws/boards/1/?ticket=[redacted]&x=1"'),
        ("GET /accounts/reset/MQ/c4k2x1-0123456789abcdef0123/", "GET /accounts/reset/[redacted]/"),
        ("Not Found: /accounts/reset/done/", "Not Found: /accounts/reset/done/"),
        ("Not Found: /accounts/verify-email/abc:def:ghi/", "Not Found: /accounts/verify-email/[redacted]/"),
        ("Not Found: /accounts/verify-email/resend/", "Not Found: /accounts/verify-email/resend/"),
        (
            "Not Found: /api/v1/invitations/tok123/accept/",
            "Not Found: /api/v1/invitations/[redacted]/accept/",
        ),
        ("Not Found: /accounts/unsubscribe/tok123/", "Not Found: /accounts/unsubscribe/[redacted]/"),
        ("login password=hunter22 ok", "login password=[redacted] ok"),
        ('{"new_password1": "hunter22"}', '{"new_password1": "[redacted]"}'),
        ("redis://user:pw@127.0.0.1:6379/0", "redis://user:[redacted]@127.0.0.1:6379/0"),
        ("Authentication failed: entry=password_reset_confirm address=1.2.3.4", None),
    ],
)
def test_what_must_never_be_logged_is_redacted(text: str, expected: str | None) -> None:
    assert redact(text) == (text if expected is None else expected)


def test_a_json_line_is_redacted_inside_its_escaped_quotes() -> None:
    line = formatted(
        JsonFormatter(), 'form {"new_password1": "hunter22"} headers {"Authorization": "Bearer x.y"}'
    )

    assert json.loads(line)["message"] == (
        'form {"new_password1": "[redacted]"} headers {"Authorization": "Bearer [redacted]"}'
    )


def test_redaction_keeps_a_json_line_valid() -> None:
    line = formatted(JsonFormatter(), 'bad ticket: "/ws/?ticket=abc\\"def" password="x\\"y"')

    assert (
        json.loads(line)["message"] == 'bad ticket: "/ws/?ticket=[redacted]\\"def" password="[redacted]\\"y"'
    )


# -- security events ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_action_is_a_security_line(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    staff = UserFactory.create(email="root@example.com", is_staff=True, is_superuser=True)
    user = UserFactory.create(email="ada@example.com", name="Ada")
    client.force_login(staff)
    caplog.set_level(logging.INFO)

    response = client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {"email": "ada@example.com", "name": "Ada King", "timezone": "UTC", "is_active": "on"},
    )

    assert response.status_code == 302
    [line] = records_of(caplog, "taskboard.security")
    assert line.levelname == "WARNING"
    assert line.getMessage() == f"Admin action: change of accounts.user id={user.pk} by user={staff.pk}"
    assert "ada@example.com" not in line.getMessage()


# -- into Celery ------------------------------------------------------------------------------------


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_tasks_a_request_queues_log_with_its_request_id(
    client: Client, celery_worker: Any, mailbox: Any
) -> None:
    response = client.post(
        "/api/v1/auth/register/",
        {"email": "ada@example.com", "password": "correct horse 123!", "name": "Ada"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-into-celery",
    )
    mailbox.wait_for(count=1)  # the welcome mail, sent by the worker

    def task_lines() -> list[str] | None:
        lines = [
            line
            for line in celery_worker.log_file.read_text().splitlines()
            if "request_id=req-into-celery" in line and "task_name=" in line
        ]
        return lines or None

    from tests.plugins.processes import wait_until

    lines = wait_until(task_lines, timeout=10, what="the worker's lines of the task")
    assert response.status_code == 201
    assert any(" succeeded in " in line and "task_name=outbox.send" in line for line in lines), lines
