"""Writes of the activity app: notifications.

Activities themselves are recorded by boards.writes.BoardWrite.record(), inside the write
that caused them.
"""

from collections.abc import Iterable, Sequence

from django.db import transaction

from accounts.models import User
from boards.models import Board

from .models import Notification, NotificationKind


def notifications_create(
    *,
    users: Iterable[User],
    kind: NotificationKind,
    board: Board,
    task_id: int | None,
    text: str,
) -> list[Notification]:
    """Notify `users` (part of the caller's write: no transaction of its own)."""
    return Notification.objects.bulk_create(
        [Notification(user=user, kind=kind, board=board, task_id=task_id, text=text[:500]) for user in users]
    )


def notifications_mark_read(*, user: User, ids: Sequence[int] | None = None, all_unread: bool = False) -> int:
    """Mark the caller's notifications `ids` (or all of them) read; ids of other users'
    notifications are ignored. Returns how many changed."""
    with transaction.atomic():
        unread = Notification.objects.filter(user=user, read=False)
        if not all_unread:
            unread = unread.filter(pk__in=list(ids or ()))
        return unread.update(read=True)
