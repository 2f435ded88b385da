"""The test database on the primary, read through the real streaming replica.

Registered by tests.plugins.services after pytest-django, so this `django_db_setup`
replaces pytest-django's. Django's usual way to test replicas, `TEST: {"MIRROR": ...}`,
points the replica alias at the primary's connection; here reads really go to the replica.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .postgres import PostgresCluster

DATABASE_FAILURE_METHODS = ("connect", "temporary_connection", "cursor", "chunked_cursor")


def replica_aliases() -> list[str]:
    from django.conf import settings

    return [alias for alias in settings.DATABASES if alias != "default"]


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_use_migrations: bool,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    django_db_modify_db_settings: None,
    pg_cluster: PostgresCluster,
) -> Iterator[None]:
    """Create (migrate) the test database on `default` only; the replica receives it by
    replication, and every replica alias is pointed at it once it has replayed it."""
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    if not django_db_use_migrations:
        _disable_migrations()
    keepdb = django_db_keepdb and not django_db_createdb
    _, serialized_aliases = _get_databases_for_setup(request.session.items)
    verbosity = request.config.option.verbose

    with django_db_blocker.unblock():
        db_cfg = setup_databases(
            verbosity=verbosity,
            interactive=False,
            keepdb=keepdb,
            aliases={"default"},  # type: ignore[arg-type]  # the stubs say Mapping; a set is what Django takes
            serialized_aliases=serialized_aliases & {"default"},
        )
        test_database = connections["default"].settings_dict["NAME"]
        _point_replicas_at(test_database)
        _wait_until_replicas_migrated(pg_cluster)

    yield

    with django_db_blocker.unblock():
        for alias in replica_aliases():
            _close(alias)
        if not keepdb:
            try:
                teardown_databases(db_cfg, verbosity=verbosity)
            except Exception as exc:
                request.node.warn(pytest.PytestWarning(f"Could not drop the test database: {exc!r}"))


def _close(alias: str) -> None:
    from django.db import connections

    connection = connections[alias]
    connection.close()
    close_pool = getattr(connection, "close_pool", None)
    if close_pool is not None:
        close_pool()


def _point_replicas_at(test_database: str) -> None:
    from django.conf import settings
    from django.db import connections

    for alias in replica_aliases():
        # The pool was built with the old database name: close it, a new one is made.
        _close(alias)
        connections[alias].settings_dict["NAME"] = test_database
        settings.DATABASES[alias]["NAME"] = test_database


def _wait_until_replicas_migrated(pg_cluster: PostgresCluster) -> None:
    from django.db import connections

    from .processes import wait_until

    pg_cluster.replica.wait_for_catchup(timeout=60)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        (expected,) = cursor.fetchone()

    for alias in replica_aliases():

        def migrated(alias: str = alias) -> bool | None:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT count(*) FROM django_migrations")
                (count,) = cursor.fetchone()
            return True if count == expected else None

        wait_until(migrated, timeout=30, interval=0.1, what=f"the migrations to reach {alias}")
        _close(alias)


@pytest.fixture(autouse=True)
def _replica_reads_in_db_tests(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[None]:
    """Let tests that use the database read through the replica aliases.

    Tests list only "default" in their databases: TransactionTestCase would flush every
    listed alias, which a read-only replica refuses. Django then blocks queries to the other
    aliases (SimpleTestCase._add_databases_failures). A replica is a read-only copy of
    default, so the isolation of default (transaction rollback or flush) covers it too: the
    block is lifted for the replicas, and put back before pytest-django removes it.
    """
    from pytest_django.django_compat import is_django_unittest

    uses_db = (
        "_django_db_helper" in request.fixturenames
        or request.node.get_closest_marker("django_db") is not None
        or is_django_unittest(request)
    )
    if not uses_db:
        yield
        return
    # Set up the test case (and its blocks) first; being set up after it, this fixture is
    # torn down before it, so the blocks are back in place when Django removes them.
    request.getfixturevalue("_django_db_helper")
    restore = _allow_replica_reads(django_db_blocker)
    try:
        yield
    finally:
        restore()


def _allow_replica_reads(django_db_blocker: Any) -> Callable[[], None]:
    from django.db import connections
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.test.testcases import _DatabaseFailure

    replicas = set(replica_aliases())
    unwrapped: list[tuple[Any, str, _DatabaseFailure]] = []
    for alias in replicas:
        connection = connections[alias]
        for name in DATABASE_FAILURE_METHODS:
            method = getattr(connection, name)
            if isinstance(method, _DatabaseFailure):
                setattr(connection, name, method.wrapped)
                unwrapped.append((connection, name, method))
    if not unwrapped:
        return lambda: None

    # Django also patches ensure_connection on the class, to refuse connections to the
    # other aliases from any thread; let the replica aliases through.
    guarded = BaseDatabaseWrapper.ensure_connection
    with django_db_blocker.unblock():
        real = BaseDatabaseWrapper.ensure_connection

    def ensure_connection(self: BaseDatabaseWrapper, *args: Any, **kwargs: Any) -> None:
        if self.alias in replicas:
            return real(self, *args, **kwargs)
        return guarded(self, *args, **kwargs)

    BaseDatabaseWrapper.ensure_connection = ensure_connection  # type: ignore[method-assign]

    def restore() -> None:
        BaseDatabaseWrapper.ensure_connection = guarded  # type: ignore[method-assign]
        for connection, name, failure in reversed(unwrapped):
            setattr(connection, name, failure)

    return restore
