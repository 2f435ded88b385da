"""An expected refusal (a viewer's forbidden write, a resource the caller may not see) is
one warning line in the log, never a traceback: tracebacks are for our own failures."""

import logging

import pytest
from django.test import Client

from tests.api.matrix import make_world

pytestmark = pytest.mark.django_db

FORBIDDEN = "Forbidden (Permission denied): "


def signed_in(world_user: object) -> Client:
    client = Client()
    client.force_login(world_user)  # type: ignore[arg-type]
    return client


def request_log(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("caller", "method", "path", "status", "message"),
    [
        ("viewer", "post", "/boards/{board}/lists/", 403, FORBIDDEN + "/boards/{board}/lists/"),
        ("viewer", "post", "/tasks/{task}/delete/", 403, FORBIDDEN + "/tasks/{task}/delete/"),
        ("outsider", "get", "/boards/{board}/", 404, "Not Found: /boards/{board}/"),
        ("outsider", "post", "/tasks/{task}/delete/", 404, "Not Found: /tasks/{task}/delete/"),
        ("outsider", "get", "/api/v1/boards/{board}/", 404, "Not Found: /api/v1/boards/{board}/"),
        ("viewer", "delete", "/api/v1/tasks/{task}/", 403, "Forbidden: /api/v1/tasks/{task}/"),
    ],
)
def test_an_expected_refusal_is_one_log_line_without_a_traceback(
    caplog: pytest.LogCaptureFixture, caller: str, method: str, path: str, status: int, message: str
) -> None:
    world = make_world()
    client = signed_in(world.roles.user(caller))
    ids = {"board": world.board_id, "task": world.task.pk}
    caplog.set_level(logging.INFO)

    response = getattr(client, method)(path.format(**ids))

    assert response.status_code == status
    records = [record for record in request_log(caplog) if record.name == "django.request"]
    assert [(r.levelname, r.getMessage()) for r in records] == [("WARNING", message.format(**ids))]
    assert records[0].exc_info is None
    assert records[0].exc_text is None
    # A 403 is a security event too: one more line, on its own logger (docs/operations.md).
    security = [r.getMessage() for r in request_log(caplog) if r.name == "taskboard.security"]
    assert len(security) == (1 if status == 403 else 0)
    assert all(line.startswith("Permission denied: ") for line in security)
