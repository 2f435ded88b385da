"""Prometheus metrics (taskboard/metrics/, docs/operations.md "Metrics").

/metrics answers a request with `Authorization: Bearer <METRICS_TOKEN>` or from an address in
METRICS_ALLOWED_IPS (addresses or networks), and 404 to anyone else. Loopback is allowed by
default here (the embedded default, the suite); production allows no address unless set.
"""

from .environment import env

# false: no HTTP middlewares, no statement counting, no multiprocess files, and the families'
# values keep nothing (taskboard.metrics reads it too): bench/api.py's baseline for the
# metrics' cost.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
# Empty: no token is accepted (only the allowed addresses).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS: list[str] = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
# The worker's and beat's exporter (taskboard/metrics/jobs.py); 0: none.
METRICS_PORT = env.int("METRICS_PORT", default=0)
METRICS_BIND = env.str("METRICS_BIND", default="127.0.0.1")
# Each process records a signed-in user's activity (taskboard_active_users) at most this often.
ACTIVE_USERS_TOUCH_SECONDS = env.float("ACTIVE_USERS_TOUCH_SECONDS", default=60.0)
