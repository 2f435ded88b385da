"""Django's PostgreSQL backend with a connection health check that needs no round trip.

With persistent connections (CONN_MAX_AGE, the default: docs/database.md) and
CONN_HEALTH_CHECKS, Django checks a connection before the first query of every request with
`SELECT 1`: one more round trip per request, about a tenth of the CPU of a warm board read
(docs/benchmarks.md). An idle connection hears nothing from the server unless the server is
closing it (a restart, a failover, pg_terminate_backend, an idle timeout): then an error
message or the end of the stream is waiting on the socket. So a connection that is idle with
nothing to read is usable; anything else gets Django's `SELECT 1` as before.

Behind a pooler the socket is not the server's: PgBouncer in transaction mode keeps the app's
connection open when the PostgreSQL behind it is gone, and answers every query with an error
(`server login has been failing`, SQLSTATE 08P01). The connection looks idle and healthy, yet
can never work again; a new one would (libpq's multi-host URL moves on to the node that took
over: `make stack`, docs/operations.md). So a connection that raised a connection-class error
(SQLSTATE 08…, or 57P01-57P03: the server shut down or is starting) is not usable, and Django
closes it at the end of the request.
"""

import select
from types import TracebackType
from typing import Any

from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper
from django.db.utils import DatabaseErrorWrapper
from django.utils.functional import cached_property
from psycopg import pq

_SERVER_SHUTDOWN_STATES = frozenset({"57P01", "57P02", "57P03"})


def is_connection_error(error: BaseException | None) -> bool:
    sqlstate = getattr(error, "sqlstate", None) or ""
    return sqlstate.startswith("08") or sqlstate in _SERVER_SHUTDOWN_STATES


class _ConnectionErrorWrapper(DatabaseErrorWrapper):
    """Django's error wrapper that also remembers a connection-class error."""

    def __init__(self, wrapper: "DatabaseWrapper") -> None:
        super().__init__(wrapper)
        self._database = wrapper

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if is_connection_error(exc_value):
            self._database.connection_failed = True
        super().__exit__(exc_type, exc_value, traceback)


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    connection_failed = False

    @cached_property
    def wrap_database_errors(self) -> Any:
        return _ConnectionErrorWrapper(self)

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        self.connection_failed = False
        return super().get_new_connection(conn_params)

    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken or self.connection_failed:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE or _has_input(connection.fileno()):
            return bool(super().is_usable())
        return True


def _has_input(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
