"""Tasks and comments as the API shows them (docs/api.md "Tasks, comments"), as plain dicts.

Two builders make the same task shape: `task_representation()` from a Task instance (for
events, single reads and short pages) and `task_row_representation()` from a values_list()
row plus pre-grouped assignees and labels (for the board read, which must not instantiate
thousands of models). A test keeps them identical.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from accounts.models import User
from boards.models import Label
from boards.representations import FormattedDateTime, format_datetime, label_representation, user_brief

from .models import PRIORITY_NAMES, Comment, Task


def task_row_columns() -> tuple[str | FormattedDateTime, ...]:
    """What task_row_representation() reads, in its order: board reads pass these to
    values_list(). The timestamps come formatted by the database."""
    return (
        "id",
        "board_id",
        "list_id",
        "title",
        "description",
        "position",
        "priority",
        FormattedDateTime("due_at"),
        "completed",
        FormattedDateTime("completed_at"),
        "created_by_id",
        "created_by__name",
        "comment_count",
        "version",
        FormattedDateTime("created_at"),
        FormattedDateTime("updated_at"),
    )


def task_representation(
    task: Task,
    *,
    assignees: Iterable[User] | None = None,
    labels: Iterable[Label] | None = None,
) -> dict[str, Any]:
    """The task as the API shows it. Without `assignees` / `labels` they are read from the
    task (prefetch them for lists); `created_by` should be select_related."""
    assignee_list = sorted(task.assignees.all() if assignees is None else assignees, key=lambda user: user.pk)
    label_list = sorted(task.labels.all() if labels is None else labels, key=lambda label: label.pk)
    return {
        "id": task.pk,
        "board_id": task.board_id,
        "list_id": task.list_id,
        "title": task.title,
        "description": task.description,
        "position": task.position,
        "priority": PRIORITY_NAMES[task.priority],
        "due_at": format_datetime(task.due_at),
        "completed": task.completed,
        "completed_at": format_datetime(task.completed_at),
        "assignees": [{"id": user.pk, "name": user.name} for user in assignee_list],
        "labels": [label_representation(label) for label in label_list],
        "created_by": user_brief(task.created_by) if task.created_by_id is not None else None,
        "comment_count": task.comment_count,
        "version": task.version,
        "created_at": format_datetime(task.created_at),
        "updated_at": format_datetime(task.updated_at),
    }


def task_row_representation(
    row: Sequence[Any], *, assignees: list[dict[str, Any]], labels: list[dict[str, Any]]
) -> dict[str, Any]:
    """The same shape from a values_list(*task_row_columns()) row; assignees and labels
    already as dicts, sorted by id."""
    (
        task_id,
        board_id,
        list_id,
        title,
        description,
        position,
        priority,
        due_at,
        completed,
        completed_at,
        created_by_id,
        created_by_name,
        comment_count,
        version,
        created_at,
        updated_at,
    ) = row
    return {
        "id": task_id,
        "board_id": board_id,
        "list_id": list_id,
        "title": title,
        "description": description,
        "position": position,
        "priority": PRIORITY_NAMES[priority],
        "due_at": due_at,
        "completed": completed,
        "completed_at": completed_at,
        "assignees": assignees,
        "labels": labels,
        "created_by": None if created_by_id is None else {"id": created_by_id, "name": created_by_name},
        "comment_count": comment_count,
        "version": version,
        "created_at": created_at,
        "updated_at": updated_at,
    }


def comment_representation(comment: Comment) -> dict[str, Any]:
    """The comment as the API shows it; `author` should be select_related."""
    return {
        "id": comment.pk,
        "task_id": comment.task_id,
        "author": user_brief(comment.author) if comment.author_id is not None else None,
        "body": comment.body,
        "body_html": comment.body_html,
        "created_at": format_datetime(comment.created_at),
        "updated_at": format_datetime(comment.updated_at),
    }
