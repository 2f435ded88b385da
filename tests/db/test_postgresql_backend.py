"""taskboard/db/postgresql: the health check of a persistent connection without SELECT 1."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper

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


def test_a_closed_connection_is_not_usable(own_connection: DatabaseWrapper) -> None:
    own_connection.connection.close()

    assert not own_connection.is_usable()
