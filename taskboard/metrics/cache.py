"""django-redis, with its swallowed errors counted.

The cache fails open (IGNORE_EXCEPTIONS in taskboard/settings/cache.py): a Redis outage
answers every cache read as a miss, every write as done, and the app carries on more
slowly. django-redis logs each such error through the cache's `logger`; this backend gives
it a logger whose filter also counts them (taskboard_cache_errors_total), so the outage is
visible on the dashboards, not only in the logs. The board cache (tasks/board_cache.py),
which talks to Redis directly, counts its own.
"""

import logging
from typing import Any

from django_redis.cache import RedisCache

from .families import cache_errors


class _CountErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        cache_errors.inc()
        return True


# Only django-redis' "Exception ignored" records come through this logger.
ignored_errors_logger = logging.getLogger("taskboard.metrics.cache")
ignored_errors_logger.addFilter(_CountErrors())


class CountingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        if self._ignore_exceptions:
            # django-redis logs (and so this counts) only when this is True.
            self._log_ignored_exceptions = True
            self.logger = ignored_errors_logger
