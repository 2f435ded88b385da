"""The board read (GET boards/{id}/) as JSON bytes, cached under the board's version.

Every write to a board bumps its version in the write's own transaction, and the key
carries the version (and the instant of that write, so a restored database that reaches
the same version number again can't meet an old entry): a write never leaves a stale read
behind, there is nothing to invalidate. A hit hands out the stored bytes as they are, with
no serializing or rendering at all.

The bytes go to Redis raw, through django-redis' connection, not through the cache API,
which would pickle them: no pickle (docs/design.md rule 10), and the hit costs one GET. Without
django-redis (the embedded default) the Django cache API stores them. Any Redis error is
a miss: an outage makes board reads slower, never broken.

Consistency: the parts of the board are read in several queries outside a transaction, so
a write that commits in between could mix two versions. The version is read again after
the parts; only when it has not moved is the payload cached under it (otherwise it is
built again, up to MAX_BUILDS times, and served without caching if the board keeps changing).

In front of Redis, each process keeps the bodies it served most recently in memory
(BOARD_CACHE_LOCAL_BYTES, LRU by size): the key names a version, so a body in memory is as
current as the one in Redis, and a hot board's read costs no Redis round trip at all.

BOARD_CACHE=false (settings) switches the cache off: every read is built, nothing is stored.
"""

import functools
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from boards.models import Board
from taskboard.metrics.families import board_cache_build_seconds, board_cache_requests, cache_errors
from tasks.board_detail import board_detail

logger = logging.getLogger(__name__)

# Entries of old versions are never read again; the TTL only bounds the memory they hold.
DEFAULT_TTL_SECONDS = 60 * 60
MAX_BUILDS = 3
# The layers (taskboard_board_cache_requests_total): this process's memory, then the shared
# cache ("redis": the local-memory cache in the embedded default).
MEMORY_HIT = board_cache_requests.labels("memory", "hit")
MEMORY_MISS = board_cache_requests.labels("memory", "miss")
REDIS_HIT = board_cache_requests.labels("redis", "hit")
REDIS_MISS = board_cache_requests.labels("redis", "miss")


@dataclass(frozen=True)
class BoardDetailBody:
    board_id: int
    version: int
    body: bytes

    @property
    def etag(self) -> str:
        return board_etag(self.board_id, self.version)


def board_etag(board_id: int, version: int) -> str:
    """The ETag of a board at a version, as docs/api.md writes it (quotes included)."""
    return f'"{board_id}-{version}"'


def board_detail_key(board: Board) -> str:
    written_at = int(board.updated_at.timestamp() * 1_000_000)
    return f"board-detail:{board.pk}:{board.version}:{written_at}"


def encode(payload: Any) -> bytes:
    """JSON as DRF's JSONRenderer writes it (compact, UTF-8)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _ttl() -> int:
    return int(getattr(settings, "BOARD_DETAIL_CACHE_SECONDS", DEFAULT_TTL_SECONDS))


def _redis() -> Any | None:
    """The Redis client behind the default cache, or None when it is not django-redis."""
    try:
        return get_redis_connection("default")
    except NotImplementedError:
        return None


def cache_get(key: str) -> bytes | None:
    client = _redis()
    if client is None:
        value = cache.get(key)
        return value if isinstance(value, bytes) else None
    try:
        value = client.get(cache.make_key(key))
    except (RedisError, OSError):
        # Redis down or slow: a miss; the board is built from the database.
        cache_errors.inc()
        logger.warning("Board cache unavailable (get %s)", key, exc_info=True)
        return None
    return value if isinstance(value, bytes) else None


def cache_set(key: str, body: bytes) -> None:
    client = _redis()
    if client is None:
        cache.set(key, body, timeout=_ttl())
        return
    try:
        client.set(cache.make_key(key), body, ex=_ttl())
    except (RedisError, OSError):
        cache_errors.inc()
        logger.warning("Board cache unavailable (set %s)", key, exc_info=True)


class LocalBodies:
    """The most recently used bodies of this process, at most `max_bytes` of them in all.
    Thread-safe: under uvicorn (the embedded default) views run in threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.bodies: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            body = self.bodies.get(key)
            if body is not None:
                self.bodies.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self.lock:
            old = self.bodies.pop(key, None)
            if old is not None:
                self.size -= len(old)
            self.bodies[key] = body
            self.size += len(body)
            while self.size > self.max_bytes:
                _, evicted = self.bodies.popitem(last=False)
                self.size -= len(evicted)


@functools.cache
def local_bodies() -> LocalBodies:
    """This process's LocalBodies, sized by settings.BOARD_CACHE_LOCAL_BYTES (read once)."""
    return LocalBodies(int(getattr(settings, "BOARD_CACHE_LOCAL_BYTES", 0)))


def board_detail_body(*, board: Board) -> BoardDetailBody:
    """The board read for `board` (fetched and authorized by the caller) as JSON bytes:
    from the cache when this version is there, else built, checked and cached."""
    if not settings.BOARD_CACHE:
        # Switched off (BOARD_CACHE=false): what every read costs on a miss, for benchmarks.
        return BoardDetailBody(board.pk, board.version, encode(board_detail(board=board)))
    key = board_detail_key(board)
    local = local_bodies()
    cached = local.get(key)
    if cached is not None:
        MEMORY_HIT.inc()
        return BoardDetailBody(board.pk, board.version, cached)
    MEMORY_MISS.inc()
    cached = cache_get(key)
    if cached is not None:
        REDIS_HIT.inc()
        local.put(key, cached)
        return BoardDetailBody(board.pk, board.version, cached)
    REDIS_MISS.inc()
    body = b""
    for _ in range(MAX_BUILDS):
        with board_cache_build_seconds.time():
            body = encode(board_detail(board=board))
        current = Board.objects.filter(pk=board.pk).values_list("version", "updated_at").first()
        if current is None:
            raise Board.DoesNotExist("Board not found.")
        if current == (board.version, board.updated_at):
            cache_set(key, body)
            local.put(key, body)
            return BoardDetailBody(board.pk, board.version, body)
        # A write committed while the parts were read: read the board again and rebuild.
        board = Board.objects.get(pk=board.pk)
        key = board_detail_key(board)
    return BoardDetailBody(board.pk, board.version, body)
