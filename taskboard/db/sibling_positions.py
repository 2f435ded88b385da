"""The positions of the rows under one parent but one, read with written-out SQL.

A move places a row among its siblings by their positions (writes/ordering.py): building
the equivalent querysets cost a sixth of the CPU of a task move (docs/benchmarks.md). The
statement is plain SQL, the same on PostgreSQL and SQLite. Table and column names come
from the model's metadata, never from input.
"""

import functools
from typing import Literal

from django.db import connections
from django.db.models import Model

from taskboard.db.compiled import field_named


@functools.cache
def _positions_sql(model: type[Model], parent: str, order: Literal["ASC", "DESC"]) -> str:
    meta = model._meta
    assert meta.pk is not None
    return (
        f'SELECT "position" FROM "{meta.db_table}" '  # noqa: S608
        f'WHERE "{field_named(model, parent).column}" = %s AND "{meta.pk.column}" <> %s '
        f'ORDER BY "position" {order} LIMIT %s OFFSET %s'
    )


def sibling_positions(
    model: type[Model],
    *,
    parent: str,
    parent_id: int,
    excluding_pk: int,
    order: Literal["ASC", "DESC"],
    limit: int,
    offset: int,
    using: str,
) -> list[int]:
    """Up to `limit` positions of the `model` rows whose `parent` (a foreign key's name,
    e.g. "list") is `parent_id`, but row `excluding_pk`, in `order`, from the `offset`-th."""
    with connections[using].cursor() as cursor:
        cursor.execute(_positions_sql(model, parent, order), [parent_id, excluding_pk, limit, offset])
        return [row[0] for row in cursor.fetchall()]
