"""Rows a transaction inserts and updates, written together by one closing statement.

On PostgreSQL the statements wait and run as data-modifying WITH parts of the last one
(PostgreSQL runs every part, each on the statement's snapshot; constraints are checked
when it ends, the foreign keys at commit): in a board write, every statement less is a
shorter wait for the board's next writer (docs/benchmarks.md). Elsewhere (SQLite, the
embedded default) each row is written at once.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import Model

from taskboard.db.compiled import insert_instance, insert_values, update_fields, update_values


def defers_writes(alias: str) -> bool:
    """Whether the database behind `alias` can run deferred writes as one statement."""
    return connections[alias].vendor == "postgresql"


@dataclass
class DeferredWrites:
    """The writes waiting for run(); with `enabled` false, none ever waits."""

    enabled: bool = False
    statements: list[tuple[str, list[Any]]] = field(default_factory=list)

    def insert(self, instances: Sequence[Model], *, using: str) -> None:
        """Insert these new instances of one model. Deferred, their pks are not read back:
        set them beforehand where they are needed."""
        if not self.enabled:
            for instance in instances:
                insert_instance(instance, using=using)
            return
        self.statements.append(insert_values(instances, using=using))
        for instance in instances:
            instance._state.adding = False
            instance._state.db = using

    def update(self, instance: Model, names: Sequence[str], *, using: str) -> None:
        """Write these fields of `instance`. Deferred, reads meanwhile see the row as it
        was; at most once per row: PostgreSQL leaves two changes to one row in one
        statement undefined."""
        if self.enabled:
            self.statements.append(update_values(instance, names, using=using))
        else:
            update_fields(instance, names, using=using)

    def run(self, *, using: str) -> None:
        """The waiting writes in one statement, the last one waiting with the others as its
        WITH parts, in the order they came."""
        statements, self.statements = self.statements, []
        if not statements:
            return
        *parts, (sql, params) = statements
        if parts:
            sql = "WITH " + ", ".join(f"w{n} AS ({part})" for n, (part, _) in enumerate(parts)) + " " + sql
            params = [*(value for _, values in parts for value in values), *params]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
