"""Live events: each Activity is published to its board's group once its transaction commits.

The message goes to the Channels layer group `board.<id>` (Redis in production, so every
ASGI instance gets it; in memory in the embedded default). Consumers turn
{"type": "board.event", ...} into the `event` frame of docs/api.md. The message is built from
the Activity row alone, so replaying missed events from the table gives the same frames.

Publishing happens in whatever process made the write (a gunicorn worker, a Celery worker,
an ASGI server). `async_to_sync` there would start a new event loop per call, and the Redis
layers keep their connection pools per loop: one new Redis connection (and thread) per write.
So Redis layers are driven from one event loop per process, in a thread of its own, which
keeps its connections open between writes; a write queues its event there and returns
(_Publisher).
"""

import asyncio
import atexit
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
from prometheus_client import Counter

from accounts.models import User
from activity.models import Activity
from boards.representations import format_datetime, user_brief
from taskboard.metrics.families import live_events_lost, live_events_published

logger = logging.getLogger(__name__)


def board_group(board_id: int) -> str:
    return f"board.{board_id}"


# The event's fields besides `data` that some events carry (Activity.envelope; docs/api.md).
ENVELOPE_FIELDS = ("lists", "task")


def event_message(activity: Activity, *, actor: User | None) -> dict[str, Any]:
    """The channel-layer message of an activity (`actor` is passed to spare a query)."""
    message = {
        "type": "board.event",
        "seq": activity.seq,
        "verb": activity.verb,
        "actor": user_brief(actor),
        "data": activity.data,
        "at": format_datetime(activity.created_at),
    }
    for name in ENVELOPE_FIELDS:
        if name in activity.envelope:
            message[name] = activity.envelope[name]
    return message


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


def send_on_commit(group: str, message: dict[str, Any]) -> None:
    """Send any channel-layer message to `group` after the surrounding transaction commits
    (live.revocation closes users' sockets this way)."""
    transaction.on_commit(partial(_send, group, message), robust=True)


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if isinstance(layer, InMemoryChannelLayer):
            # Its queues belong to the ASGI server's event loop; async_to_sync, called from
            # a view's thread, runs the send on that loop.
            async_to_sync(layer.group_send)(group, message)
            _count(message, live_events_published)
        else:
            _publisher().send(layer, group, message)
    except Exception:
        _count(message, live_events_lost)
        logger.exception("Could not publish %s to %s", _what(message), group)


def _count(message: dict[str, Any], counter: Counter) -> None:
    """Board events only: the frames clients resync from (not presence, closes, ...)."""
    if message.get("type") == "board.event":
        counter.inc()


class _Publisher:
    """An event loop in a daemon thread that sends this process's events one after the
    other, in the order the writes committed.

    A write hands its event over and returns: it doesn't wait for Redis (a round trip,
    and a thread switch each way, on every write's response time). One coroutine drains
    the queue, so the events of one process still leave in commit order; each send gives
    up after LIVE_PUBLISH_TIMEOUT_SECONDS and is logged, and clients that missed it catch
    up by resyncing. At most MAX_WAITING events wait (a Redis outage must not grow the
    queue without end): beyond that they are dropped and logged. When the process exits,
    what is still queued gets a few seconds to leave (a Celery task or a management
    command that writes and ends).
    """

    MAX_WAITING = 10_000
    EXIT_FLUSH_SECONDS = 5.0

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.queue: asyncio.Queue[tuple[BaseChannelLayer, str, dict[str, Any]]] | None = None
        self.thread = threading.Thread(target=self._run, args=(started,), name="live-events", daemon=True)
        self.thread.start()
        started.wait()
        atexit.register(self.flush, self.EXIT_FLUSH_SECONDS)

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.queue = asyncio.Queue(maxsize=self.MAX_WAITING)
        self.loop.create_task(self._drain(self.queue))
        started.set()
        self.loop.run_forever()

    async def _drain(self, queue: "asyncio.Queue[tuple[BaseChannelLayer, str, dict[str, Any]]]") -> None:
        while True:
            layer, group, message = await queue.get()
            timeout: float = getattr(settings, "LIVE_PUBLISH_TIMEOUT_SECONDS", 1.0)
            try:
                await asyncio.wait_for(layer.group_send(group, message), timeout)
                _count(message, live_events_published)
            except Exception:
                _count(message, live_events_lost)
                logger.exception("Could not publish %s to %s", _what(message), group)
            finally:
                queue.task_done()

    def send(self, layer: BaseChannelLayer, group: str, message: dict[str, Any]) -> None:
        """Queue the event and return at once."""
        queue = self.queue
        assert queue is not None

        def put() -> None:
            try:
                queue.put_nowait((layer, group, message))
            except asyncio.QueueFull:
                _count(message, live_events_lost)
                logger.error(
                    "Could not publish %s to %s: %d events are already waiting",
                    _what(message),
                    group,
                    queue.qsize(),
                )

        self.loop.call_soon_threadsafe(put)

    def flush(self, timeout: float) -> bool:
        """Wait until every queued event has been sent (or given up on); False when
        `timeout` passed first."""
        if self.pid != os.getpid() or not self.thread.is_alive() or self.queue is None:
            return True
        future = asyncio.run_coroutine_threadsafe(self.queue.join(), self.loop)
        try:
            future.result(timeout=timeout)
        except FutureTimeoutError:
            future.cancel()
            return False
        return True


def _what(message: dict[str, Any]) -> str:
    return str(message.get("verb", message["type"]))


_publisher_lock = threading.Lock()
_current_publisher: _Publisher | None = None


def _publisher() -> _Publisher:
    global _current_publisher
    with _publisher_lock:
        # A forked child (gunicorn --preload, Celery's prefork pool) has no publisher thread.
        if _current_publisher is None or _current_publisher.pid != os.getpid():
            _current_publisher = _Publisher()
        return _current_publisher
