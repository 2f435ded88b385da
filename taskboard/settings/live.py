"""Live updates over WebSocket (docs/api.md "Live updates", docs/live-updates.md)."""

from .environment import env

# A client that asks to resync from further back than this many events gets
# {"type": "reset"} (reload the board) instead of a replay.
LIVE_RESYNC_MAX_EVENTS = env.int("LIVE_RESYNC_MAX_EVENTS", default=500)
# Lifetime of a single-use WebSocket ticket (POST /api/v1/auth/ws-ticket/).
LIVE_TICKET_TTL_SECONDS = env.int("LIVE_TICKET_TTL_SECONDS", default=30)
# How long a process's publisher tries to send one event to the channel layer before it
# logs it as lost (live/publishing.py). Writes don't wait for their events.
LIVE_PUBLISH_TIMEOUT_SECONDS = env.float("LIVE_PUBLISH_TIMEOUT_SECONDS", default=1.0)
# How often each ASGI process checks that Redis is up and still the same server. Group
# memberships live in Redis: after a restart the sockets are closed (1012) so that the
# clients reconnect, join again and resync.
LIVE_REDIS_CHECK_SECONDS = env.float("LIVE_REDIS_CHECK_SECONDS", default=0.5)
# A viewer's presence entry expires this long after its process last refreshed it (which
# it does every third of this), so a crashed instance's viewers disappear by themselves.
LIVE_PRESENCE_TTL_SECONDS = env.float("LIVE_PRESENCE_TTL_SECONDS", default=30.0)
# Presence changes within this window are sent as one message: a thousand viewers
# arriving together cost a handful of broadcasts, not a thousand.
LIVE_PRESENCE_DEBOUNCE_SECONDS = env.float("LIVE_PRESENCE_DEBOUNCE_SECONDS", default=0.5)
