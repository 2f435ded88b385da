"""The two lanes of the suite, chosen by TASKBOARD_TEST_LANE (docs/testing.md "Two lanes").

postgresql (the default): what production runs on, every server real: a PostgreSQL primary
and its streaming replica, Redis (cache, throttles, channel layer, broker), SMTP.

sqlite: the same tests on the embedded default (`make run`): an SQLite file, Django's
local-memory cache, the in-memory channel layer, Celery on the on-disk broker. Only the SMTP
server still starts: tests that read the mail the Celery worker delivered read it there.
Tests of something only the servers have are marked, and left out of this lane:

- `postgresql`: asserts PostgreSQL or replica behaviour (the router, row locks, SQL only
  PostgreSQL runs, a streaming replica);
- `redis`: asserts Redis behaviour (an outage, a restart, its scripts, its client).
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

LANE_ENV = "TASKBOARD_TEST_LANE"
POSTGRESQL = "postgresql"
SQLITE = "sqlite"
LANES = (POSTGRESQL, SQLITE)
# The markers of tests the SQLite lane leaves out (pyproject.toml says what each means).
SERVER_ONLY_MARKERS = ("postgresql", "redis")


def current_lane() -> str:
    lane = os.environ.get(LANE_ENV, "") or POSTGRESQL
    if lane not in LANES:
        raise pytest.UsageError(f"{LANE_ENV}={lane!r}: expected one of {', '.join(LANES)}.")
    return lane


def sqlite_environment(*, database: str, var_dir: str, email_url: str) -> dict[str, str]:
    """What the settings read in the SQLite lane: the embedded default's components. Set
    (empty where the default is "none") rather than left out, so a developer's .env, which
    the settings read without overwriting, can't put a server back."""
    return {
        "DATABASE_URL": f"sqlite:///{database}",
        "DATABASE_REPLICA_URLS": "",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "filesystem://",
        "TASKBOARD_VAR_DIR": var_dir,
        "EMAIL_URL": email_url,
    }


def deselect_server_only(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the SQLite lane, leave out the tests marked as needing a server it doesn't run."""
    if current_lane() != SQLITE:
        return
    kept: list[pytest.Item] = []
    left_out: list[pytest.Item] = []
    for item in items:
        marked = any(item.get_closest_marker(name) for name in SERVER_ONLY_MARKERS)
        (left_out if marked else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def not_in_this_lane(server: str, marker: str) -> NoReturn:
    pytest.fail(
        f"The SQLite lane ({LANE_ENV}={SQLITE}) runs no {server}. A test of {server} behaviour "
        f"is marked @pytest.mark.{marker} (docs/testing.md), and runs in the PostgreSQL lane only."
    )
