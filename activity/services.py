"""Writes of the activity app: notifications.

Activities themselves are recorded by writes.board_transaction.BoardWrite.record(), inside the write
that caused them. Notifications reach their users' open sockets after the commit
(live.notifications).
"""

from collections.abc import Iterable, Sequence

from django.db import transaction

from accounts.models import User
from boards.models import Board
from live.notifications import publish_notifications_on_commit, publish_unread_on_commit
from taskboard.db.ids import pk_of

from .models import Notification, NotificationKind


def notifications_create(
    *,
    users: Iterable[User | int],
    kind: NotificationKind,
    board: Board,
    task_id: int | None,
    text: str,
) -> list[Notification]:
    """Notify `users` (instances or ids), one row each in one statement, and send each to
    its user's sockets once the caller's write commits (part of that write: no transaction
    of its own)."""
    created = Notification.objects.bulk_create(
        [
            Notification(user_id=pk_of(user), kind=kind, board=board, task_id=task_id, text=text[:500])
            for user in users
        ]
    )
    publish_notifications_on_commit(created)
    return created


def notifications_mark_read(*, user: User, ids: Sequence[int] | None = None, all_unread: bool = False) -> int:
    """Mark the caller's notifications `ids` (or all of them) read; ids of other users'
    notifications are ignored. Returns how many changed."""
    with transaction.atomic():
        unread = Notification.objects.filter(user=user, read=False)
        if not all_unread:
            unread = unread.filter(pk__in=list(ids or ()))
        changed = unread.update(read=True)
        if changed:
            # The user's other tabs update their badge.
            publish_unread_on_commit(user_id=user.pk)
        return changed
