"""Logs and /readyz (docs/operations.md)."""

from taskboard.logs.config import CONSOLE, logging_config

from .environment import env

# json: one JSON object per line on stdout (production's default, for the log collector);
# console: readable lines on stderr (`make run`, the suite).
LOG_FORMAT = env.str("LOG_FORMAT", default=CONSOLE)
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
# dictConfig, and Python's warnings as log lines when they are JSON.
LOGGING_CONFIG = "taskboard.logs.config.configure"

# /readyz answers within this (seconds) whatever its dependencies do: a check that has not
# answered by then is reported as "timeout" (taskboard/ops/readiness.py).
READYZ_TIMEOUT_SECONDS = env.float("READYZ_TIMEOUT_SECONDS", default=0.5)
# A process re-checks at most this often; requests in between get the last answer.
READYZ_CACHE_SECONDS = env.float("READYZ_CACHE_SECONDS", default=1.0)
