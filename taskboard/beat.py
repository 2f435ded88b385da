"""Celery beat with one active instance, on Redis: celery-redbeat's scheduler (the schedule
and each entry's last run in Redis; a lock with an expiry) made to outlive a Redis restart.

Two beats may run (a standby for failover). The one holding the lock sends; the other waits
for it, at start in redbeat's `beat_init` handler and here on every tick. An entry's last run
is written to Redis before its task is sent (redbeat's `reserve`), so the beat that takes
over after a crash continues from there: a run is never sent twice, and a beat killed between
the write and the send loses that one run.

Redbeat alone takes the lock once and extends it every tick; when Redis restarts (the lock
and, without persistence, the schedule gone) or is unreachable, that extend raises and beat
exits. Here a tick instead holds the lock (extends it, or takes it again when it is free),
sends nothing while it does not, puts the schedule back when Redis lost it (entries restart
their interval: a run is delayed, never doubled), and waits out a Redis error.
"""

import logging
from typing import Any

from redbeat.schedulers import LUA_EXTEND_TO_SCRIPT, RedBeatScheduler, get_redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

logger = logging.getLogger("celery.beat")
REDBEAT_SETTINGS = [
    "redbeat_redis_url",
    "redbeat_redis_options",
    "redbeat_key_prefix",
    "redbeat_lock_timeout",
]


class LockedRedBeatScheduler(RedBeatScheduler):
    lock: Lock | None = None

    def __init__(self, app: Any, *args: Any, **kwargs: Any) -> None:
        # Redbeat reads its settings under their bare names (and warns when it falls back to
        # the broker's); Django's settings hold them with the CELERY_ prefix.
        for name in REDBEAT_SETTINGS:
            app.conf[name] = app.conf[f"CELERY_{name.upper()}"]
        super().__init__(app, *args, **kwargs)

    def setup_schedule(self) -> None:
        try:
            super().setup_schedule()
        except RedisError as exc:
            # Beat starts anyway; the first tick that reaches Redis installs the schedule.
            logger.warning("beat: Redis unavailable at start (%s)", exc)

    def tick(self, min: Any = min, **kwargs: Any) -> float:
        try:
            if not self._hold_lock():
                return float(self.max_interval)
            if not get_redis(self.app).exists(self.app.redbeat_conf.statics_key):
                logger.warning("beat: the schedule is gone from Redis (restarted?); installing it")
                super().setup_schedule()
            return float(super().tick(min=min, **kwargs))
        except RedisError as exc:
            logger.warning("beat: Redis unavailable (%s); trying again in %ss", exc, self.max_interval)
            return float(self.max_interval)

    def _hold_lock(self) -> bool:
        """True while this beat holds the lock: extended if it had it, taken if it is free."""
        if self.lock is not None:
            try:
                self.lock.extend(int(self.lock_timeout))
                return True
            except LockError:
                # Expired (a pause longer than the timeout) or lost with Redis's data.
                logger.warning("beat: lost the lock")
                self.lock = None
        client = get_redis(self.app)
        lock = client.lock(self.lock_key, timeout=self.lock_timeout, sleep=self.max_interval)
        # Redbeat's extend sets the expiry to the timeout instead of adding to it.
        lock.lua_extend = client.register_script(LUA_EXTEND_TO_SCRIPT)
        if not lock.acquire(blocking=False):
            return False
        logger.info("beat: acquired the lock")
        self.lock = lock
        return True
