"""The data bench/api.py's scenarios run on: the seeded boards, an access token, and the
clean-up of what POST task added."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from api_stack import Stack, opener

SMALL_BOARD_TASKS = 200
LARGE_BOARD_TASKS = 5000
# seed_demo's owner of every board (tasks/management/commands/seed_demo.py).
OWNER_EMAIL = "alice@example.com"
OWNER_PASSWORD = "taskboard-demo"


# -- HTTP helpers (setup only; the load comes from wrk) ---------------------------------------


def http_json(url: str, *, token: str | None = None, body: dict[str, Any] | None = None) -> Any:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with opener.open(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{request.method} {url}: {exc.code} {exc.read()[:500]!r}") from None


@dataclass
class Fixture:
    token: str
    small_board: dict[str, Any]
    large_board: dict[str, Any]

    @property
    def small_board_id(self) -> int:
        return int(self.small_board["id"])

    @property
    def large_board_id(self) -> int:
        return int(self.large_board["id"])

    @property
    def small_board_etag(self) -> str:
        return f'"{self.small_board["id"]}-{self.small_board["version"]}"'

    def list_ids(self, board: dict[str, Any]) -> list[int]:
        return [board_list["id"] for board_list in board["lists"]]

    def task_ids(self, board: dict[str, Any]) -> list[int]:
        return [task["id"] for board_list in board["lists"] for task in board_list["tasks"]]


def seed(stack: Stack) -> None:
    stack.manage("migrate", "--verbosity", "0")
    for tasks in (SMALL_BOARD_TASKS, LARGE_BOARD_TASKS):
        started = time.monotonic()
        stack.manage("seed_demo", "--tasks", str(tasks))
        print(f"  seeded the {tasks}-task board in {time.monotonic() - started:.1f} s", flush=True)


def fixture(base_url: str) -> Fixture:
    """Log in through the API and find the two large boards."""
    api = f"{base_url}/api/v1"
    token = http_json(f"{api}/auth/token/", body={"email": OWNER_EMAIL, "password": OWNER_PASSWORD})["access"]
    boards = {
        board["title"]: board["id"]
        for board in http_json(f"{api}/boards/?page_size=100", token=token)["results"]
    }
    small = http_json(f"{api}/boards/{boards[f'Large board ({SMALL_BOARD_TASKS} tasks)']}/", token=token)
    large = http_json(f"{api}/boards/{boards[f'Large board ({LARGE_BOARD_TASKS} tasks)']}/", token=token)
    for board, expected in ((small, SMALL_BOARD_TASKS), (large, LARGE_BOARD_TASKS)):
        count = sum(len(board_list["tasks"]) for board_list in board["lists"])
        assert (len(board["lists"]), count) == (5, expected), (board["title"], len(board["lists"]), count)
    return Fixture(token=token, small_board=small, large_board=large)


def remove_posted_tasks(stack: Stack, fx: Fixture) -> None:
    """Delete the tasks POST task added to the 200-task board (thousands, in a full run),
    so that the moves run on the board the scenario names. Straight from the database: the
    board's version and activity don't matter to the benchmark."""
    posted = f"Task.objects.filter(board_id={fx.small_board_id}, title__startswith='Bench task ')"
    code = (
        "from django.db import connection; from tasks.models import Task; "
        f"print({posted}.delete()[0]); "
        # The deleted rows' index entries would slow every read of the lists until
        # autovacuum came by: the board as seeded has none.
        "connection.cursor().execute('VACUUM ANALYZE tasks_task')"
    )
    removed = stack.manage("shell", "--no-imports", "-c", code).strip()
    print(f"  removed the {removed} rows POST task added to the 200-task board", flush=True)
