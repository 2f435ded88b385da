"""Reads of the activity feed and notifications (docs/design.md rule 2)."""

from collections.abc import Sequence

from django.db.models import QuerySet

from accounts.models import User
from boards.models import Board

# tasks sits above activity, but its models may be imported from anywhere (the layering's
# exemption), and tasks.models imports nothing of activity: no cycle.
from tasks.models import Task

from .models import Activity, Notification


def activity_list(*, board: Board) -> QuerySet[Activity]:
    """The board's feed, newest first (`board` from board_get_for_user), ready for
    activity_representation(). Ordered by the unique seq, as cursor pagination needs."""
    return Activity.objects.filter(board=board).select_related("actor").order_by("-seq")


def activity_card_ids(*, board: Board, activities: Sequence[Activity]) -> dict[int, int]:
    """{activity id: card id} for the activities about a card still on the board (the card
    itself, or a comment on it), which the feed links to; a deleted card is not linked. One
    query."""
    wanted: dict[int, int] = {}
    for activity in activities:
        if activity.target_type == "task":
            wanted[activity.pk] = activity.target_id
        elif activity.target_type == "comment" and isinstance(activity.data, dict):
            task_id = activity.data.get("task_id")
            if isinstance(task_id, int):
                wanted[activity.pk] = task_id
    if not wanted:
        return {}
    existing = set(Task.objects.filter(board=board, pk__in=set(wanted.values())).values_list("pk", flat=True))
    return {activity_id: task_id for activity_id, task_id in wanted.items() if task_id in existing}


def task_activity(*, board: Board, task_id: int) -> QuerySet[Activity]:
    """One card's history on the board, newest first (activity_target_idx)."""
    return activity_list(board=board).filter(target_type="task", target_id=task_id)


def activity_after(*, board: Board, seq: int, limit: int) -> list[Activity]:
    """Up to `limit` activities with a seq above `seq`, oldest first: what a client that
    saw `seq` last has missed."""
    return list(
        Activity.objects.filter(board=board, seq__gt=seq).select_related("actor").order_by("seq")[:limit]
    )


def notification_list(*, user: User, read: bool | None = None) -> QuerySet[Notification]:
    """The caller's notifications, newest first; `read` narrows to read or unread ones."""
    notifications = Notification.objects.filter(user=user)
    if read is not None:
        notifications = notifications.filter(read=read)
    return notifications.order_by("-created_at", "-id")


def notification_get(*, user: User, notification_id: int) -> Notification:
    """One of the caller's notifications (Notification.DoesNotExist for anybody else's)."""
    return Notification.objects.get(user=user, pk=notification_id)


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read=False).count()
