"""Builds DATABASES from URLs: `default` is the primary, `replica1..N` the replicas."""

import re
from typing import Any

import environ

POSTGRESQL_ENGINE = "taskboard.db.postgresql"
# psycopg prepares a statement on a connection once it has run this many times there.
PREPARE_THRESHOLD = 5

# Replicas answer a pool request within this or the read fails over to the primary.
REPLICA_POOL_TIMEOUT_SECONDS = 1.0
PRIMARY_POOL_TIMEOUT_SECONDS = 10.0


# A comma followed by a scheme starts the next URL; other commas belong to a URL: libpq's
# multi-host form `postgres://u:p@host1:6432,host2:6432/db?target_session_attrs=standby`.
_NEXT_URL = re.compile(r"\s*,\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)")


def split_database_urls(value: str) -> list[str]:
    """DATABASE_REPLICA_URLS: comma-separated URLs, each of which may name several hosts."""
    return [url for url in _NEXT_URL.split(value.strip()) if url]


def replica_aliases(count: int) -> list[str]:
    return [f"replica{i}" for i in range(1, count + 1)]


def _database(
    url: str, *, pool: bool, pool_size: int, pool_timeout: float, prepared_statements: bool
) -> dict[str, Any]:
    config: dict[str, Any] = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # BEGIN IMMEDIATE: a transaction takes SQLite's write lock when it starts, so a
        # write's reads (SQLite has no FOR UPDATE) see what the writer before it committed.
        # A deferred transaction reads unlocked, then fails with "database is locked" when
        # another writer got the lock first: two concurrent writes meant a 500.
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
        return config
    if config["ENGINE"] == "django.db.backends.postgresql":
        # The same, with a health check that costs no round trip (taskboard/db/postgresql).
        config["ENGINE"] = POSTGRESQL_ENGINE
    options = config.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", 2)
    if prepared_statements:
        # Parameters bound by the server, and each statement prepared on a connection once
        # it has run PREPARE_THRESHOLD times there: PostgreSQL then skips parsing and
        # planning it, and psycopg skips quoting the values into the SQL. Halved the
        # database's CPU per API request (docs/benchmarks.md). Off for connection poolers
        # in transaction mode that don't track prepared statements (DB_PREPARED_STATEMENTS).
        options["server_side_binding"] = True
        options["prepare_threshold"] = PREPARE_THRESHOLD
    config["CONN_HEALTH_CHECKS"] = True
    if pool:
        # Django's psycopg 3 pool; the pool hands out only healthy connections.
        config["CONN_MAX_AGE"] = 0
        options["pool"] = {"min_size": 1, "max_size": pool_size, "timeout": pool_timeout}
    else:
        # Sync workers without a pool keep one persistent connection each.
        config["CONN_MAX_AGE"] = 60
    return config


def build_databases(
    *,
    primary_url: str,
    replica_urls: list[str],
    pool: bool,
    read_pool_size: int,
    write_pool_size: int,
    prepared_statements: bool = True,
) -> dict[str, dict[str, Any]]:
    databases = {
        "default": _database(
            primary_url,
            pool=pool,
            pool_size=write_pool_size,
            pool_timeout=PRIMARY_POOL_TIMEOUT_SECONDS,
            prepared_statements=prepared_statements,
        )
    }
    for alias, url in zip(replica_aliases(len(replica_urls)), replica_urls, strict=True):
        databases[alias] = _database(
            url,
            pool=pool,
            pool_size=read_pool_size,
            pool_timeout=REPLICA_POOL_TIMEOUT_SECONDS,
            prepared_statements=prepared_statements,
        )
        # The replica's copy of the test database is the primary's, by replication.
        databases[alias]["TEST"] = {"DEPENDENCIES": ["default"]}
    return databases
