"""Notifications delivered live (docs/live-updates.md, "Notifications"): each new
notification, and each change of the unread count by marking read, is sent to the user's
channel-layer group `user.<id>` once the write commits. Every socket of the user joins that
group (a board's, `/ws/boards/<id>/`, and the pages' own, `/ws/notifications/`), on every
instance, and nobody else's does.

The frames carry the user's unread count as of the write, so a badge that missed a frame
(its socket was down) is right again with the next one.
"""

from collections.abc import Sequence
from typing import Any

from django.db.models import Count

from activity.models import Notification
from activity.notification_links import notification_open_url
from activity.representations import notification_representation
from live.publishing import send_on_commit
from live.revocation import user_group


def unread_counts(user_ids: set[int]) -> dict[int, int]:
    """{user id: unread notifications}, in one query (activity_notif_unread_idx)."""
    rows = (
        Notification.objects.filter(user_id__in=user_ids, read=False)
        .values("user_id")
        .annotate(unread=Count("id"))
        .values_list("user_id", "unread")
    )
    counts = dict.fromkeys(user_ids, 0)
    counts.update(dict(rows))
    return counts


def publish_notifications_on_commit(notifications: Sequence[Notification]) -> None:
    """A `user.notification` message per notification to its user's group, after the
    surrounding transaction commits (part of the write that created them)."""
    if not notifications:
        return
    counts = unread_counts({notification.user_id for notification in notifications})
    for notification in notifications:
        send_on_commit(
            user_group(notification.user_id),
            {
                "type": "user.notification",
                "notification": notification_representation(notification),
                "url": notification_open_url(notification),
                "unread": counts[notification.user_id],
            },
        )


def publish_unread_on_commit(*, user_id: int) -> None:
    """The user's unread count after marking read, to all their sockets (other tabs)."""
    unread = unread_counts({user_id})[user_id]
    send_on_commit(user_group(user_id), {"type": "user.notifications_read", "unread": unread})


def notification_frame(message: dict[str, Any]) -> dict[str, Any]:
    """The client's frame for a `user.notification` or `user.notifications_read` message."""
    if message["type"] == "user.notification":
        return {
            "type": "notification",
            "notification": message["notification"],
            "url": message["url"],
            "unread": message["unread"],
        }
    return {"type": "notifications_read", "unread": message["unread"]}
