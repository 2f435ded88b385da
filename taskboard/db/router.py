"""Reads to a healthy replica, writes to the primary, and the primary whenever a replica
might not show the reader something it must see."""

import random
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from taskboard.metrics.database import count_read_routed

from .replicas import ReplicaMonitor, get_monitor
from .routing import current_scope


class PrimaryReplicaRouter:
    def __init__(self, monitor: ReplicaMonitor | None = None) -> None:
        # Tests pass their own monitor; the app uses the process's one.
        self._monitor = monitor

    def db_for_read(self, model: Any, **hints: Any) -> str:
        alias, reason = self._read_alias(model)
        scope = current_scope()
        if scope is None:
            count_read_routed(alias, reason)
        else:
            scope.read_aliases.add(alias)
            # Counted when the scope ends (taskboard.db.routing.read_scope).
            scope.routed[(alias, reason)] = scope.routed.get((alias, reason), 0) + 1
        return alias

    def db_for_write(self, model: Any, **hints: Any) -> str:
        scope = current_scope()
        if scope is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Every alias holds the same data.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # Replicas get the schema by replication.
        return db == DEFAULT_DB_ALIAS

    def _read_alias(self, model: Any) -> tuple[str, str]:
        """The alias for a read, and why (taskboard_db_reads_routed_total's reason)."""
        scope = current_scope()
        if scope is None:
            return DEFAULT_DB_ALIAS, "primary_forced"
        if not scope.allow_replicas:
            return DEFAULT_DB_ALIAS, scope.primary_reason
        if scope.wrote:
            return DEFAULT_DB_ALIAS, "primary_after_write"
        if (
            # Security-relevant rows (sessions, users, the token blacklist) are never stale.
            model._meta.app_label in settings.DATABASE_PRIMARY_ONLY_APPS
            # A transaction must see its own writes and a consistent snapshot.
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS, "primary_forced"
        monitor = self._monitor or get_monitor()
        if not monitor.replica_aliases:
            return DEFAULT_DB_ALIAS, "no_replica"
        healthy = monitor.healthy_replicas()
        if not healthy:
            # Every replica is behind or down.
            return DEFAULT_DB_ALIAS, "replica_lagging"
        # One replica per scope, so two reads of one request see the same point in time.
        replica = scope.replica if scope.replica in healthy else random.choice(healthy)
        scope.replica = replica
        scope.replicas_used.add(replica)
        return replica, "replica"
