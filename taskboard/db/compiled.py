"""Reads whose SQL is compiled once and then run with new parameters.

Building and compiling a queryset costs far more CPU than running a small indexed query:
on a 200-task board, building the querysets of the board read took more than running them,
and the ORM's `User.objects.get(pk=…)` behind every authenticated API request cost a third
of a warm board read (docs/benchmarks.md). A CompiledRead builds its queryset once per
database, with sentinel values for its parameters, keeps the SQL, and afterwards runs it on
a cursor with the real values.
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet

ModelT = TypeVar("ModelT", bound=Model)

# No row has a negative id: where these land in the compiled parameters, the real values go.
SENTINELS = (-7_340_033, -7_340_034, -7_340_035, -7_340_036)


class CompiledRead:
    """A values_list() read taking integer parameters (usually one object's id).

    `build(*params)` returns the queryset for those parameters; `rows(*params)` runs it.
    On PostgreSQL the rows come straight from the cursor, as the queryset would return
    them. Other databases (SQLite, the embedded default) need Django's converters: there
    the queryset runs as usual.
    """

    def __init__(self, model: type[Model], build: Callable[..., QuerySet[Any]], *, params: int = 1) -> None:
        if not 1 <= params <= len(SENTINELS):
            raise ValueError(f"A CompiledRead takes 1 to {len(SENTINELS)} parameters.")
        self.model = model
        self.build = build
        self.params = params
        # alias -> (sql, for each SQL parameter the index of the argument it takes)
        self.sql: dict[str, tuple[str, list[int]]] = {}

    def compiled(self, alias: str) -> tuple[str, list[int]]:
        found = self.sql.get(alias)
        if found is None:
            sentinels = SENTINELS[: self.params]
            sql, params = self.build(*sentinels).query.get_compiler(using=alias).as_sql()
            if len(params) != len(sentinels) or set(params) != set(sentinels):
                raise ValueError(
                    f"A CompiledRead takes its {self.params} parameter(s) as its only parameters, "
                    f"not {params!r}."
                )
            found = self.sql[alias] = (sql, [sentinels.index(param) for param in params])
        return found

    def rows(self, *args: int, using: str | None = None) -> list[tuple[Any, ...]]:
        if len(args) != self.params:
            raise TypeError(f"This read takes {self.params} parameter(s), not {len(args)}.")
        alias = using or router.db_for_read(self.model)
        connection = connections[alias]
        if connection.vendor != "postgresql":
            return list(self.build(*args).using(alias))
        sql, order = self.compiled(alias)
        with connection.cursor() as cursor:
            cursor.execute(sql, [args[index] for index in order])
            return cursor.fetchall()


def columns_of(model: type[Model], table_alias: str) -> str:
    """The model's concrete columns, in field order, for a written-out SELECT."""
    return ", ".join(f'{table_alias}."{field.column}"' for field in model._meta.concrete_fields)


def fetch_instance(
    model: type[ModelT], sql: str, params: Sequence[Any], *, extra: Sequence[str] = (), using: str
) -> ModelT | None:
    """The first row of `sql` as a `model` instance, or None. `sql` selects the model's
    columns as columns_of() lists them, then one column for each name in `extra`, which
    become attributes of the instance (e.g. the caller's role).

    On PostgreSQL the row goes straight from the cursor into Model.from_db(): a
    RawQuerySet doing the same cost about as much CPU as the query itself. Other databases
    need Django's converters: there the RawQuerySet runs.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        for instance in model._default_manager.using(using).raw(sql, params):
            return instance
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    fields = model._meta.concrete_fields
    instance = model.from_db(using, [field.attname for field in fields], row[: len(fields)])
    for name, value in zip(extra, row[len(fields) :], strict=True):
        setattr(instance, name, value)
    return instance
