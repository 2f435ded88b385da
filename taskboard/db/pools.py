"""What each database alias is and what its connection pool is doing, for operators."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from .replicas import get_monitor

# psycopg_pool's defaults when OPTIONS["pool"] leaves them out.
_PSYCOPG_POOL_MIN_SIZE = 4


@dataclass(frozen=True)
class PoolStats:
    size: int
    min_size: int
    in_use: int
    idle: int
    waiting: int


@dataclass(frozen=True)
class AliasReport:
    alias: str
    role: str
    vendor: str
    pool: PoolStats | None
    healthy: bool | None
    lag_seconds: float | None


def pool_stats(alias: str) -> PoolStats | None:
    """The alias's psycopg pool, or None when the alias does not pool its connections."""
    connection = connections[alias]
    options: Any = connection.settings_dict.get("OPTIONS", {}).get("pool")
    if connection.vendor != "postgresql" or not options:
        return None
    options = {} if options is True else options
    min_size = int(options.get("min_size", _PSYCOPG_POOL_MIN_SIZE))
    max_size = int(options.get("max_size") or min_size)
    # `connection.pool` would open a pool that no request has needed yet: look it up instead.
    pool = connection._connection_pools.get(alias)  # type: ignore[attr-defined]
    if pool is None:
        return PoolStats(size=max_size, min_size=min_size, in_use=0, idle=0, waiting=0)
    stats = pool.get_stats()
    return PoolStats(
        size=stats["pool_max"],
        min_size=stats["pool_min"],
        in_use=stats["pool_size"] - stats["pool_available"],
        idle=stats["pool_available"],
        waiting=stats.get("requests_waiting", 0),
    )


def alias_reports() -> list[AliasReport]:
    """Every database alias: its role, pool and, for replicas, health and lag."""
    monitor = get_monitor()
    monitor.check_if_due()
    reports = []
    for alias in settings.DATABASES:
        if alias == DEFAULT_DB_ALIAS:
            role, healthy, lag = "primary", monitor.primary_reachable, None
        else:
            state = monitor.state(alias)
            role, healthy, lag = "replica", state.healthy, state.lag_seconds
        reports.append(
            AliasReport(
                alias=alias,
                role=role,
                vendor=connections[alias].vendor,
                pool=pool_stats(alias),
                healthy=healthy,
                lag_seconds=lag,
            )
        )
    return reports
