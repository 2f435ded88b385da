"""Merging an edit by field (issue 13): the field-level precondition of a task update.

A client sends, with the fields it writes, the values it based its edit on (`base`). A field
whose value equals its base was not changed by this client and is left as it is now, so a
change someone else made to it meanwhile is kept. A field this client changed is written
when nobody else changed it since (its current value is still the base), or changed it the
same way; otherwise it is a conflict, and the whole write is refused with the conflicting
fields' current values (FieldsChangedError, 412). Fields without a base are written as a
plain PATCH writes them. Runs under the board's lock (tasks.services.task_update), so the
comparison and the write see the same row.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from accounts.models import User
from boards.models import Label
from taskboard.errors import FieldsChangedError

from .models import Task
from .representations import task_representation

# The fields a base may name: every field of a task update.
MERGEABLE_FIELDS = (
    "list_id",
    "title",
    "description",
    "priority",
    "due_at",
    "completed",
    "assignee_ids",
    "label_ids",
)


def _comparable(field: str, value: Any) -> Any:
    """`value` in a form where equal meanings compare equal: ids as sets, times in UTC,
    line breaks as LF.
    Values of the wrong type stay as they are (they differ, and the update's checks
    refuse them)."""
    if field in ("assignee_ids", "label_ids") and isinstance(value, list | tuple):
        try:
            return frozenset(value)
        except TypeError:
            return tuple(map(repr, value))
    if field in ("title", "description") and isinstance(value, str):
        # Browsers send a textarea's line breaks as CRLF or LF: the same text either way.
        return value.replace("\r\n", "\n")
    if field == "due_at" and isinstance(value, datetime) and value.tzinfo is not None:
        try:
            return value.astimezone(UTC)
        except OverflowError:
            return value
    return value


def current_values(task: Task, *, assignees: list[User], labels: list[Label]) -> dict[str, Any]:
    """The task's mergeable fields as the API shows them."""
    shown = task_representation(task, assignees=assignees, labels=labels)
    values = {field: shown[field] for field in MERGEABLE_FIELDS if field in shown}
    values["assignee_ids"] = [user["id"] for user in shown["assignees"]]
    values["label_ids"] = [label["id"] for label in shown["labels"]]
    return values


def merged_changes(
    task: Task,
    *,
    changes: Mapping[str, Any],
    base: Mapping[str, Any],
    assignees: list[User],
    labels: list[Label],
) -> dict[str, Any]:
    """The changes to write: those this client made. Raises FieldsChangedError when one of
    them clashes with a change made since `base`."""
    now = {
        "list_id": task.list_id,
        "title": task.title,
        "description": task.description,
        "priority": task.priority_name,
        "due_at": task.due_at,
        "completed": task.completed,
        "assignee_ids": [user.pk for user in assignees],
        "label_ids": [label.pk for label in labels],
    }
    kept: dict[str, Any] = {}
    conflicts: list[str] = []
    for field, value in changes.items():
        if field not in base or field not in now:
            kept[field] = value
            continue
        mine, was, current = (_comparable(field, v) for v in (value, base[field], now[field]))
        if mine == was:
            continue
        if current not in (was, mine):
            conflicts.append(field)
        kept[field] = value
    if conflicts:
        shown = current_values(task, assignees=assignees, labels=labels)
        raise FieldsChangedError(
            f"Someone else changed {', '.join(conflicts)} since you read the task: choose which "
            "value to keep.",
            current={field: shown[field] for field in conflicts},
        )
    return kept
