"""Django's PostgreSQL backend with a connection health check that needs no round trip.

With persistent connections (CONN_MAX_AGE, the default: docs/database.md) and
CONN_HEALTH_CHECKS, Django checks a connection before the first query of every request with
`SELECT 1`: one more round trip per request, about a tenth of the CPU of a warm board read
(docs/benchmarks.md). An idle connection hears nothing from the server unless the server is
closing it (a restart, a failover, pg_terminate_backend, an idle timeout): then an error
message or the end of the stream is waiting on the socket. So a connection that is idle with
nothing to read is usable; anything else gets Django's `SELECT 1` as before.
"""

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper
from psycopg import pq


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != pq.TransactionStatus.IDLE or _has_input(connection.fileno()):
            return bool(super().is_usable())
        return True


def _has_input(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
