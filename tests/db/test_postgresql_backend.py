"""taskboard/db/postgresql and config: the health check of a persistent connection without
SELECT 1 (and a connection-class error makes it unusable), and server-side binding with
prepared statements."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError, connections
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper

from taskboard.db.config import PREPARE_THRESHOLD, build_databases
from taskboard.db.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_connection() -> Iterator[DatabaseWrapper]:
    """A connection of its own, in autocommit (the test's connection is in a transaction)."""
    wrapper = connections.create_connection("default")
    assert isinstance(wrapper, DatabaseWrapper)
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def select_1_count(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = PostgreSQLDatabaseWrapper.is_usable

    def counted(self: Any) -> bool:
        calls.append(1)
        return bool(original(self))

    monkeypatch.setattr(PostgreSQLDatabaseWrapper, "is_usable", counted)
    return calls


def test_the_postgresql_databases_use_the_backend() -> None:
    assert isinstance(connections["default"], DatabaseWrapper)


def test_an_idle_healthy_connection_is_usable_without_a_round_trip(
    own_connection: DatabaseWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    select_1 = select_1_count(monkeypatch)

    assert own_connection.is_usable()
    assert select_1 == []


def test_a_connection_the_server_terminated_is_not_usable(
    own_connection: DatabaseWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    select_1 = select_1_count(monkeypatch)

    # The server's farewell takes a moment to arrive; until then nothing says it's gone.
    deadline = time.monotonic() + 5
    while own_connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.01)

    assert not own_connection.is_usable()
    assert select_1, "a connection with something to read is checked with SELECT 1"


def test_a_connection_in_a_transaction_is_checked_with_select_1(
    own_connection: DatabaseWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    own_connection.set_autocommit(False)
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    select_1 = select_1_count(monkeypatch)

    assert own_connection.is_usable()
    assert select_1 == [1]
    own_connection.rollback()
    own_connection.set_autocommit(True)


def _raise(own_connection: DatabaseWrapper, sqlstate: str) -> None:
    """An error with this SQLSTATE from a healthy server: what a pooler sends for a dead one."""
    with pytest.raises(DatabaseError), own_connection.cursor() as cursor:
        cursor.execute(f"DO $$ BEGIN RAISE EXCEPTION 'drill' USING ERRCODE = '{sqlstate}'; END $$")


@pytest.mark.parametrize("sqlstate", ["08P01", "08006", "57P01"])
def test_a_connection_that_raised_a_connection_error_is_not_usable(
    own_connection: DatabaseWrapper, sqlstate: str
) -> None:
    # PgBouncer in transaction mode answers "server login has been failing" (08P01) on a
    # connection that stays open: kept, it would fail every request until CONN_MAX_AGE.
    _raise(own_connection, sqlstate)

    assert not own_connection.is_usable()
    own_connection.close()
    own_connection.ensure_connection()
    assert own_connection.is_usable()


def test_a_connection_that_raised_another_error_stays_usable(own_connection: DatabaseWrapper) -> None:
    _raise(own_connection, "22012")

    assert own_connection.is_usable()


def test_a_closed_connection_is_not_usable(own_connection: DatabaseWrapper) -> None:
    own_connection.connection.close()

    assert not own_connection.is_usable()


def test_statements_are_bound_by_the_server_and_prepared_once_they_repeat(
    own_connection: DatabaseWrapper,
) -> None:
    assert own_connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    marker = "SELECT %s::int + 1 AS prepared_marker"
    with own_connection.cursor() as cursor:
        for value in range(PREPARE_THRESHOLD + 1):
            cursor.execute(marker, [value])
            assert cursor.fetchone() == (value + 1,)
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]

    assert any("prepared_marker" in statement and "$1" in statement for statement in prepared)


@pytest.mark.parametrize("prepared", [True, False])
def test_db_prepared_statements_switches_binding_and_preparing(prepared: bool) -> None:
    databases = build_databases(
        primary_url="postgres://u@db/app",
        replica_urls=["postgres://u@replica/app"],
        pool=False,
        read_pool_size=1,
        write_pool_size=1,
        prepared_statements=prepared,
    )

    for alias in ("default", "replica1"):
        options = databases[alias]["OPTIONS"]
        assert ("server_side_binding" in options, "prepare_threshold" in options) == (prepared, prepared)
