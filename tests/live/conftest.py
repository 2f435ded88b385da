"""Two uvicorn processes serving taskboard.asgi on the test database and the suite's Redis,
as two instances behind a load balancer would. Started once per run, on first use."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from tests.plugins.postgres import PostgresCluster

from .servers import AsgiServer

PROJECT_DIR = Path(__file__).resolve().parents[2]
# Small, so that the "too old to replay" answer is reachable in a test.
RESYNC_MAX_EVENTS = 20


@pytest.fixture(scope="session")
def asgi_servers(
    django_db_setup: None, pg_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[AsgiServer]]:
    from django.db import connections

    test_database = connections["default"].settings_dict["NAME"]
    # The servers don't run under pytest-django: point them at the test database.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "taskboard.settings.test",
        "DATABASE_URL": pg_cluster.primary.url(test_database),
        "DATABASE_REPLICA_URLS": pg_cluster.replica.url(test_database),
        "LIVE_RESYNC_MAX_EVENTS": str(RESYNC_MAX_EVENTS),
        "LIVE_PRESENCE_DEBOUNCE_SECONDS": "0.2",
        "DB_READ_POOL_SIZE": "4",
        "DB_WRITE_POOL_SIZE": "4",
        # As production writes them: tests read the request id and context off these lines.
        "LOG_FORMAT": "json",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    log_dir = tmp_path_factory.mktemp("asgi")
    servers = [
        AsgiServer(name=f"asgi-{n}", project_dir=PROJECT_DIR, log_dir=log_dir, env=env) for n in ("a", "b")
    ]
    try:
        # Both start at once; each takes a couple of seconds to import Django.
        for server in servers:
            server.spawn()
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def server(asgi_servers: list[AsgiServer]) -> AsgiServer:
    return asgi_servers[0]


def access_token(user: User) -> str:
    return str(AccessToken.for_user(user))
