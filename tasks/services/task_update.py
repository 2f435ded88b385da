"""The parts of task_update (tasks.services.task_writes): the changes checked, then
written, under the board's lock."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from accounts.models import User
from boards.models import Board, Label
from taskboard.db.task_queries import OwnList
from writes import BoardWrite, FieldErrors, clean_optional_text, clean_required_text, position_after

from .. import watches
from ..locked_reads import ListForWrite, clean_list
from ..mention_highlighting import highlight_mentions
from ..mentions import mentioned_members
from ..models import Task, TaskAssignee, TaskLabel
from ..representations import task_representation
from .notifying import newly_mentioned, notify_assigned, notify_mentions
from .task_fields import (
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    check_wip_limit,
    clean_assignees,
    clean_due_at,
    clean_labels,
    clean_priority,
)
from .written import list_joined, list_left, record_task


@dataclass
class CleanChanges:
    """An update's changes, checked: the task's own fields by name, and the rest."""

    values: dict[str, Any] = field(default_factory=dict)
    target: ListForWrite | None = None
    completed: bool | None = None
    assignees: list[User] | None = None
    labels: list[Label] | None = None


def clean_changes(board: Board, changes: Mapping[str, Any]) -> CleanChanges:
    """The changes checked, every field's errors raised together (ValidationError)."""
    errors = FieldErrors()
    cleaned = CleanChanges()
    values = cleaned.values
    if "list_id" in changes:
        cleaned.target = clean_list(errors, board, changes["list_id"])
    if "title" in changes:
        values["title"] = clean_required_text(errors, "title", changes["title"], max_length=TITLE_MAX_LENGTH)
    if "description" in changes:
        values["description"] = clean_optional_text(
            errors, "description", changes["description"], max_length=DESCRIPTION_MAX_LENGTH
        )
    if "priority" in changes:
        values["priority"] = clean_priority(errors, changes["priority"])
    if "due_at" in changes:
        values["due_at"] = clean_due_at(errors, changes["due_at"])
    if "completed" in changes:
        if not isinstance(changes["completed"], bool):
            errors.add("completed", "Must be a valid boolean.")
        else:
            cleaned.completed = changes["completed"]
    if "assignee_ids" in changes:
        cleaned.assignees = clean_assignees(errors, board, changes["assignee_ids"])
    if "label_ids" in changes:
        cleaned.labels = clean_labels(errors, board, changes["label_ids"])
    errors.raise_if_any()
    return cleaned


@dataclass
class UpdateWrite:
    """A task update in progress: the write, the task re-read under its lock, the task's
    assignees and labels (the new ones once replaced)."""

    write: BoardWrite
    task: Task
    assignees: list[User]
    labels: list[Label]
    # The names of the fields the update changes ("assignees", "labels" among them).
    changed: list[str] = field(default_factory=list)
    added_assignees: list[User] = field(default_factory=list)
    # The task's list's count, read with the task when the update may move it.
    own_list: OwnList | None = None


def _replace_assignees(task: Task, *, old: list[User], new: list[User]) -> list[User]:
    """Set the task's assignees to `new`; returns the users who were not assigned before."""
    old_ids = {user.pk for user in old}
    new_ids = {user.pk for user in new}
    if old_ids - new_ids:
        TaskAssignee.objects.filter(
            board_id=task.board_id, task_id=task.pk, user_id__in=old_ids - new_ids
        ).delete()
    added = [user for user in new if user.pk not in old_ids]
    if added:
        TaskAssignee.objects.bulk_create(
            TaskAssignee(board_id=task.board_id, task_id=task.pk, user_id=user.pk) for user in added
        )
    return added


def _replace_labels(task: Task, *, old: list[Label], new: list[Label]) -> None:
    old_ids = {label.pk for label in old}
    new_ids = {label.pk for label in new}
    if old_ids - new_ids:
        TaskLabel.objects.filter(
            board_id=task.board_id, task_id=task.pk, label_id__in=old_ids - new_ids
        ).delete()
    if new_ids - old_ids:
        TaskLabel.objects.bulk_create(
            TaskLabel(board_id=task.board_id, task_id=task.pk, label_id=pk) for pk in new_ids - old_ids
        )


def _replace_related(update: UpdateWrite, cleaned: CleanChanges) -> None:
    """The new assignees and labels written where they differ from the task's."""
    task = update.task
    if cleaned.assignees is not None:
        if {user.pk for user in cleaned.assignees} != {user.pk for user in update.assignees}:
            update.added_assignees = _replace_assignees(task, old=update.assignees, new=cleaned.assignees)
            update.changed.append("assignees")
        update.assignees = cleaned.assignees
    if cleaned.labels is not None:
        if {label.pk for label in cleaned.labels} != {label.pk for label in update.labels}:
            _replace_labels(task, old=update.labels, new=cleaned.labels)
            update.changed.append("labels")
        update.labels = cleaned.labels


def _set_content(
    update: UpdateWrite, cleaned: CleanChanges, *, description_html: str
) -> tuple[list[str], dict[str, User]]:
    """The changed fields set on the task; the names of the columns to write and the
    members the new description mentions who were not mentioned before."""
    task, write = update.task, update.write
    fields = ["version", "updated_at"]
    previous_description = task.description
    for name in update.changed:
        if name in cleaned.values:
            setattr(task, name, cleaned.values[name])
            fields.append(name)
    newly: dict[str, User] = {}
    if "description" in update.changed:
        # Rendered before the lock; the mentions are resolved against the members now.
        mentioned = mentioned_members(board=write.board, text=task.description)
        task.description_html = highlight_mentions(description_html, mentioned)
        fields.append("description_html")
        newly = newly_mentioned(mentioned, previous_description)
    return fields, newly


def apply_update(
    update: UpdateWrite, cleaned: CleanChanges, *, description_html: str
) -> dict[str, Any] | None:
    """Write what `cleaned` changes and record it; the task's representation after the
    write, or None when nothing changed (nothing written, nothing recorded)."""
    task, write = update.task, update.write
    update.changed = [name for name, value in cleaned.values.items() if getattr(task, name) != value]
    _replace_related(update, cleaned)
    target = cleaned.target
    moved = target is not None and target.board_list.pk != task.list_id
    completion_changed = cleaned.completed is not None and cleaned.completed != task.completed
    if not (update.changed or moved or completion_changed):
        return None

    fields, newly = _set_content(update, cleaned, description_html=description_html)
    lists = None
    if moved:
        assert target is not None
        check_wip_limit(target)
        lists = [list_left(task.list_id, update.own_list), list_joined(target)]
        task.list = target.board_list
        task.position = position_after(target.last_position)
        fields += ["list", "position"]
    if completion_changed:
        assert cleaned.completed is not None
        task.completed = cleaned.completed
        task.completed_at = timezone.now() if cleaned.completed else None
        fields += ["completed", "completed_at"]
    task.version += 1
    task.updated_at = timezone.now()
    write.update_later(task, fields)
    notify_assigned(write, task, update.added_assignees)
    notify_mentions(write, task, newly)
    watches.after_task_update(
        write,
        task,
        added_assignees=update.added_assignees,
        moved_to=target.board_list if moved and target is not None else None,
        due_changed="due_at" in update.changed,
    )
    return _record(update, lists=lists, completion_changed=completion_changed)


def _record(
    update: UpdateWrite, *, lists: list[dict[str, Any]] | None, completion_changed: bool
) -> dict[str, Any]:
    """Record the update's events; a move's (`lists`: the new counts of the two lists)."""
    task, write = update.task, update.write
    data = task_representation(task, assignees=update.assignees, labels=update.labels)
    representation = data
    if update.changed:
        representation = record_task(write, "task.updated", task, data)
    if lists is not None:
        representation = record_task(write, "task.moved", task, data, lists=lists)
    if completion_changed:
        verb = "task.completed" if task.completed else "task.reopened"
        representation = record_task(write, verb, task, data)
    return representation
