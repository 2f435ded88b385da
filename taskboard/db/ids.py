"""Ids of rows: the bounds of the database's integer columns, checked before a value
reaches a query (a larger number can't name a row, and PostgreSQL would refuse it with an
error, a 500, instead of matching nothing), and pk_of() for services that take a row or
its id."""

from django.db.models import Model

# A bigint primary key.
MAX_ID = 2**63 - 1
# An integer column (PositiveIntegerField).
MAX_INT = 2**31 - 1


def pk_of(row: Model | int) -> int:
    """The id of `row`, given as an instance or as its id (an API view that read nothing)."""
    return row if isinstance(row, int) else row.pk
