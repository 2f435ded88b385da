"""This ASGI process's open board sockets, and the one task that looks after them.

Group memberships (RedisChannelLayer) or subscriptions (RedisPubSubChannelLayer) and
presence entries live in Redis. When Redis restarts they are gone, and messages published
while it was down are lost, yet the sockets stay open and would silently stop receiving
events. So every LIVE_REDIS_CHECK_SECONDS the task asks Redis for its `run_id`: when Redis
is unreachable or its run_id changed, every socket of the process is closed with 1012
(service restart). Clients reconnect with backoff, join again, and resync from the seq they
last saw (docs/live-updates.md), so nothing is lost from their point of view.

The same task refreshes the presence entries of the process's sockets (live.presence).
Without Redis (the embedded default) there is nothing to watch and the task isn't started.
"""

import asyncio
import collections
import logging
import time
from typing import Protocol

from django.conf import settings
from redis.exceptions import TimeoutError as RedisTimeoutError

from live.presence import presence_entry, presence_store, redis_client
from taskboard.metrics.families import live_presence_users, ws_open_sockets

logger = logging.getLogger(__name__)

SERVICE_RESTART = 1012
JOIN_CONCURRENCY = 32
SLOW_CHECKS_BEFORE_DOWN = 3


class LiveSocket(Protocol):
    board_id: int
    user_id: int
    channel_name: str

    async def close_for_restart(self) -> None: ...


class LiveProcess:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.sockets: set[LiveSocket] = set()
        # (board, user) -> this process's sockets of that viewer (taskboard_live_presence_users).
        self.viewers: collections.Counter[tuple[int, int]] = collections.Counter()
        self.task: asyncio.Task[None] | None = None
        # Sockets joining or leaving at once (a thousand clients reconnecting after a
        # restart) take turns for their Redis round trips: redis-py's pool refuses a 101st
        # concurrent command instead of queueing it.
        self.slots = asyncio.Semaphore(JOIN_CONCURRENCY)

    def add(self, socket: LiveSocket) -> None:
        if socket not in self.sockets:
            self.sockets.add(socket)
            if (viewer := _viewer(socket)) is not None:
                self.viewers[viewer] += 1
            self._gauge()
        if self.task is None and settings.REDIS_URL:
            self.task = self.loop.create_task(self._watch(), name="live-watch")

    def discard(self, socket: LiveSocket) -> None:
        if socket in self.sockets:
            self.sockets.discard(socket)
            if (viewer := _viewer(socket)) is not None:
                self.viewers[viewer] -= 1
                if self.viewers[viewer] <= 0:
                    del self.viewers[viewer]
            self._gauge()

    def _gauge(self) -> None:
        ws_open_sockets.set(len(self.sockets))
        live_presence_users.set(len(self.viewers))

    async def _watch(self) -> None:
        client = redis_client()
        assert client is not None
        interval = float(settings.LIVE_REDIS_CHECK_SECONDS)
        refresh_every = float(settings.LIVE_PRESENCE_TTL_SECONDS) / 3
        run_id: str | None = None
        slow_checks = 0
        next_refresh = time.monotonic() + refresh_every
        while True:
            await asyncio.sleep(interval)
            try:
                current = (await client.info("server"))["run_id"]
            except (RedisTimeoutError, TimeoutError):
                # A process busy with thousands of sockets can be slow to read an answer:
                # only a Redis that stays silent counts as down.
                slow_checks += 1
                if slow_checks >= SLOW_CHECKS_BEFORE_DOWN:
                    run_id = None
                    await self._close_all("Redis does not answer")
                continue
            except Exception as exc:
                run_id = None
                await self._close_all(f"Redis is unreachable ({exc.__class__.__name__})")
                continue
            slow_checks = 0
            if run_id is not None and current != run_id:
                await self._close_all("Redis restarted")
            run_id = current
            if time.monotonic() >= next_refresh and self.sockets:
                next_refresh = time.monotonic() + refresh_every
                entries = [
                    (viewer[0], presence_entry(socket.user_id, socket.channel_name))
                    for socket in list(self.sockets)
                    if (viewer := _viewer(socket)) is not None
                ]
                try:
                    await presence_store().refresh(entries)
                except Exception:
                    logger.warning("Could not refresh %d presence entries", len(entries), exc_info=True)

    async def _close_all(self, reason: str) -> None:
        sockets = list(self.sockets)
        self.sockets.clear()
        self.viewers.clear()
        self._gauge()
        if not sockets:
            return
        logger.warning("%s: closing %d live sockets so that they reconnect", reason, len(sockets))
        await asyncio.gather(*(socket.close_for_restart() for socket in sockets), return_exceptions=True)


_processes: dict[asyncio.AbstractEventLoop, LiveProcess] = {}


def live_process() -> LiveProcess:
    loop = asyncio.get_running_loop()
    process = _processes.get(loop)
    if process is None:
        process = _processes[loop] = LiveProcess(loop)
    return process


def _viewer(socket: LiveSocket) -> tuple[int, int] | None:
    """(board, user) of a board's socket; None for a notifications socket, which has no board
    and is nobody's presence (live/notification_consumer.py)."""
    board_id = getattr(socket, "board_id", None)
    return None if board_id is None else (board_id, socket.user_id)
