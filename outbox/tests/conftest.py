"""Shared by the outbox's drills: the environment of a process of their own, the processes
stopped after the test."""

import os
from collections.abc import Iterator

import pytest
from django.db import connections

from tests.plugins.postgres import PostgresCluster

from .drill_processes import Process


@pytest.fixture
def drill_env(pg_cluster: PostgresCluster) -> dict[str, str]:
    """The environment of the suite's worker: the test database, the suite's Redis."""
    database = connections["default"].settings_dict["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "taskboard.settings.test",
        "DATABASE_URL": pg_cluster.primary.url(database),
        "DATABASE_REPLICA_URLS": pg_cluster.replica.url(database),
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()
