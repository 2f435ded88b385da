"""Builds DATABASES from URLs: `default` is the primary, `replica1..N` the replicas."""

from typing import Any

import environ

POSTGRESQL_ENGINE = "taskboard.db.postgresql"

# Replicas answer a pool request within this or the read fails over to the primary.
REPLICA_POOL_TIMEOUT_SECONDS = 1.0
PRIMARY_POOL_TIMEOUT_SECONDS = 10.0


def replica_aliases(count: int) -> list[str]:
    return [f"replica{i}" for i in range(1, count + 1)]


def _database(url: str, *, pool: bool, pool_size: int, pool_timeout: float) -> dict[str, Any]:
    config: dict[str, Any] = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {"timeout": 20}
        return config
    if config["ENGINE"] == "django.db.backends.postgresql":
        # The same, with a health check that costs no round trip (taskboard/db/postgresql).
        config["ENGINE"] = POSTGRESQL_ENGINE
    options = config.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", 2)
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
) -> dict[str, dict[str, Any]]:
    databases = {
        "default": _database(
            primary_url, pool=pool, pool_size=write_pool_size, pool_timeout=PRIMARY_POOL_TIMEOUT_SECONDS
        )
    }
    for alias, url in zip(replica_aliases(len(replica_urls)), replica_urls, strict=True):
        databases[alias] = _database(
            url, pool=pool, pool_size=read_pool_size, pool_timeout=REPLICA_POOL_TIMEOUT_SECONDS
        )
        # The replica's copy of the test database is the primary's, by replication.
        databases[alias]["TEST"] = {"DEPENDENCIES": ["default"]}
    return databases
