"""tasks 0004 to 0006 and reminders 0003 to 0005 (docs/scaling.md, "Past one primary"): a task's
comments, watches, assignees, labels and sent reminders get the task's board on a populated
database, rows written between the expand and the contract (a rolling deploy's old code)
included; the assignee and label tables keep their rows (they become through models in the
state only). On both lanes: PostgreSQL's UPDATE … FROM and SQLite's subquery."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("tasks", "0003_due_open_index"), ("reminders", "0002_sent_digest")]
EXPANDED = [("tasks", "0004_board_on_task_rows"), ("reminders", "0003_sentreminder_board")]
AT = datetime(2030, 1, 1, tzinfo=UTC)


def migrate(target: list[tuple[str, str]] | None = None) -> Any:
    """Migrate tasks and reminders to `target` (the latest: None), every other app to its
    latest; the models as they are there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = target or []
    apps = {app for app, _ in targets}
    nodes = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in apps] + targets
    executor.migrate(nodes)
    return executor.loader.project_state(nodes).apps


def populated(apps: Any) -> dict[str, Any]:
    """Two boards, a task on each with a comment, a watch, an assignee, a label and a sent
    reminder."""
    user = apps.get_model("accounts", "User").objects.create(email="ada@example.com", name="Ada")
    made: dict[str, Any] = {"user": user}
    for name in ("one", "two"):
        board = apps.get_model("boards", "Board").objects.create(title=name)
        board_list = apps.get_model("boards", "BoardList").objects.create(
            board=board, title="To do", position=1
        )
        label = apps.get_model("boards", "Label").objects.create(board=board, name="bug", color="red")
        task = apps.get_model("tasks", "Task").objects.create(
            board=board, list=board_list, title=name, position=1
        )
        made[name] = (board, task, label)
    return made


def rows_of(task: Any, user: Any, label: Any, *, offset: int) -> list[str]:
    """Rows as code that doesn't know board_id writes them: no board column named."""
    return [
        "INSERT INTO tasks_comment (body, body_html, created_at, updated_at, task_id) "
        f"VALUES ('c', 'c', %s, %s, {task.pk})",
        f"INSERT INTO tasks_watch (created_at, task_id, user_id) VALUES (%s, {task.pk}, {user.pk})",
        f"INSERT INTO tasks_task_assignees (task_id, user_id) VALUES ({task.pk}, {user.pk})",
        f"INSERT INTO tasks_task_labels (task_id, label_id) VALUES ({task.pk}, {label.pk})",
        "INSERT INTO reminders_sentreminder (offset_minutes, due_at, sent_at, task_id, user_id) "
        f"VALUES ({offset}, %s, %s, {task.pk}, {user.pk})",
    ]


def insert(statements: list[str]) -> None:
    stamp = connection.ops.adapt_datetimefield_value(AT)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, [stamp] * sql.count("%s"))


@pytest.mark.django_db(transaction=True)
def test_every_row_of_a_task_gets_the_tasks_board() -> None:
    try:
        made = populated(migrate(BEFORE))
        user = made["user"]
        board_one, task_one, label_one = made["one"]
        board_two, task_two, label_two = made["two"]
        insert(rows_of(task_one, user, label_one, offset=60))

        migrate(EXPANDED)
        # Between the two steps, code that doesn't know the column still writes.
        insert(rows_of(task_two, user, label_two, offset=5))

        apps = migrate()
        expected = {task_one.pk: board_one.pk, task_two.pk: board_two.pk}
        for model in (
            "tasks.Comment",
            "tasks.Watch",
            "tasks.TaskAssignee",
            "tasks.TaskLabel",
            "reminders.SentReminder",
        ):
            rows = set(apps.get_model(model).objects.values_list("task_id", "board_id"))
            assert rows == set(expected.items()), model
        Task = apps.get_model("tasks", "Task")
        assert list(Task.objects.get(pk=task_one.pk).assignees.values_list("pk", flat=True)) == [user.pk]
        assert list(Task.objects.get(pk=task_two.pk).labels.values_list("pk", flat=True)) == [label_two.pk]
    finally:
        migrate()
