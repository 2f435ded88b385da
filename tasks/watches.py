"""Watching a card: its watchers hear, in their notifications, about the comments, moves
to another list and due-date changes others make to it.

Creators and assignees watch by default: a card's creator from its creation, an assignee
from their assignment (unwatching sticks until they are assigned again). Any member may
watch, viewers included: they can read the card, and watching changes nothing on the
board. Only current members are notified (a removed member's watches stay, silent), never
for their own changes, at most once per change (one notification per watcher, made in one
statement, in the write's transaction).

The services (task_watch, task_unwatch) and the read (task_watching) live here rather
than in services.py / selectors.py: watching is per user and touches no board state (no
lock, no activity, no version), so a watch can't conflict with the card's editors.
"""

from collections.abc import Collection, Iterable

from django.db import transaction

from accounts.models import User
from activity.models import NotificationKind
from activity.services import notifications_create
from boards.models import BoardList
from taskboard.db.ids import pk_of
from writes import BoardWrite

from .models import Task, Watch
from .selectors import task_row_get_for_user

# --- for the task services, inside their board write ----------------------------------


def watch_new_task(write: BoardWrite, task: Task, user_ids: Iterable[int]) -> None:
    """The creator and the assignees of a task being created watch it (inserted with the
    task, in the write's closing statement on PostgreSQL)."""
    write.insert_later(
        *(
            Watch(board_id=task.board_id, task_id=task.pk, user_id=user_id)
            for user_id in sorted(set(user_ids))
        )
    )


def watch_assigned(task: Task, users: Collection[User]) -> None:
    """New assignees of an existing task watch it (those who already do are left alone)."""
    if users:
        Watch.objects.bulk_create(
            [Watch(board_id=task.board_id, task_id=task.pk, user_id=user.pk) for user in users],
            ignore_conflicts=True,
        )


def _actor_name(write: BoardWrite) -> str:
    return write.actor.name or write.actor.email


def notify_watchers(
    write: BoardWrite, task: Task, *, kind: NotificationKind, text: str, exclude: Collection[int] = ()
) -> None:
    """Notify the task's watchers who are members of its board, except the actor and
    `exclude` (notified of this change otherwise): one query to find them, one to insert."""
    watcher_ids = list(
        Watch.objects.filter(
            board_id=write.board.pk, task_id=task.pk, user__memberships__board_id=write.board.pk
        )
        .exclude(user_id__in={write.actor.pk, *exclude})
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    if watcher_ids:
        notifications_create(users=watcher_ids, kind=kind, board=write.board, task_id=task.pk, text=text)


def notify_comment(write: BoardWrite, task: Task, *, mentioned: Collection[int]) -> None:
    notify_watchers(
        write,
        task,
        kind=NotificationKind.WATCHED_COMMENT,
        text=f"{_actor_name(write)} commented on “{task.title}”",
        exclude=mentioned,
    )


def notify_move(write: BoardWrite, task: Task, to_list: BoardList, *, exclude: Collection[int] = ()) -> None:
    """The task moved to another list (a reorder within its list tells nobody)."""
    notify_watchers(
        write,
        task,
        kind=NotificationKind.WATCHED_MOVE,
        text=f"{_actor_name(write)} moved “{task.title}” to {to_list.title}",
        exclude=exclude,
    )


def after_task_update(
    write: BoardWrite,
    task: Task,
    *,
    added_assignees: Collection[User],
    moved_to: BoardList | None,
    due_changed: bool,
) -> None:
    """What task_update() owes watchers: new assignees watch (and, just told they were
    assigned, hear nothing more of this change); the others hear of a move to another list
    and of a new due date."""
    watch_assigned(task, added_assignees)
    assigned = {user.pk for user in added_assignees}
    if moved_to is not None:
        notify_move(write, task, moved_to, exclude=assigned)
    if due_changed:
        what = "changed the due date of" if task.due_at is not None else "removed the due date of"
        notify_watchers(
            write,
            task,
            kind=NotificationKind.WATCHED_DUE,
            text=f"{_actor_name(write)} {what} “{task.title}”",
            exclude=assigned,
        )


# --- the services and the read -----------------------------------------------------------


def task_watch(*, task: Task | int, user: User) -> None:
    """`user` watches the task (any member; Task.DoesNotExist for others). Idempotent."""
    with transaction.atomic():
        row = task_row_get_for_user(user=user, task_id=pk_of(task))
        Watch.objects.bulk_create(
            [Watch(board_id=row.board_id, task_id=row.pk, user_id=user.pk)], ignore_conflicts=True
        )


def task_unwatch(*, task: Task | int, user: User) -> None:
    """`user` stops watching the task (any member; Task.DoesNotExist for others). Idempotent."""
    with transaction.atomic():
        row = task_row_get_for_user(user=user, task_id=pk_of(task))
        Watch.objects.filter(board_id=row.board_id, task_id=row.pk, user_id=user.pk).delete()


def task_watching(*, task: Task, user: User) -> bool:
    """Whether `user` watches `task` (a task the caller has already read as a member)."""
    return Watch.objects.filter(board_id=task.board_id, task_id=task.pk, user_id=user.pk).exists()
