"""Live events: each Activity is published to its board's group once its transaction commits.

The message goes to the Channels layer group `board.<id>` (Redis in production, so every
ASGI instance gets it; in memory in the embedded default). Consumers turn
{"type": "board.event", ...} into the `event` frame of API.md. The message is built from
the Activity row alone, so replaying missed events from the table gives the same frames.
"""

import logging
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from accounts.models import User
from boards.representations import format_datetime, user_brief

from .models import Activity

logger = logging.getLogger(__name__)


def board_group(board_id: int) -> str:
    return f"board.{board_id}"


def event_message(activity: Activity, *, actor: User | None) -> dict[str, Any]:
    """The channel-layer message of an activity (`actor` is passed to spare a query)."""
    return {
        "type": "board.event",
        "seq": activity.seq,
        "verb": activity.verb,
        "actor": user_brief(actor),
        "data": activity.data,
        "at": format_datetime(activity.created_at),
    }


def publish_on_commit(activity: Activity, *, actor: User | None) -> None:
    """Send the activity's event after the surrounding transaction commits (never for a
    rolled-back change). A channel layer outage is logged; the write has happened anyway
    and clients catch up with a resync."""
    message = event_message(activity, actor=actor)
    transaction.on_commit(partial(_send, board_group(activity.board_id), message), robust=True)


def publish_board_deleted_on_commit(board_id: int) -> None:
    """Tell the board's consumers to close their sockets (the board has no Activity left
    to carry a deletion event)."""
    message = {"type": "board.deleted", "board_id": board_id}
    transaction.on_commit(partial(_send, board_group(board_id), message), robust=True)


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.exception("Could not publish %s to %s", message.get("verb", message["type"]), group)
