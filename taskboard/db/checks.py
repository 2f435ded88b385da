"""System checks for the primary/replica settings."""

from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DEFAULT_DB_ALIAS

POSTGRESQL_ENGINES = {"django.db.backends.postgresql", "taskboard.db.postgresql"}


def check_database_routing(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    window = float(settings.READ_YOUR_WRITES_SECONDS)
    max_lag = float(settings.REPLICA_MAX_LAG_SECONDS)
    interval = float(settings.REPLICA_CHECK_INTERVAL_SECONDS)
    if window < max_lag:
        messages.append(
            checks.Error(
                f"READ_YOUR_WRITES_SECONDS ({window:g}) is shorter than REPLICA_MAX_LAG_SECONDS "
                f"({max_lag:g}): a client could read from a replica that has not replayed its write.",
                hint="Set READ_YOUR_WRITES_SECONDS to at least REPLICA_MAX_LAG_SECONDS.",
                id="taskboard.db.E001",
            )
        )
    elif window < max_lag + interval:
        messages.append(
            checks.Warning(
                f"READ_YOUR_WRITES_SECONDS ({window:g}) leaves no margin over REPLICA_MAX_LAG_SECONDS "
                f"({max_lag:g}) for lag measured up to REPLICA_CHECK_INTERVAL_SECONDS ({interval:g}) ago.",
                hint="Set READ_YOUR_WRITES_SECONDS to at least the sum of the other two.",
                id="taskboard.db.W001",
            )
        )
    replicas = [alias for alias in settings.DATABASES if alias != DEFAULT_DB_ALIAS]
    if replicas:
        for alias in [DEFAULT_DB_ALIAS, *replicas]:
            engine = settings.DATABASES[alias]["ENGINE"]
            if engine not in POSTGRESQL_ENGINES:
                messages.append(
                    checks.Error(
                        f"DATABASES[{alias!r}] uses {engine}: replicas need PostgreSQL streaming "
                        "replication on the primary and every replica.",
                        id="taskboard.db.E002",
                    )
                )
    return messages
