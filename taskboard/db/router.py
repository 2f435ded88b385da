"""Reads to a healthy replica, writes to the primary (being completed: see db helper)."""

from typing import Any

from django.db import connections

from .routing import current_scope


class PrimaryReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        return "default"

    def db_for_write(self, model: Any, **hints: Any) -> str:
        scope = current_scope()
        if scope is not None:
            scope.wrote = True
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default" and connections[db] is not None
