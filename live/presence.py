"""Who is viewing a board: one entry per open socket, shared by every ASGI instance.

With Redis, a board's viewers are a sorted set `tb:live:presence:<board>` of
"<user id>:<channel name>" entries scored by when they expire. An entry is added when a
socket joins and removed when it leaves; its process refreshes it every third of
LIVE_PRESENCE_TTL_SECONDS (live.open_sockets), so the viewers of an instance that died
disappear by themselves. A user with three tabs has three entries and stays present until
the last one closes. Without Redis (the embedded default, one process) a dict does the same.

A change is broadcast to the board's group as {"type": "board.presence", ...}, debounced:
the first change in a LIVE_PRESENCE_DEBOUNCE_SECONDS window claims the broadcast (SET NX
with that expiry), and the claimer sends the state it reads once the window is over, which
includes every change made meanwhile on any instance.
"""

import asyncio
import logging
import time
from typing import Any, Protocol

import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from accounts.models import User
from live.publishing import board_group
from taskboard.db.routing import primary_reads

logger = logging.getLogger(__name__)

# The presence message lists at most this many viewers (by name); `count` has them all.
PRESENCE_MAX_USERS = 100
# Up to this many viewers, presence changes go out once per LIVE_PRESENCE_DEBOUNCE_SECONDS;
# beyond, the window stretches in proportion (5,000 viewers: 50 windows).
PRESENCE_VIEWERS_PER_WINDOW = 100


class PresenceStore(Protocol):
    async def add(self, board_id: int, entry: str) -> None: ...
    async def remove(self, board_id: int, entry: str) -> None: ...
    async def refresh(self, entries: list[tuple[int, str]]) -> None: ...
    async def entries(self, board_id: int) -> list[str]: ...
    async def claim_broadcast(self, board_id: int, seconds: float) -> bool: ...
    async def count(self, board_id: int) -> int: ...


class RedisPresenceStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client

    @staticmethod
    def key(board_id: int) -> str:
        return f"tb:live:presence:{board_id}"

    def _ttl(self) -> float:
        return float(settings.LIVE_PRESENCE_TTL_SECONDS)

    async def add(self, board_id: int, entry: str) -> None:
        await self.refresh([(board_id, entry)])

    async def remove(self, board_id: int, entry: str) -> None:
        await self.client.zrem(self.key(board_id), entry)

    async def refresh(self, entries: list[tuple[int, str]]) -> None:
        ttl = self._ttl()
        expires = time.time() + ttl
        async with self.client.pipeline(transaction=False) as pipe:
            for board_id, entry in entries:
                pipe.zadd(self.key(board_id), {entry: expires})
                # The whole set goes once nobody refreshes it (the board was deleted).
                pipe.expire(self.key(board_id), int(ttl * 2))
            await pipe.execute()

    async def entries(self, board_id: int) -> list[str]:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(self.key(board_id), "-inf", time.time())
            pipe.zrange(self.key(board_id), 0, -1)
            _, members = await pipe.execute()
        return [member.decode() for member in members]

    async def count(self, board_id: int) -> int:
        # Expired entries included: close enough to size the debounce window.
        return int(await self.client.zcard(self.key(board_id)))

    async def claim_broadcast(self, board_id: int, seconds: float) -> bool:
        claimed = await self.client.set(
            f"tb:live:presence-pending:{board_id}", b"1", nx=True, px=max(1, int(seconds * 1000))
        )
        return bool(claimed)


class LocalPresenceStore:
    """One process, no Redis: entries live as long as their sockets."""

    def __init__(self) -> None:
        self.boards: dict[int, set[str]] = {}
        self.pending: dict[int, float] = {}

    async def add(self, board_id: int, entry: str) -> None:
        self.boards.setdefault(board_id, set()).add(entry)

    async def remove(self, board_id: int, entry: str) -> None:
        viewers = self.boards.get(board_id)
        if viewers is not None:
            viewers.discard(entry)
            if not viewers:
                del self.boards[board_id]

    async def refresh(self, entries: list[tuple[int, str]]) -> None:
        return None

    async def entries(self, board_id: int) -> list[str]:
        return sorted(self.boards.get(board_id, ()))

    async def count(self, board_id: int) -> int:
        return len(self.boards.get(board_id, ()))

    async def claim_broadcast(self, board_id: int, seconds: float) -> bool:
        now = time.monotonic()
        if self.pending.get(board_id, 0.0) > now:
            return False
        self.pending[board_id] = now + seconds
        return True


_stores: dict[asyncio.AbstractEventLoop, PresenceStore] = {}
_redis_clients: dict[asyncio.AbstractEventLoop, aioredis.Redis] = {}
# Running broadcasts, referenced so that they are not garbage-collected mid-flight.
_background: set[asyncio.Task[None]] = set()


def redis_client() -> aioredis.Redis | None:
    """This event loop's Redis client for live-update bookkeeping; None without Redis."""
    if not settings.REDIS_URL:
        return None
    loop = asyncio.get_running_loop()
    client = _redis_clients.get(loop)
    if client is None:
        client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=5, socket_timeout=5)
        _redis_clients[loop] = client
    return client


def presence_store() -> PresenceStore:
    loop = asyncio.get_running_loop()
    store = _stores.get(loop)
    if store is None:
        client = redis_client()
        store = RedisPresenceStore(client) if client is not None else LocalPresenceStore()
        _stores[loop] = store
    return store


def presence_entry(user_id: int, channel_name: str) -> str:
    return f"{user_id}:{channel_name}"


async def presence_join(*, board_id: int, user_id: int, channel_name: str) -> None:
    await presence_store().add(board_id, presence_entry(user_id, channel_name))
    await _changed(board_id)


async def presence_leave(*, board_id: int, user_id: int, channel_name: str) -> None:
    await presence_store().remove(board_id, presence_entry(user_id, channel_name))
    await _changed(board_id)


async def presence_message(board_id: int) -> dict[str, Any]:
    """{"type": "board.presence", "users": [{id, name}], "count": N} as it stands now."""
    entries = await presence_store().entries(board_id)
    user_ids = {int(entry.split(":", 1)[0]) for entry in entries}
    users = await _user_briefs(sorted(user_ids))
    return {"type": "board.presence", "users": users, "count": len(user_ids)}


@database_sync_to_async
def _user_briefs(user_ids: list[int]) -> list[dict[str, Any]]:
    with primary_reads():
        rows = User.objects.filter(pk__in=user_ids).order_by("name", "id").values_list("id", "name")
        return [{"id": pk, "name": name} for pk, name in rows[:PRESENCE_MAX_USERS]]


async def _changed(board_id: int) -> None:
    store = presence_store()
    # A broadcast costs a send per viewer, and on a busy board viewers come and go all the
    # time: the window grows with the audience, so presence costs about the same CPU per
    # second on a board of 5,000 as on one of 100 (docs/benchmarks.md, "WebSocket fan-out").
    viewers = await store.count(board_id)
    window = float(settings.LIVE_PRESENCE_DEBOUNCE_SECONDS) * max(1.0, viewers / PRESENCE_VIEWERS_PER_WINDOW)
    if await store.claim_broadcast(board_id, window):
        task = asyncio.create_task(_broadcast_after(board_id, window))
        _background.add(task)
        task.add_done_callback(_background.discard)


async def _broadcast_after(board_id: int, delay: float) -> None:
    # A little past the claim's expiry: a change that saw the claim still held was
    # written before it expired, so the state read now includes it.
    await asyncio.sleep(delay + 0.05)
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(board_group(board_id), await presence_message(board_id))
    except Exception:
        # Presence is best effort; the next change (or reconnect) sends it again.
        logger.warning("Could not broadcast the presence of board %s", board_id, exc_info=True)
