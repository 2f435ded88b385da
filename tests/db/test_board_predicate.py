"""The sharding decision (docs/scaling.md "Past one primary"): the tables of a board are
distributed by board with Citus when one primary is not enough, which works only if every hot
statement on them names its board, so that Citus sends it to one shard instead of all.

Each hot request below is made once and every statement it sends is read: a statement on a
board's table must carry the board's id (a `board_id = n` or `board.id = n` predicate, or the
board's id in the `board_id` column of an INSERT). The exceptions known today are listed in
KNOWN_GAPS with the reason; each must still occur (so the list shrinks when one is fixed),
and anything else fails."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import connections
from django.db.models import ForeignKey, Model
from django.test import Client
from django.test.utils import CaptureQueriesContext

from boards.models import Board
from boards.tests.factories import BoardListFactory, BoardWithRoles, LabelFactory, board_with_roles
from tasks.models import Task
from tasks.tests.factories import CommentFactory, TaskFactory
from tests.api.http import Api

# What PostgreSQL is sent (the SQLite lane runs the ORM fallbacks instead).
pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.postgresql]

# The tables Citus would distribute by board (the rest — users, sessions, tokens, the outbox —
# are per user or global: reference or local tables).
BOARD_TABLES = (
    "boards_board",
    "boards_list",
    "boards_label",
    "boards_membership",
    "tasks_task",
    "tasks_task_assignees",
    "tasks_task_labels",
    "tasks_comment",
    "tasks_watch",
    "activity_activity",
    "reminders_sentreminder",
)
IGNORED = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b")
# A board write sends its statements as one `WITH w0 AS (…), w1 AS (…) UPDATE …`
# (taskboard/db/deferred_writes.py): each part is judged on its own.
CTE_PARTS = re.compile(r"^WITH w\d+ AS \(|\),\s*w\d+ AS \(|\)\s+(?=UPDATE|INSERT|DELETE|SELECT)")

# (request, a fragment of the statement) → why it does not name the board. These are the
# statements addressed by a task's own id: the URL carries no board id, so the first statement
# finds the board from the task. On Citus that lookup is an index probe on every shard
# (docs/scaling.md says what the step to Citus changes); the statements after it name the board.
KNOWN_GAPS: dict[tuple[str, str], str] = {
    ("api task detail", 'FROM "tasks_task" t JOIN "boards_membership" m'): "task id → its board",
    ("api task detail", 'WHERE "tasks_task"."id" = '): "the task by its primary key, which names its board",
    ("api task detail after", 'FROM "tasks_task" t JOIN "boards_membership" m'): "task id → its board",
    (
        "api task detail after",
        'WHERE "tasks_task"."id" = ',
    ): "the task by its primary key, which names its board",
    (
        "api task update",
        'JOIN "tasks_task" r ON r."board_id" = b.id WHERE r."id" = ',
    ): "task id → lock its board",
    (
        "api task assign",
        'JOIN "tasks_task" r ON r."board_id" = b.id WHERE r."id" = ',
    ): "task id → lock its board",
    (
        "api task assign",
        'LEFT OUTER JOIN "tasks_task" ON ("activity_notification"."task_id" = "tasks_task"."id")',
    ): "the assignment mail reads the person's notifications (per user) with their boards and tasks",
    ("api comments", 'FROM "tasks_task" t JOIN "boards_membership" m'): "task id → its board",
    (
        "api comment create",
        'JOIN "tasks_task" r ON r."board_id" = b.id WHERE r."id" = ',
    ): "task id → lock its board",
}


@dataclass(frozen=True)
class Hot:
    name: str
    call: Callable[[], Any]


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles(title="Sharded")


def hot_requests(given: BoardWithRoles) -> list[Hot]:
    board = given.board
    todo = BoardListFactory.create(board=board, title="To do")
    bug = LabelFactory.create(board=board, name="bug")
    task = TaskFactory.create(list=todo, title="Write report")
    CommentFactory.create(task=task)
    api = Api(given.member)
    page = Client()
    page.force_login(given.member)
    return [
        Hot("api board detail", lambda: api.get(f"boards/{board.pk}/")),
        Hot("api board tasks", lambda: api.get(f"boards/{board.pk}/tasks/")),
        Hot("api activity", lambda: api.get(f"boards/{board.pk}/activity/")),
        Hot(
            "api task create",
            lambda: api.post(f"boards/{board.pk}/tasks/", {"list_id": todo.pk, "title": "New"}),
        ),
        Hot("api task detail", lambda: api.get(f"tasks/{task.pk}/")),
        Hot("api task update", lambda: api.patch(f"tasks/{task.pk}/", {"title": "Renamed"})),
        Hot(
            "api task assign",
            lambda: api.patch(f"tasks/{task.pk}/", {"assignee_ids": [given.admin.pk], "label_ids": [bug.pk]}),
        ),
        Hot("api task detail after", lambda: api.get(f"tasks/{task.pk}/")),
        Hot("api comments", lambda: api.get(f"tasks/{task.pk}/comments/")),
        Hot("api comment create", lambda: api.post(f"tasks/{task.pk}/comments/", {"body": "Looks good"})),
        Hot("board page", lambda: page.get(f"/boards/{board.pk}/")),
        Hot("api board tasks after", lambda: api.get(f"boards/{board.pk}/tasks/")),
        Hot("api board detail after", lambda: api.get(f"boards/{board.pk}/")),
    ]


def captured(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    contexts = [CaptureQueriesContext(connections[alias]) for alias in connections]
    for context in contexts:
        context.__enter__()
    try:
        response = call()
    finally:
        for context in contexts:
            context.__exit__(None, None, None)
    return response, [query["sql"] for context in contexts for query in context.captured_queries]


def touches_a_board_table(sql: str) -> bool:
    return any(re.search(rf'"{table}"(?![_a-z])', sql) for table in BOARD_TABLES)


def names_the_board(sql: str, board_id: int) -> bool:
    predicates = (
        rf'board_id"?\s*=\s*{board_id}\b',
        rf'\bb\."?id"?\s*=\s*{board_id}\b',
        rf'"boards_board"\."id"\s*=\s*{board_id}\b',
        rf'^UPDATE "boards_board" SET .* WHERE "id" = {board_id}$',
    )
    if any(re.search(pattern, sql) for pattern in predicates):
        return True
    return inserts_the_board(sql, board_id)


def inserts_the_board(sql: str, board_id: int) -> bool:
    """An INSERT whose `board_id` column gets the board's id (values before it are numbers)."""
    for columns, values in re.findall(r"INSERT INTO \"\w+\" \(([^)]*)\) VALUES \(([^)]*)", sql):
        names = [name.strip().strip('"') for name in columns.split(",")]
        if "board_id" not in names:
            continue
        position = names.index("board_id")
        if values.split(",")[position].strip() != str(board_id):
            return False
    return bool(re.search(r'INSERT INTO "\w+" \([^)]*"board_id"', sql))


def test_the_hot_statements_on_a_boards_tables_name_the_board(given: BoardWithRoles) -> None:
    board_id = given.board.pk
    unexplained: list[str] = []
    gaps_seen: set[tuple[str, str]] = set()
    for hot in hot_requests(given):
        response, statements = captured(hot.call)
        assert response.status_code < 300, (hot.name, response.status_code)
        for sql in (part for statement in statements for part in CTE_PARTS.split(statement) if part):
            if IGNORED.match(sql) or not touches_a_board_table(sql) or names_the_board(sql, board_id):
                continue
            gap = next(
                ((hot.name, part) for (name, part) in KNOWN_GAPS if name == hot.name and part in sql), None
            )
            if gap is None:
                unexplained.append(f"{hot.name}: {sql[-300:]}")
            else:
                gaps_seen.add(gap)

    assert unexplained == [], "\n".join(unexplained)
    assert set(KNOWN_GAPS) - gaps_seen == set(), "a known gap no longer occurs: take it off KNOWN_GAPS"
    assert Task.objects.filter(board_id=board_id).count() == 2


def _board_scoped(model: type[Model]) -> bool:
    return model is Board or any(
        isinstance(field, ForeignKey) and field.name == "board" and field.related_model is Board
        for field in model._meta.get_fields()
    )


def test_every_table_below_a_board_carries_the_board() -> None:
    """A model (a many-to-many table included) with a foreign key to a model of a board
    (one with a `board` key: a task, a list, a label …) has its own `board` key to Board,
    so a new table can't forget it: Citus distributes these tables by it."""
    models = apps.get_models(include_auto_created=True)
    scoped = {model for model in models if _board_scoped(model)}
    missing = sorted(
        f"{model._meta.label}.{field.name} → {field.related_model._meta.label}"
        for model in models
        if model not in scoped
        for field in model._meta.get_fields()
        if isinstance(field, ForeignKey) and field.related_model in scoped
    )
    assert missing == []
    assert {model._meta.db_table for model in scoped} >= set(BOARD_TABLES)
