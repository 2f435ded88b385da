"""Bounds of the database's integer columns, checked before a value reaches a query: a
larger number can't name a row, and PostgreSQL would refuse it with an error (a 500)
instead of matching nothing."""

# A bigint primary key.
MAX_ID = 2**63 - 1
# An integer column (PositiveIntegerField).
MAX_INT = 2**31 - 1
