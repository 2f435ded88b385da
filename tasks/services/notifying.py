"""Who a task or comment write notifies, besides the watchers (tasks.watches): new assignees
and the members a text mentions."""

from collections.abc import Iterable, Mapping

from accounts.models import User
from activity.models import NotificationKind
from activity.notification_mail import notification_mail_queue
from activity.services import notifications_create
from writes import BoardWrite

from ..mentions import mentioned_emails
from ..models import Task


def notify_assigned(write: BoardWrite, task: Task, users: Iterable[User]) -> None:
    others = [user for user in users if user.pk != write.actor.pk]
    if others:
        notified = notifications_create(
            users=others,
            kind=NotificationKind.ASSIGNED,
            board=write.board,
            task_id=task.pk,
            text=f"{write.actor.name or write.actor.email} assigned you to “{task.title}”",
        )
        notification_mail_queue(notifications=notified, task=task)


def newly_mentioned(mentioned: Mapping[str, User], previous: str) -> dict[str, User]:
    """Those of `mentioned` the `previous` text didn't mention (they were told already)."""
    already = mentioned_emails(previous)
    return {email: user for email, user in mentioned.items() if email not in already}


def notify_mentions(write: BoardWrite, task: Task, mentioned: Mapping[str, User]) -> set[int]:
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
    notification_mail_queue(notifications=notified, task=task)
    return {notification.user_id for notification in notified}
