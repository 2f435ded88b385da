"""Reads and writes whose SQL is built once and then run with new parameters.

Building and compiling a queryset costs far more CPU than running a small indexed query:
on a 200-task board, building the querysets of the board read took more than running them,
the ORM's `User.objects.get(pk=…)` behind every authenticated API request cost a third of a
warm board read, and a task create's two ORM inserts more than the rest of its service
(docs/benchmarks.md). So, for the hot paths:

- CompiledRead builds its queryset once per database, with sentinel values for its
  parameters, keeps the SQL, and afterwards runs it on a cursor with the real values;
- fetch_instance() turns one row of written-out SQL into a model instance
  (fetch_instance_and_extra(): and the row's further columns beside it);
- insert_instance() and update_fields() write a model's row with a statement built once
  per model (and field list), the values prepared by the fields; insert_values() and
  update_values() return those statements for composing into a larger one.

All of them go through Django's cursor (query logging and counting, error wrapping,
routing by alias) and fall back to the ORM where the database isn't PostgreSQL.
"""

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Field, Model, QuerySet

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


def field_named(model: type[Model], name: str) -> "Field[Any, Any]":
    """The model's field `name`, one that is a column of its table (not a reverse relation)."""
    found = model._meta.get_field(name)
    if not isinstance(found, Field):
        raise TypeError(f"{model.__name__}.{name} is not a column.")
    return found


def columns_of(model: type[Model], table_alias: str) -> str:
    """The model's concrete columns, in field order, for a written-out SELECT."""
    return ", ".join(f'{table_alias}."{field.column}"' for field in model._meta.concrete_fields)


# (sql, extra) pairs whose extra columns fetch_instance() found named as `extra` says.
_named_as_told: set[tuple[str, tuple[str, ...]]] = set()


def fetch_instance(
    model: type[ModelT], sql: str, params: Sequence[Any], *, extra: Sequence[str] = (), using: str
) -> ModelT | None:
    """The first row of `sql` as a `model` instance, or None. `sql` selects the model's
    columns as columns_of() lists them, then one column for each name in `extra`, which
    become attributes of the instance (e.g. the caller's role). Those columns must be
    named so in the SQL (`m.role AS user_role`): a RawQuerySet names attributes after its
    columns, and a mismatch raises ValueError on PostgreSQL too, where the tests run.

    On PostgreSQL the row goes straight from the cursor into Model.from_db(): a
    RawQuerySet doing the same cost about as much CPU as the query itself. Other databases
    need Django's converters: there the RawQuerySet runs.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        for instance in model._default_manager.using(using).raw(sql, params):
            return instance
        return None
    found = _fetch_row(model, sql, params, extra=extra, using=using)
    if found is None:
        return None
    instance, values = found
    for name, value in zip(extra, values, strict=True):
        setattr(instance, name, value)
    return instance


def fetch_instance_and_extra(
    model: type[ModelT], sql: str, params: Sequence[Any], *, extra: Sequence[str], using: str
) -> tuple[ModelT, tuple[Any, ...]] | None:
    """fetch_instance(), with the `extra` columns' values returned beside the instance, in
    their order, rather than set on it."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        for instance in model._default_manager.using(using).raw(sql, params):
            # The RawQuerySet sets the extra columns as attributes: taken off again.
            return instance, tuple(instance.__dict__.pop(name) for name in extra)
        return None
    return _fetch_row(model, sql, params, extra=extra, using=using)


def _fetch_row(
    model: type[ModelT], sql: str, params: Sequence[Any], *, extra: Sequence[str], using: str
) -> tuple[ModelT, tuple[Any, ...]] | None:
    """The PostgreSQL half of fetch_instance(): the instance and the extra columns' values."""
    fields = model._meta.concrete_fields
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        # Checked once per statement and names: psycopg builds the description's columns
        # anew each time it is asked, which cost 2 % of a task create (docs/benchmarks.md).
        checked = (sql, tuple(extra))
        if checked not in _named_as_told:
            names = [column.name for column in cursor.description or ()][len(fields) :]
            if names != list(extra):
                raise ValueError(f"The SQL's extra columns are named {names}, not {list(extra)}.")
            _named_as_told.add(checked)
    if row is None:
        return None
    instance = model.from_db(using, [field.attname for field in fields], row[: len(fields)])
    return instance, tuple(row[len(fields) :])


@functools.cache
def _insert_statement(model: type[Model]) -> "tuple[str, tuple[Field[Any, Any], ...]]":
    pk = model._meta.pk
    assert pk is not None
    fields = tuple(field for field in model._meta.local_concrete_fields if field is not pk)
    columns = ", ".join(f'"{field.column}"' for field in fields)
    values = ", ".join(["%s"] * len(fields))
    sql = f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ({values}) RETURNING "{pk.column}"'  # noqa: S608
    return sql, fields


def insert_values(instances: Sequence[Model], *, using: str) -> tuple[str, list[Any]]:
    """`INSERT INTO … VALUES (…), (…)` for new instances of one model (no RETURNING), with
    its parameters prepared as save() prepares them: for composing into a larger statement.
    Instances whose pk is set (all or none of them) are inserted with it."""
    model = type(instances[0])
    _, fields = _insert_statement(model)
    with_pk = instances[0].pk is not None
    if any((instance.pk is not None) != with_pk for instance in instances):
        raise ValueError("Either all the instances have their pk set or none.")
    if with_pk:
        assert model._meta.pk is not None
        fields = (model._meta.pk, *fields)
    connection = connections[using]
    columns = ", ".join(f'"{field.column}"' for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES ' + ", ".join([row] * len(instances))  # noqa: S608
    params = [
        field.get_db_prep_save(field.pre_save(instance, True), connection)
        for instance in instances
        for field in fields
    ]
    return sql, params


def insert_instance(instance: Model, *, using: str) -> None:
    """Save the new `instance` with one INSERT, as `instance.save(force_insert=True)` would
    (each field's pre_save and database preparation), without building the query each time:
    in a task create, the ORM's two inserts cost more CPU than the rest of the service.
    No pre_save/post_save signals are sent (the models this is used for have no receivers).
    On other databases than PostgreSQL, `save()` runs as usual.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        instance.save(using=using, force_insert=True)
        return
    sql, fields = _insert_statement(type(instance))
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    assert row is not None
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = using


# The column of a board's rows that names their board (docs/scaling.md "Past one primary").
BOARD_COLUMN = "board_id"


@functools.cache
def _update_statement(
    model: type[Model], names: tuple[str, ...], with_board: bool
) -> "tuple[str, tuple[Field[Any, Any], ...]]":
    pk = model._meta.pk
    assert pk is not None
    fields = tuple(field_named(model, name) for name in names)
    assignments = ", ".join(f'"{field.column}" = %s' for field in fields)
    board = f' AND "{BOARD_COLUMN}" = %s' if with_board else ""
    sql = f'UPDATE "{model._meta.db_table}" SET {assignments} WHERE "{pk.column}" = %s{board}'  # noqa: S608
    return sql, fields


@functools.cache
def _has_board_column(model: type[Model]) -> bool:
    return any(field.column == BOARD_COLUMN for field in model._meta.concrete_fields)


def _board_of(instance: Model, names: Sequence[str]) -> int | None:
    """The board of a row that carries one (a `board_id` column, loaded and not being
    written): its UPDATE names the board too, so a sharded database routes it to one
    node. None for other rows, and where reading the value would cost a query."""
    if not _has_board_column(type(instance)) or BOARD_COLUMN not in instance.__dict__:
        return None
    if BOARD_COLUMN in names or "board" in names:
        return None
    value = instance.__dict__[BOARD_COLUMN]
    return value if isinstance(value, int) else None


def update_values(instance: Model, names: Sequence[str], *, using: str) -> tuple[str, list[Any]]:
    """The UPDATE that update_fields() runs, with its parameters: for composing into a
    larger statement. A row that carries its board is updated by primary key and board."""
    connection = connections[using]
    board_id = _board_of(instance, names)
    sql, fields = _update_statement(type(instance), tuple(names), board_id is not None)
    params = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in fields]
    return sql, [*params, instance.pk, *([] if board_id is None else [board_id])]


def update_fields(instance: Model, names: Sequence[str], *, using: str) -> None:
    """Write these fields of the saved `instance` with one UPDATE, as
    `instance.save(update_fields=names)` would, without building the query each time
    (see insert_instance). On other databases than PostgreSQL, `save()` runs as usual."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        instance.save(using=using, update_fields=names)
        return
    sql, params = update_values(instance, names, using=using)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
