"""The embedded default (`make run`: SQLite, no Redis) through the API and the board page.

The rest of the suite runs on PostgreSQL, where the hot paths use written-out SQL
(taskboard/db/compiled.py); on SQLite they fall back to the ORM. This runs those fallbacks
in a process of their own with the local settings, as `make run` does.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]

SCRIPT = """
import json
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken
from boards.models import Board, BoardList
from tasks.models import Task

board = Board.objects.get(title="Product launch")
owner = board.memberships.get(role="owner").user
lists = list(BoardList.objects.filter(board=board).order_by("position"))
task = Task.objects.filter(board=board).order_by("pk").first()
api = Client(HTTP_HOST="127.0.0.1", headers={"Authorization": "Bearer " + str(AccessToken.for_user(owner))})
statuses = {
    "detail": api.get(f"/api/v1/boards/{board.pk}/").status_code,
    "detail again": api.get(f"/api/v1/boards/{board.pk}/").status_code,
    "create": api.post(f"/api/v1/boards/{board.pk}/tasks/", {"list_id": lists[0].pk, "title": "New"},
                       content_type="application/json").status_code,
    "move": api.post(f"/api/v1/tasks/{task.pk}/move/", {"list_id": lists[1].pk, "index": 0},
                     content_type="application/json").status_code,
    "patch": api.patch(f"/api/v1/tasks/{task.pk}/", {"title": "Renamed", "list_id": lists[2].pk},
                       content_type="application/json").status_code,
    "list move": api.post(f"/api/v1/lists/{lists[0].pk}/move/", {"index": 3},
                          content_type="application/json").status_code,
    "comment": api.post(f"/api/v1/tasks/{task.pk}/comments/", {"body": "Hi"},
                        content_type="application/json").status_code,
    "delete": api.delete(f"/api/v1/tasks/{task.pk}/").status_code,
}
page = Client(HTTP_HOST="127.0.0.1")
page.force_login(owner)
statuses["page"] = page.get(f"/boards/{board.pk}/").status_code
print(json.dumps(statuses))
"""


def test_the_api_and_the_board_page_work_on_the_embedded_default(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "EMAIL_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="taskboard.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        TASKBOARD_VAR_DIR=str(tmp_path / "var"),
    )

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    manage("migrate", "--verbosity", "0")
    manage("seed_demo")
    output = manage("shell", "--no-imports", "-c", SCRIPT)

    statuses = json.loads(output.strip().splitlines()[-1])
    assert statuses == {
        "detail": 200,
        "detail again": 200,
        "create": 201,
        "move": 200,
        "patch": 200,
        "list move": 200,
        "comment": 201,
        "delete": 204,
        "page": 200,
    }
