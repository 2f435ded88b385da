"""Writes to tasks: create, update (complete, reopen), delete (docs/design.md rule 1).

Like every board write (writes.board_transaction), each service is one transaction holding the
board's row lock: role check, validation, the change, the Activity with the next seq, the
board's version bumped (and the task's, when the task changed), events after commit.
Markdown is rendered before the lock is taken (render_unlocked). Non-members get
Task.DoesNotExist (404), members without the role PermissionDenied (403).
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, TypedDict, Unpack

from django.utils import timezone

from accounts.models import User
from boards.models import Board
from boards.permissions import Action
from taskboard.db.ids import pk_of
from taskboard.errors import PreconditionFailedError
from writes import FieldErrors, board_write, clean_optional_text, clean_required_text, position_after

from .. import watches
from ..field_merge import merged_changes
from ..locked_reads import clean_list, fresh_task, task_data, task_related
from ..mention_highlighting import highlight_mentions
from ..mentions import mentioned_members
from ..models import Task, TaskAssignee, TaskLabel
from ..representations import task_representation
from .notifying import notify_assigned, notify_mentions
from .task_fields import (
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    check_wip_limit,
    clean_assignees,
    clean_due_at,
    clean_labels,
    clean_priority,
    render_unlocked,
)
from .task_update import UpdateWrite, apply_update, clean_changes
from .written import WrittenTask, list_joined, list_left, record_task


class NewTaskFields(TypedDict, total=False):
    """A new task's optional fields (task_create_written's defaults)."""

    description: str
    priority: str
    due_at: datetime | None
    assignee_ids: Sequence[int]
    label_ids: Sequence[int]


def task_create(
    *, board: Board | int, actor: User, list_id: int, title: str, **fields: Unpack[NewTaskFields]
) -> Task:
    """Create a task at the end of its list (member+); see task_create_written()."""
    return task_create_written(board=board, actor=actor, list_id=list_id, title=title, **fields).task


def task_create_written(
    *,
    board: Board | int,
    actor: User,
    list_id: int,
    title: str,
    description: str = "",
    priority: str = "medium",
    due_at: datetime | None = None,
    assignee_ids: Sequence[int] = (),
    label_ids: Sequence[int] = (),
) -> WrittenTask:
    """Create a task at the end of its list (member+); assignees are notified. A list at
    its WIP limit raises ConflictError, as a move into it does. `board` may be given by its
    id (the API's view reads nothing before)."""
    description_html = render_unlocked(description, max_length=DESCRIPTION_MAX_LENGTH)
    with board_write(board_id=pk_of(board), actor=actor) as write:
        write.require(Action.TASK_CHANGE)
        errors = FieldErrors()
        target = clean_list(errors, write.board, list_id, for_create=True)
        title = clean_required_text(errors, "title", title, max_length=TITLE_MAX_LENGTH)
        description = clean_optional_text(
            errors, "description", description, max_length=DESCRIPTION_MAX_LENGTH
        )
        priority_value = clean_priority(errors, priority)
        due = clean_due_at(errors, due_at)
        assignees = clean_assignees(errors, write.board, assignee_ids)
        labels = clean_labels(errors, write.board, label_ids)
        errors.raise_if_any()
        assert target is not None
        check_wip_limit(target)

        mentioned = mentioned_members(board=write.board, text=description)
        now = timezone.now()
        task = Task(
            # Set on PostgreSQL, where the row is inserted as the write ends; elsewhere the
            # insert below sets it.
            id=target.new_task_id,
            board=write.board,
            list=target.board_list,
            title=title,
            description=description,
            description_html=highlight_mentions(description_html, mentioned),
            position=position_after(target.last_position),
            priority=priority_value,
            due_at=due,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        write.insert_later(task)
        assert task.pk is not None
        if assignees:
            write.insert_later(
                *(
                    TaskAssignee(board_id=write.board.pk, task_id=task.pk, user_id=user.pk)
                    for user in assignees
                )
            )
            notify_assigned(write, task, assignees)
        notify_mentions(write, task, mentioned)
        watches.watch_new_task(write, task, [actor.pk, *(user.pk for user in assignees)])
        if labels:
            write.insert_later(
                *(TaskLabel(board_id=write.board.pk, task_id=task.pk, label_id=label.pk) for label in labels)
            )
        representation = record_task(
            write,
            "task.created",
            task,
            task_representation(task, assignees=assignees, labels=labels),
            lists=[list_joined(target)],
        )
    return WrittenTask(task, representation)


class TaskChanges(TypedDict, total=False):
    list_id: int
    title: str
    description: str
    priority: str
    due_at: datetime | None
    completed: bool
    assignee_ids: Sequence[int]
    label_ids: Sequence[int]


def stale_task_message(version: int) -> str:
    return f"The task has changed (it is at version {version}): reload it."


def task_update(
    *,
    task: Task | int,
    actor: User,
    expected_versions: Collection[int] | None = None,
    base: Mapping[str, Any] | None = None,
    **changes: Unpack[TaskChanges],
) -> Task:
    """Change the given fields of a task (member+); see task_update_written()."""
    return task_update_written(
        task=task, actor=actor, expected_versions=expected_versions, base=base, **changes
    ).task


def task_update_written(
    *,
    task: Task | int,
    actor: User,
    expected_versions: Collection[int] | None = None,
    base: Mapping[str, Any] | None = None,
    **changes: Unpack[TaskChanges],
) -> WrittenTask:
    """Change the given fields of a task (member+), PATCH-style: absent keys stay.

    `expected_versions` are the versions the client accepts (its If-Match; None: any): a
    task at another version raises PreconditionFailedError, before the input is checked.
    `base` (the field-level precondition, tasks.field_merge): the values the client based
    its edit on, by field; a field sent with its base value is left as it is now, and one
    changed meanwhile by someone else raises FieldsChangedError (412), both compared here
    under the board's lock.
    A new `list_id` appends the task to that list (a move, so the WIP limit applies);
    `completed` completes or reopens it. Records task.updated, task.moved, task.completed /
    task.reopened for what changed, nothing when nothing did. `task` may be given by its id.
    """
    task_id = pk_of(task)
    description_html = (
        render_unlocked(changes["description"], max_length=DESCRIPTION_MAX_LENGTH)
        if "description" in changes
        else ""
    )
    with board_write(of=(Task, task_id), actor=actor) as write:
        write.require(Action.TASK_CHANGE, not_found=Task.DoesNotExist)
        # A move (to another list) tells the count of the list it leaves.
        fresh = fresh_task(write, task_id, own_list="list_id" in changes)
        current = fresh.task
        if expected_versions is not None and current.version not in expected_versions:
            raise PreconditionFailedError(stale_task_message(current.version))
        assignees, labels = task_related(fresh)
        wanted: Mapping[str, Any] = changes
        if base is not None:
            wanted = merged_changes(current, changes=changes, base=base, assignees=assignees, labels=labels)
        cleaned = clean_changes(write.board, wanted)
        update = UpdateWrite(write, current, assignees=assignees, labels=labels, own_list=fresh.own_list)
        representation = apply_update(update, cleaned, description_html=description_html)
    return WrittenTask(current, representation)


def task_complete(*, task: Task | int, actor: User) -> Task:
    """Mark the task completed (member+)."""
    return task_update(task=task, actor=actor, completed=True)


def task_reopen(*, task: Task | int, actor: User) -> Task:
    """Mark the task not completed (member+)."""
    return task_update(task=task, actor=actor, completed=False)


def task_delete(*, task: Task | int, actor: User) -> None:
    """Delete a task with its comments (member+). `task` may be given by its id."""
    task_id = pk_of(task)
    with board_write(of=(Task, task_id), actor=actor) as write:
        write.require(Action.TASK_CHANGE, not_found=Task.DoesNotExist)
        fresh = fresh_task(write, task_id, own_list=True)
        data = task_data(fresh)
        fresh.task.delete()
        write.record(
            verb="task.deleted",
            target_id=data["id"],
            target_title=data["title"],
            data=data,
            envelope={"lists": [list_left(fresh.task.list_id, fresh.own_list)]},
        )
