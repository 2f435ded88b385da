"""bench/api.py's baseline for the cost of issue 16's metrics and logs: production's settings
without them. Run with METRICS_ENABLED=false too (the scenarios' BASELINE does both), which
the gunicorn config and taskboard.metrics read before these settings exist.

What "without" removes (docs/benchmarks.md "Metrics' cost"):

- METRICS_ENABLED=false: the two HTTP middlewares, with the active-users record the last one
  calls (taskboard/settings/base.py; the first one's request context is left to
  RequestContextMiddleware, removed below), the per-statement execute wrapper and the pool sampler
  (taskboard/apps.py), gunicorn's multiprocess folder (deploy/gunicorn.conf.py), and every
  family's values (taskboard.metrics: a value class that keeps nothing, so the counting
  calls left in the code do nothing; count_on_commit queues nothing);
- here: the request-context middleware (request id, log context, X-Request-ID, the
  request_finished clean-up it connects), the JSON formatter and the context filter
  (a plain stdlib handler instead), and the cache backend that counts Redis errors (plain
  django-redis). LOG_FORMAT=console keeps gunicorn's own lines plain too.
"""

from taskboard.settings.production import *  # noqa: F403
from taskboard.settings.production import CACHES, LOG_LEVEL, METRICS_ENABLED, MIDDLEWARE

if METRICS_ENABLED:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("bench.api_baseline_settings runs with METRICS_ENABLED=false")

MIDDLEWARE = [name for name in MIDDLEWARE if name != "taskboard.logs.middleware.RequestContextMiddleware"]
if CACHES["default"]["BACKEND"] == "taskboard.metrics.cache.CountingRedisCache":
    CACHES = {**CACHES, "default": {**CACHES["default"], "BACKEND": "django_redis.cache.RedisCache"}}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
LOGGING_CONFIG = "logging.config.dictConfig"
