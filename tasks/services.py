"""Writes to tasks and comments (DESIGN.md rule 1).

Like every board write (writes.board_write), each service is one transaction holding the
board's row lock: role check, validation, the change, the Activity with the next seq, the
board's version bumped (and the task's, when the task changed), events after commit.
Markdown is rendered before the lock is taken (_render_unlocked).
Non-members get Task.DoesNotExist / Comment.DoesNotExist (404), members without the role
PermissionDenied (403).
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

from django.db import router
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from activity.models import NotificationKind
from activity.services import notifications_create
from boards.models import Board, BoardList, Label
from boards.permissions import Action
from taskboard.db.ids import pk_of
from taskboard.errors import ConflictError, PreconditionFailedError
from taskboard.markdown_rendering import render_markdown
from writes import (
    BoardWrite,
    ChildrenOf,
    FieldErrors,
    PrefetchedSiblings,
    Siblings,
    board_write,
    clean_ids,
    clean_index,
    clean_optional_text,
    clean_required_text,
    place_at_index,
    position_after,
)

from . import watches
from .field_merge import merged_changes
from .locked_reads import clean_list, fresh_task, fresh_task_and_list, task_data, task_related
from .mention_highlighting import highlight_mentions
from .mentions import mentioned_emails, mentioned_members
from .models import Comment, Priority, Task
from .representations import comment_representation, task_representation

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 20000
COMMENT_MAX_LENGTH = 10000
MAX_ASSIGNEES = 50
MAX_LABELS = 50


# Validation shared by create and update


def _clean_priority(errors: FieldErrors, value: object) -> Priority:
    if isinstance(value, str):
        try:
            return Priority.from_name(value)
        except ValueError:
            pass
    errors.add("priority", f'"{value}" is not a valid choice.')
    return Priority.MEDIUM


def _render_unlocked(text: object, *, max_length: int) -> str:
    """The HTML of a Markdown text a write will store, rendered before the write locks the
    board: a long text costs its writer's time, not that of the board's other writers, who
    wait for the lock. A text the write will refuse (not a string, too long) is not
    rendered (the write's own checks report it)."""
    if not isinstance(text, str) or len(text) > max_length:
        return ""
    return render_markdown(text)


# A due date outside these (both included) is a typo (a year 20255, a 1925) rather than a
# plan; the bounds also keep every value inside what the browser's date input and
# JavaScript's Date show.
DUE_AT_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
DUE_AT_LATEST = datetime(2200, 1, 1, tzinfo=UTC)
DUE_AT_RANGE_MESSAGE = "Give a due date from 1970-01-01 to 2200-01-01 (UTC)."


def _clean_due_at(errors: FieldErrors, value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        errors.add("due_at", "Datetime has wrong format.")
        return None
    if timezone.is_naive(value):
        errors.add("due_at", "Give the time zone (UTC: a trailing Z).")
        return None
    # Stored in UTC: PostgreSQL refuses some offsets Python accepts (e.g. -16:12).
    try:
        due = value.astimezone(UTC)
    except OverflowError:
        errors.add("due_at", DUE_AT_RANGE_MESSAGE)
        return None
    if not DUE_AT_EARLIEST <= due <= DUE_AT_LATEST:
        errors.add("due_at", DUE_AT_RANGE_MESSAGE)
        return None
    return due


def _clean_assignees(errors: FieldErrors, board: Board, value: object) -> list[User]:
    ids = clean_ids(errors, "assignee_ids", value)
    if len(ids) > MAX_ASSIGNEES:
        errors.add("assignee_ids", f"Ensure this field has no more than {MAX_ASSIGNEES} elements.")
        return []
    if not ids:
        return []
    users = list(User.objects.filter(pk__in=ids, memberships__board=board).only("id", "name", "email"))
    missing = sorted(set(ids) - {user.pk for user in users})
    if missing:
        errors.add("assignee_ids", f"Not members of this board: {', '.join(map(str, missing))}.")
    return users


def _clean_labels(errors: FieldErrors, board: Board, value: object) -> list[Label]:
    ids = clean_ids(errors, "label_ids", value)
    if len(ids) > MAX_LABELS:
        errors.add("label_ids", f"Ensure this field has no more than {MAX_LABELS} elements.")
        return []
    if not ids:
        return []
    labels = list(Label.objects.filter(pk__in=ids, board=board))
    missing = sorted(set(ids) - {label.pk for label in labels})
    if missing:
        errors.add("label_ids", f"No labels with these ids on this board: {', '.join(map(str, missing))}.")
    return labels


WIP_LIMIT_REASON = "wip_limit"


def wip_limit_message(board_list: BoardList) -> str:
    limit = board_list.wip_limit
    return f"The list “{board_list.title}” is at its WIP limit of {limit} task{'' if limit == 1 else 's'}."


def _check_wip_limit(board_list: BoardList) -> None:
    """`board_list` comes from clean_list(), with its task count. A task may neither be
    moved nor added into a list at its limit."""
    if board_list.wip_limit is None:
        return
    if board_list.task_count >= board_list.wip_limit:  # type: ignore[attr-defined]
        raise ConflictError(wip_limit_message(board_list), reason=WIP_LIMIT_REASON)


def _notify_assigned(write: BoardWrite, task: Task, users: Iterable[User]) -> None:
    others = [user for user in users if user.pk != write.actor.pk]
    if others:
        notifications_create(
            users=others,
            kind=NotificationKind.ASSIGNED,
            board=write.board,
            task_id=task.pk,
            text=f"{write.actor.name or write.actor.email} assigned you to “{task.title}”",
        )


def _record_task(write: BoardWrite, verb: str, task: Task, data: dict[str, Any]) -> None:
    write.record(verb=verb, target_id=task.pk, target_title=task.title, data=data)
    # The event's data is the task as the API shows it after this write (API.md): kept on
    # the instance the service returns, so the API answers with it instead of reading the
    # task again (three queries). A renumbering's `positions` are the event's, not the task's.
    task._written_representation = {  # type: ignore[attr-defined]
        key: value for key, value in data.items() if key != "positions"
    }


def written_representation(task: Task) -> dict[str, Any] | None:
    """The task as the API shows it, as recorded by the service that returned `task`; None
    when that service changed nothing (e.g. a move to where the task already was)."""
    return getattr(task, "_written_representation", None)


# Tasks


def task_create(
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
) -> Task:
    """Create a task at the end of its list (member+); assignees are notified. A list at
    its WIP limit raises ConflictError, as a move into it does. `board` may be given by its
    id (the API's view reads nothing before)."""
    description_html = _render_unlocked(description, max_length=DESCRIPTION_MAX_LENGTH)
    with board_write(board_id=pk_of(board), actor=actor) as write:
        write.require(Action.TASK_CHANGE)
        errors = FieldErrors()
        board_list = clean_list(errors, write.board, list_id, for_create=True)
        title = clean_required_text(errors, "title", title, max_length=TITLE_MAX_LENGTH)
        description = clean_optional_text(
            errors, "description", description, max_length=DESCRIPTION_MAX_LENGTH
        )
        priority_value = _clean_priority(errors, priority)
        due = _clean_due_at(errors, due_at)
        assignees = _clean_assignees(errors, write.board, assignee_ids)
        labels = _clean_labels(errors, write.board, label_ids)
        errors.raise_if_any()
        assert board_list is not None
        _check_wip_limit(board_list)

        mentioned = mentioned_members(board=write.board, text=description)
        now = timezone.now()
        task = Task(
            # Set on PostgreSQL, where the row is inserted as the write ends; elsewhere the
            # insert below sets it.
            id=getattr(board_list, "new_task_id", None),
            board=write.board,
            list=board_list,
            title=title,
            description=description,
            description_html=highlight_mentions(description_html, mentioned),
            position=position_after(board_list.last_position),  # type: ignore[attr-defined]
            priority=priority_value,
            due_at=due,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        write.insert_later(task)
        assert task.pk is not None
        if assignees:
            assignment = Task.assignees.through
            write.insert_later(*(assignment(task_id=task.pk, user_id=user.pk) for user in assignees))
            _notify_assigned(write, task, assignees)
        _notify_mentions(write, task, mentioned)
        watches.watch_new_task(write, task, [actor.pk, *(user.pk for user in assignees)])
        if labels:
            labelling = Task.labels.through
            write.insert_later(*(labelling(task_id=task.pk, label_id=label.pk) for label in labels))
        _record_task(
            write, "task.created", task, task_representation(task, assignees=assignees, labels=labels)
        )
    return task


class TaskChanges(TypedDict, total=False):
    list_id: int
    title: str
    description: str
    priority: str
    due_at: datetime | None
    completed: bool
    assignee_ids: Sequence[int]
    label_ids: Sequence[int]


CONTENT_FIELDS = ("title", "description", "priority", "due_at")


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
        _render_unlocked(changes["description"], max_length=DESCRIPTION_MAX_LENGTH)
        if "description" in changes
        else ""
    )
    with board_write(of=(Task, task_id), actor=actor) as write:
        write.require(Action.TASK_CHANGE, not_found=Task.DoesNotExist)
        current = fresh_task(write, task_id)
        if expected_versions is not None and current.version not in expected_versions:
            raise PreconditionFailedError(stale_task_message(current.version))
        assignees, labels = task_related(current)
        if base is not None:
            changes = merged_changes(  # type: ignore[assignment]
                current, changes=changes, base=base, assignees=assignees, labels=labels
            )

        errors = FieldErrors()
        values: dict[str, Any] = {}
        target_list: BoardList | None = None
        if "list_id" in changes:
            target_list = clean_list(errors, write.board, changes["list_id"])
        if "title" in changes:
            values["title"] = clean_required_text(
                errors, "title", changes["title"], max_length=TITLE_MAX_LENGTH
            )
        if "description" in changes:
            values["description"] = clean_optional_text(
                errors, "description", changes["description"], max_length=DESCRIPTION_MAX_LENGTH
            )
        if "priority" in changes:
            values["priority"] = _clean_priority(errors, changes["priority"])
        if "due_at" in changes:
            values["due_at"] = _clean_due_at(errors, changes["due_at"])
        completed: bool | None = None
        if "completed" in changes:
            if not isinstance(changes["completed"], bool):
                errors.add("completed", "Must be a valid boolean.")
            else:
                completed = changes["completed"]
        new_assignees = (
            _clean_assignees(errors, write.board, changes["assignee_ids"])
            if "assignee_ids" in changes
            else None
        )
        new_labels = (
            _clean_labels(errors, write.board, changes["label_ids"]) if "label_ids" in changes else None
        )
        errors.raise_if_any()

        content_changed = [field for field, value in values.items() if getattr(current, field) != value]
        added_assignees: list[User] = []
        if new_assignees is not None:
            if {user.pk for user in new_assignees} != {user.pk for user in assignees}:
                added_assignees = _replace_assignees(current, old=assignees, new=new_assignees)
                content_changed.append("assignees")
            assignees = new_assignees
        if new_labels is not None:
            if {label.pk for label in new_labels} != {label.pk for label in labels}:
                _replace_labels(current, old=labels, new=new_labels)
                content_changed.append("labels")
            labels = new_labels
        moved = target_list is not None and target_list.pk != current.list_id
        completion_changed = completed is not None and completed != current.completed

        if not (content_changed or moved or completion_changed):
            return current

        fields = ["version", "updated_at"]
        previous_description = current.description
        for field in content_changed:
            if field in values:
                setattr(current, field, values[field])
                fields.append(field)
        newly_mentioned: dict[str, User] = {}
        if "description" in content_changed:
            # Rendered before the lock; the mentions are resolved against the members now.
            mentioned = mentioned_members(board=write.board, text=current.description)
            current.description_html = highlight_mentions(description_html, mentioned)
            fields.append("description_html")
            newly_mentioned = _newly_mentioned(mentioned, previous_description)
        if moved:
            assert target_list is not None
            _check_wip_limit(target_list)
            current.list = target_list
            current.position = position_after(target_list.last_position)  # type: ignore[attr-defined]
            fields += ["list", "position"]
        if completion_changed:
            assert completed is not None
            current.completed = completed
            current.completed_at = timezone.now() if completed else None
            fields += ["completed", "completed_at"]
        current.version += 1
        current.updated_at = timezone.now()
        write.update_later(current, fields)
        _notify_assigned(write, current, added_assignees)
        _notify_mentions(write, current, newly_mentioned)
        watches.after_task_update(
            write,
            current,
            added_assignees=added_assignees,
            moved_to=target_list if moved else None,
            due_changed="due_at" in content_changed,
        )

        data = task_representation(current, assignees=assignees, labels=labels)
        if content_changed:
            _record_task(write, "task.updated", current, data)
        if moved:
            _record_task(write, "task.moved", current, data)
        if completion_changed:
            _record_task(write, "task.completed" if current.completed else "task.reopened", current, data)
    return current


def _replace_assignees(task: Task, *, old: list[User], new: list[User]) -> list[User]:
    """Set the task's assignees to `new`; returns the users who were not assigned before."""
    old_ids = {user.pk for user in old}
    new_ids = {user.pk for user in new}
    through = Task.assignees.through
    if old_ids - new_ids:
        through.objects.filter(task_id=task.pk, user_id__in=old_ids - new_ids).delete()
    added = [user for user in new if user.pk not in old_ids]
    if added:
        through.objects.bulk_create(through(task_id=task.pk, user_id=user.pk) for user in added)
    return added


def _replace_labels(task: Task, *, old: list[Label], new: list[Label]) -> None:
    old_ids = {label.pk for label in old}
    new_ids = {label.pk for label in new}
    through = Task.labels.through
    if old_ids - new_ids:
        through.objects.filter(task_id=task.pk, label_id__in=old_ids - new_ids).delete()
    if new_ids - old_ids:
        through.objects.bulk_create(through(task_id=task.pk, label_id=pk) for pk in new_ids - old_ids)


def task_complete(*, task: Task | int, actor: User) -> Task:
    """Mark the task completed (member+)."""
    return task_update(task=task, actor=actor, completed=True)


def task_reopen(*, task: Task | int, actor: User) -> Task:
    """Mark the task not completed (member+)."""
    return task_update(task=task, actor=actor, completed=False)


def task_move(*, task: Task | int, actor: User, to_list_id: int, index: int) -> Task:
    """Move the task to 0-based `index` among the other tasks of list `to_list_id`
    (member+). Writes one task row in the common case. Moving into another list that is
    at its WIP limit raises ConflictError. `task` may be given by its id (the API's view
    reads nothing before)."""
    task_id = pk_of(task)
    with board_write(of=(Task, task_id), actor=actor) as write:
        write.require(Action.TASK_CHANGE, not_found=Task.DoesNotExist)
        errors = FieldErrors()
        index = clean_index(errors, "index", index)
        current, target_list = fresh_task_and_list(write, task_id, errors, to_list_id, index)
        errors.raise_if_any()
        assert target_list is not None

        same_list = target_list.pk == current.list_id
        if not same_list:
            _check_wip_limit(target_list)
        siblings: Siblings = ChildrenOf(
            Task, "list", target_list.pk, current.pk, using=router.db_for_write(Task)
        )
        prefetched = getattr(target_list, "siblings_window", None)
        if prefetched is not None:
            siblings = PrefetchedSiblings(siblings, *prefetched)
        placement = place_at_index(
            siblings,
            index,
            current_position=current.position if same_list else None,
        )
        if same_list and not placement.moves(current.position):
            return current
        if not same_list:
            watches.notify_move(write, current, target_list)
        current.list = target_list
        current.position = placement.position
        current.version += 1
        current.updated_at = timezone.now()
        write.update_later(current, ["list", "position", "version", "updated_at"])
        data = task_data(current)
        if placement.renumbered:
            data["positions"] = placement.event_positions()
        _record_task(write, "task.moved", current, data)
    return current


def task_delete(*, task: Task | int, actor: User) -> None:
    """Delete a task with its comments (member+). `task` may be given by its id."""
    task_id = pk_of(task)
    with board_write(of=(Task, task_id), actor=actor) as write:
        write.require(Action.TASK_CHANGE, not_found=Task.DoesNotExist)
        current = fresh_task(write, task_id)
        data = task_data(current)
        current.delete()
        write.record(verb="task.deleted", target_id=data["id"], target_title=data["title"], data=data)


# Comments


def _clean_body(body: object) -> str:
    errors = FieldErrors()
    text = clean_optional_text(errors, "body", body, max_length=COMMENT_MAX_LENGTH)
    if "body" not in errors and not text.strip():
        errors.add("body", "This field may not be blank.")
    errors.raise_if_any()
    return text


def _newly_mentioned(mentioned: Mapping[str, User], previous: str) -> dict[str, User]:
    """Those of `mentioned` the `previous` text didn't mention (they were told already)."""
    already = mentioned_emails(previous)
    return {email: user for email, user in mentioned.items() if email not in already}


def _notify_mentions(write: BoardWrite, task: Task, mentioned: Mapping[str, User]) -> set[int]:
    """Notify the `mentioned` members but the actor; the ids of those notified."""
    others = [user for user in mentioned.values() if user.pk != write.actor.pk]
    if not others:
        return set()
    notified = notifications_create(
        users=others,
        kind=NotificationKind.MENTION,
        board=write.board,
        task_id=task.pk,
        text=f"{write.actor.name or write.actor.email} mentioned you on “{task.title}”",
    )
    return {notification.user_id for notification in notified}


def _require_comment_change(write: BoardWrite, comment: Comment) -> None:
    own = comment.author_id is not None and comment.author_id == write.actor.pk
    write.require(
        Action.COMMENT_CHANGE_OWN if own else Action.COMMENT_MODERATE, not_found=Comment.DoesNotExist
    )


def comment_create(*, task: Task | int, actor: User, body: str) -> Comment:
    """Comment on a task (member+); members mentioned as @<email> are notified. `task` may
    be given by its id."""
    task_id = pk_of(task)
    body_html = _render_unlocked(body, max_length=COMMENT_MAX_LENGTH)
    with board_write(of=(Task, task_id), actor=actor) as write:
        write.require(Action.COMMENT_CREATE, not_found=Task.DoesNotExist)
        current = Task.objects.only("id", "title", "board_id").get(pk=task_id, board=write.board)
        text = _clean_body(body)
        mentioned = mentioned_members(board=write.board, text=text)
        now = timezone.now()
        comment = Comment.objects.create(
            task=current,
            author=actor,
            body=text,
            body_html=highlight_mentions(body_html, mentioned),
            created_at=now,
            updated_at=now,
        )
        Task.objects.filter(pk=current.pk).update(comment_count=F("comment_count") + 1)
        notified = _notify_mentions(write, current, mentioned)
        # Watchers who were mentioned have heard of this comment already.
        watches.notify_comment(write, current, mentioned=notified)
        write.record(
            verb="comment.created",
            target_id=comment.pk,
            target_title=current.title,
            data=comment_representation(comment),
        )
    return comment


def _fresh_comment(write: BoardWrite, comment: Comment) -> Comment:
    return Comment.objects.select_related("author", "task").get(pk=comment.pk, task__board=write.board)


def _comment_board_id(comment: Comment) -> int:
    board_id = Task.objects.filter(pk=comment.task_id).values_list("board_id", flat=True).first()
    if board_id is None:
        raise Comment.DoesNotExist("Comment not found.")
    return board_id


def comment_update(*, comment: Comment, actor: User, body: str) -> Comment:
    """Edit a comment (its author, or an admin+); newly mentioned members are notified."""
    body_html = _render_unlocked(body, max_length=COMMENT_MAX_LENGTH)
    with board_write(board_id=_comment_board_id(comment), actor=actor) as write:
        if write.role is None:
            raise Comment.DoesNotExist("Comment not found.")
        current = _fresh_comment(write, comment)
        _require_comment_change(write, current)
        text = _clean_body(body)
        if text == current.body:
            return current
        previous = current.body
        mentioned = mentioned_members(board=write.board, text=text)
        current.body = text
        current.body_html = highlight_mentions(body_html, mentioned)
        current.updated_at = timezone.now()
        current.save(update_fields=["body", "body_html", "updated_at"])
        _notify_mentions(write, current.task, _newly_mentioned(mentioned, previous))
        write.record(
            verb="comment.updated",
            target_id=current.pk,
            target_title=current.task.title,
            data=comment_representation(current),
        )
    return current


def comment_delete(*, comment: Comment, actor: User) -> None:
    """Delete a comment (its author, or an admin+)."""
    with board_write(board_id=_comment_board_id(comment), actor=actor) as write:
        if write.role is None:
            raise Comment.DoesNotExist("Comment not found.")
        current = _fresh_comment(write, comment)
        _require_comment_change(write, current)
        data = comment_representation(current)
        current.delete()
        Task.objects.filter(pk=current.task_id).update(comment_count=F("comment_count") - 1)
        write.record(verb="comment.deleted", target_id=data["id"], target_title=current.task.title, data=data)
