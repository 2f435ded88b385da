"""Redis for cache, throttles and the channel layer; local memory without it."""

from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import ConnectionError as RedisConnectionError

from .environment import env

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "taskboard.metrics.cache.CountingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tb",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                # A Redis outage makes the app slower, not broken: cache reads miss.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    # Live events (docs/live-updates.md). Both channels-redis layers deliver a group message
    # once per ASGI process; docs/benchmarks.md compares them ("WebSocket fan-out").
    CHANNEL_LAYER = env.str("CHANNEL_LAYER", default="pubsub")
    _redis_host = {
        "address": REDIS_URL,
        # Not shorter: a process busy with thousands of sockets is slow to notice a
        # connection completing, and a refused connection fails at once anyway.
        "socket_connect_timeout": 5,
        # A pooled connection that Redis (restarted) or the network dropped while idle fails
        # its next command; one retry on a new connection saves that command (and its event).
        "retry_on_error": [RedisConnectionError],
    }
    if CHANNEL_LAYER == "pubsub":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "live.channel_layer.SharedDecodePubSubChannelLayer",
                "CONFIG": {"hosts": [_redis_host]},
            }
        }
    elif CHANNEL_LAYER == "list":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [_redis_host]},
            }
        }
    else:
        raise ImproperlyConfigured(f"CHANNEL_LAYER must be pubsub or list, not {CHANNEL_LAYER!r}.")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# Board reads (GET boards/{id}/) cached in Redis under the board's version (tasks/board_cache.py).
# false builds every read from the database: for benchmarks (bench/api.py) and debugging.
BOARD_CACHE = env.bool("BOARD_CACHE", default=True)
# Each process keeps the board reads it served last in memory too, up to this many bytes
# (0: none). Keyed by version like Redis' entries, so never stale (tasks/board_cache.py).
BOARD_CACHE_LOCAL_BYTES = env.int("BOARD_CACHE_LOCAL_BYTES", default=32 * 1024 * 1024)
