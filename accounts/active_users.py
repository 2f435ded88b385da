"""Active users (taskboard_active_users{window}: 5m, 1h, 1d), computed when /metrics is read.

A request whose user was authenticated (by the session or a token) records the user's
activity in a Redis sorted set, scored by time; each process does it at most once per
ACTIVE_USERS_TOUCH_SECONDS per user, so a busy user costs one ZADD a minute, not one per
request (a dictionary lookup otherwise). A scrape trims entries older than a day and counts
three score ranges: O(log n) each. Without Redis (the embedded default: one process) a
dictionary of this process holds the same.

A request that never looked at its user (a static file, a health check) does not make
one authenticate: only a user already resolved is recorded.
"""

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import empty
from django_redis import get_redis_connection
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from redis.exceptions import RedisError

from taskboard.metrics.families import cache_errors

logger = logging.getLogger(__name__)

ACTIVE_USERS_KEY = "tb:metrics:active-users"
WINDOWS = (("5m", 5 * 60), ("1h", 60 * 60), ("1d", 24 * 60 * 60))
# A process forgets when it last recorded users once it knows this many (a bound on memory).
MAX_REMEMBERED = 50_000


def _redis() -> Any | None:
    try:
        return get_redis_connection("default")
    except NotImplementedError:
        return None


class ActiveUsers:
    def __init__(self) -> None:
        # User id -> when this process records the user again (time.monotonic()): the setting
        # is read when a user is recorded, not on every request (a Django setting costs a
        # request a Python-level attribute lookup: docs/benchmarks.md "Metrics' cost").
        self.due_at: dict[int, float] = {}
        # Without Redis: user id -> last activity (time.time()).
        self.local: dict[int, float] = {}
        self.lock = threading.Lock()

    def touch(self, user_id: int) -> None:
        now = time.monotonic()
        due = self.due_at.get(user_id)
        if due is not None and now < due:
            return
        with self.lock:
            if len(self.due_at) >= MAX_REMEMBERED:
                self.due_at.clear()
            self.due_at[user_id] = now + settings.ACTIVE_USERS_TOUCH_SECONDS
        client = _redis()
        if client is None:
            self.local[user_id] = time.time()
            return
        try:
            client.zadd(ACTIVE_USERS_KEY, {str(user_id): time.time()})
        except (RedisError, OSError):
            cache_errors.inc()
            logger.warning("Could not record an active user", exc_info=True)

    def counts(self) -> dict[str, int]:
        now = time.time()
        longest = max(seconds for _, seconds in WINDOWS)
        client = _redis()
        if client is None:
            with self.lock:
                for user_id, at in list(self.local.items()):
                    if at < now - longest:
                        del self.local[user_id]
                seen = list(self.local.values())
            return {name: sum(1 for at in seen if at >= now - seconds) for name, seconds in WINDOWS}
        pipe = client.pipeline(transaction=False)
        pipe.zremrangebyscore(ACTIVE_USERS_KEY, "-inf", now - longest)
        for _, seconds in WINDOWS:
            pipe.zcount(ACTIVE_USERS_KEY, now - seconds, "+inf")
        _, *counts = pipe.execute()
        return {name: int(count) for (name, _), count in zip(WINDOWS, counts, strict=True)}


active_users = ActiveUsers()


def _resolved_user_id(request: HttpRequest) -> int | None:
    """The id of the request's user if something authenticated it, without doing so."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", None)
    if wrapped is empty:  # the session's user, never looked at
        return None
    target = wrapped if wrapped is not None else user
    if not getattr(target, "is_authenticated", False):
        return None
    pk = getattr(target, "pk", None)
    return pk if isinstance(pk, int) else None


def record_active_user(request: HttpRequest) -> None:
    """After a request's view (taskboard.metrics.http's response hook, registered in
    AccountsConfig.ready): its user, if something authenticated one, was active."""
    user_id = _resolved_user_id(request)
    if user_id is not None:
        active_users.touch(user_id)


def collect_active_users() -> Iterator[Metric]:
    family = GaugeMetricFamily(
        "taskboard_active_users",
        "Users seen signed in within each window, at scrape time.",
        labels=["window"],
    )
    for window, count in active_users.counts().items():
        family.add_metric([window], count)
    yield family
