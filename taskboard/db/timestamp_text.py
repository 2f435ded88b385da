"""A timestamp column read as text in one format, for values()/values_list().

Formatted by PostgreSQL: turning thousands of timestamps into datetimes and back into text
was most of the board read's time (docs/benchmarks.md). Elsewhere (SQLite, the embedded
default) the column comes back as stored and is formatted in Python. The format itself is
the caller's (a subclass names it both ways): taskboard imports no app.
"""

from datetime import UTC, datetime
from typing import Any, ClassVar

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Expression, Func
from django.db.models.sql.compiler import SQLCompiler
from django.utils.dateparse import parse_datetime


class TimestampTextField(CharField):
    """The output field of a TimestampText: the text as PostgreSQL formatted it, or the
    stored timestamp as format_value() writes it."""

    def format_value(self, value: datetime) -> str:
        """`value` (aware) in the format the TimestampText's postgres_format names."""
        raise NotImplementedError

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> str | None:
        if value is None or connection.vendor == "postgresql":
            return value
        parsed = value if isinstance(value, datetime) else parse_datetime(value)
        assert parsed is not None, value
        return self.format_value(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


class TimestampText(Func):
    """Subclasses set `postgres_format` (for to_char(), in UTC) and `output_field`: a
    TimestampTextField whose format_value() formats the same way in Python."""

    template = "%(expressions)s"
    postgres_format: ClassVar[str]

    def __init__(self, expression: str | Expression) -> None:
        super().__init__(expression)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        template = f"to_char(%(expressions)s AT TIME ZONE 'UTC', '{self.postgres_format}')"
        sql, params = self.as_sql(compiler, connection, template=template, **extra_context)
        return sql, list(params)
