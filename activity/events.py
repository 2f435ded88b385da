"""Live events: each Activity is published to its board's group once its transaction commits.

The message goes to the Channels layer group `board.<id>` (Redis in production, so every
ASGI instance gets it; in memory in the embedded default). Consumers turn
{"type": "board.event", ...} into the `event` frame of API.md. The message is built from
the Activity row alone, so replaying missed events from the table gives the same frames.

Publishing happens in whatever process made the write (a gunicorn worker, a Celery worker,
an ASGI server). `async_to_sync` there would start a new event loop per call, and the Redis
layers keep their connection pools per loop: one new Redis connection (and thread) per write.
So Redis layers are driven from one event loop per process, in a thread of its own, which
keeps its connections open between writes.
"""

import asyncio
import logging
import os
import threading
from concurrent.futures import TimeoutError as FutureTimeoutError
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
from django.conf import settings
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
        if isinstance(layer, InMemoryChannelLayer):
            # Its queues belong to the ASGI server's event loop; async_to_sync, called from
            # a view's thread, runs the send on that loop.
            async_to_sync(layer.group_send)(group, message)
        else:
            _publisher().send(layer, group, message)
    except Exception:
        logger.exception("Could not publish %s to %s", message.get("verb", message["type"]), group)


class _Publisher:
    """An event loop in a daemon thread that runs this process's group sends in turn."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-events", daemon=True)
        self.thread.start()

    def send(self, layer: BaseChannelLayer, group: str, message: dict[str, Any]) -> None:
        # Waiting keeps events in commit order per process and lets the caller log a
        # failure; the timeout bounds what a Redis outage adds to a write's response time.
        timeout: float = getattr(settings, "LIVE_PUBLISH_TIMEOUT_SECONDS", 1.0)
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), self.loop)
        try:
            future.result(timeout=timeout)
        except FutureTimeoutError:
            future.cancel()
            raise TimeoutError(f"group_send took over {timeout}s") from None


_publisher_lock = threading.Lock()
_current_publisher: _Publisher | None = None


def _publisher() -> _Publisher:
    global _current_publisher
    with _publisher_lock:
        # A forked child (gunicorn --preload, Celery's prefork pool) has no publisher thread.
        if _current_publisher is None or _current_publisher.pid != os.getpid():
            _current_publisher = _Publisher()
        return _current_publisher
