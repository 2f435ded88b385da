"""The router's decisions, one rule at a time (the HTTP tests show them end to end)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import User
from taskboard.db.replicas import ReplicaMonitor
from taskboard.db.router import PrimaryReplicaRouter
from taskboard.db.routing import primary_reads, read_scope

from .urls import THING_APP

ROOT = Path(__file__).resolve().parents[2]


def test_outside_any_scope_reads_go_to_the_primary(transactional_db) -> None:
    # Shell, management commands, Celery tasks.
    assert router.db_for_read(ContentType) == "default"


def test_a_web_scope_reads_from_the_healthy_replica(transactional_db) -> None:
    with read_scope(allow_replicas=True) as scope:
        alias = router.db_for_read(ContentType)

    assert alias == "replica1"
    assert scope.replicas_used == {"replica1"}
    assert scope.read_aliases == {"replica1"}


def test_primary_reads_pins_every_read_to_the_primary(transactional_db) -> None:
    with primary_reads():
        assert router.db_for_read(ContentType) == "default"


@pytest.mark.parametrize(
    "model", [Session, User, OutstandingToken, BlacklistedToken, Group, Permission, LogEntry]
)
def test_security_relevant_apps_are_read_from_the_primary(transactional_db, model) -> None:
    with read_scope(allow_replicas=True) as scope:
        alias = router.db_for_read(model)

    assert alias == "default"
    assert scope.replicas_used == set()


def test_the_primary_only_apps_come_from_the_setting(transactional_db, settings) -> None:
    settings.DATABASE_PRIMARY_ONLY_APPS = [*settings.DATABASE_PRIMARY_ONLY_APPS, "contenttypes"]

    with read_scope(allow_replicas=True):
        assert router.db_for_read(ContentType) == "default"


def test_after_a_write_the_scope_reads_from_the_primary(transactional_db) -> None:
    with read_scope(allow_replicas=True) as scope:
        before = router.db_for_read(ContentType)
        ContentType.objects.create(app_label=THING_APP, model="written")
        after = router.db_for_read(ContentType)

    assert (before, after) == ("replica1", "default")
    assert scope.wrote is True


def test_inside_atomic_reads_go_to_the_primary(transactional_db) -> None:
    with (
        read_scope(allow_replicas=True),
        CaptureQueriesContext(connections["replica1"]) as on_replica,
        transaction.atomic(),
    ):
        alias = router.db_for_read(ContentType)
        names = list(ContentType.objects.filter(app_label=THING_APP))

    assert alias == "default"
    assert names == []
    assert on_replica.captured_queries == []


def test_writes_never_go_to_the_replica_even_for_a_row_read_from_it(transactional_db, pg_cluster) -> None:
    ContentType.objects.create(app_label=THING_APP, model="before")
    pg_cluster.replica.wait_for_catchup()

    with (
        read_scope(allow_replicas=True),
        CaptureQueriesContext(connections["replica1"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        thing = ContentType.objects.get(app_label=THING_APP, model="before")
        loaded_from = thing._state.db
        thing.model = "after"
        thing.save()
        ContentType.objects.filter(app_label=THING_APP).update(model="updated")
        ContentType.objects.filter(app_label=THING_APP).delete()

    assert loaded_from == "replica1"
    assert [query["sql"].split()[0] for query in on_replica.captured_queries] == ["SELECT"]
    primary_sql = [query["sql"] for query in on_primary.captured_queries]
    assert [sql.split()[0] for sql in primary_sql[:2]] == ["UPDATE", "UPDATE"]
    # delete() collects related rows (permissions, log entries) on the primary too.
    assert any(sql.startswith('DELETE FROM "django_content_type"') for sql in primary_sql[2:])
    assert router.db_for_write(ContentType) == "default"


def test_migrations_run_on_the_primary_only() -> None:
    for app_label in ["contenttypes", "accounts", "sessions", "token_blacklist"]:
        assert router.allow_migrate("default", app_label) is True
        assert router.allow_migrate("replica1", app_label) is False


def test_without_replicas_every_read_goes_to_the_primary(transactional_db) -> None:
    monitor = ReplicaMonitor([])
    no_replicas = PrimaryReplicaRouter(monitor=monitor)

    with read_scope(allow_replicas=True) as scope:
        alias = no_replicas.db_for_read(ContentType)

    assert alias == "default"
    assert scope.replicas_used == set()
    assert monitor.healthy_replicas() == []
    assert monitor.primary_reachable is None  # nothing to check, nothing connected


def test_an_unhealthy_replica_is_skipped(transactional_db, monitor) -> None:
    monitor.check_now()
    monitor.mark_down("replica1", "boom")

    with read_scope(allow_replicas=True) as scope:
        alias = router.db_for_read(ContentType)

    assert alias == "default"
    assert scope.replicas_used == set()


SQLITE_SCRIPT = """
import django, json
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()  # lets the test Client in (ALLOWED_HOSTS)
from django.core.management import call_command
from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.test import Client
from taskboard.db.routing import read_scope
from accounts.tests.factories import UserFactory

call_command("migrate", verbosity=0)
with read_scope(allow_replicas=True):
    alias = router.db_for_read(ContentType)
client = Client()
client.force_login(UserFactory.create(is_staff=True))
pools = client.get("/api/v1/admin/pools/")
print(json.dumps({"alias": alias, "status": pools.status_code, "pools": pools.json()}))
"""


def test_with_sqlite_and_no_replica_everything_runs_on_the_one_database(tmp_path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DATABASE_REPLICA_URLS", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="taskboard.settings.test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        TASKBOARD_VAR_DIR=str(tmp_path),
    )

    result = subprocess.run(
        [sys.executable, "-c", SQLITE_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        '{"alias": "default", "status": 200, "pools": {"aliases": [{"alias": "default", "role": "primary", '
        '"vendor": "sqlite", "pool": null, "healthy": null, "lag_seconds": null}]}}'
    )
