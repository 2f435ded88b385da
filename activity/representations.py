"""Activity and notifications as the API shows them (docs/api.md "Activity, notifications")."""

from typing import Any

from boards.representations import format_datetime, user_brief

from .models import Activity, Notification


def activity_representation(activity: Activity) -> dict[str, Any]:
    """One entry of the board's feed; `actor` should be select_related."""
    return {
        "id": activity.pk,
        "seq": activity.seq,
        "actor": user_brief(activity.actor) if activity.actor_id is not None else None,
        "verb": activity.verb,
        "target": {"type": activity.target_type, "id": activity.target_id, "title": activity.target_title},
        "data": activity.data,
        "created_at": format_datetime(activity.created_at),
    }


def notification_representation(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "board_id": notification.board_id,
        "task_id": notification.task_id,
        "text": notification.text,
        "read": notification.read,
        "created_at": format_datetime(notification.created_at),
    }
