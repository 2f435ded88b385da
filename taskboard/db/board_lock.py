"""The board's row lock with the user's role on the board, in one query.

Every write to a board starts here (writes/board_transaction.py): holding the lock serializes
the board's writers. On PostgreSQL the statement is written out: the ORM's annotated
subquery cost several times the CPU of running it, on every write (docs/benchmarks.md).
SQLite (the embedded default) has no FOR UPDATE: the transaction took the whole
database's write lock when it began (BEGIN IMMEDIATE, taskboard/db/config.py); there the
ORM reads the same.

taskboard imports no app: the board and membership models come as parameters. The board
model has the usual primary key; the membership model has `board`, `user` and `role`.
"""

import functools
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, router
from django.db.models import Model, OuterRef, Subquery

from taskboard.db.compiled import columns_of, fetch_instance_and_extra, field_named
from taskboard.db.ids import MAX_ID

BoardT = TypeVar("BoardT", bound=Model)


@dataclass(frozen=True)
class LockedBoard(Generic[BoardT]):
    """The locked board's row and the user's role on it (None: not a member)."""

    board: BoardT
    role: str | None


def not_found(model: type[Model]) -> ObjectDoesNotExist:
    """`model.DoesNotExist` as the ORM's get() raises it (typed: the stubs give the
    exception class to concrete models only)."""
    error: type[ObjectDoesNotExist] = model.__dict__["DoesNotExist"]
    return error(f"{model.__name__} matching query does not exist.")


@functools.cache
def board_lock_sql(
    board_model: type[Model], membership_model: type[Model], *, of: type[Model] | None = None
) -> str:
    """The locking statement: by the board's id, or with `of`, by the id of a row of that
    model (one with a `board` foreign key). A row's board never changes, so the row's
    version read here (the statement's snapshot may predate the lock) names the right
    board; the caller re-reads the row itself under the lock. Built from the models' own
    table and column names, never from input."""
    board_pk = board_model._meta.pk
    assert board_pk is not None
    board_id = f"b.{board_pk.column}"

    def membership(name: str) -> str:
        return f"m.{field_named(membership_model, name).column}"

    locked = (
        f"{columns_of(board_model, 'b')}, {membership('role')} AS actor_role "
        f'FROM "{board_model._meta.db_table}" b LEFT JOIN "{membership_model._meta.db_table}" m '
        f"ON {membership('board')} = {board_id} AND {membership('user')} = %s"
    )
    if of is None:
        return f"SELECT {locked} WHERE {board_id} = %s FOR UPDATE OF b"
    row_pk = of._meta.pk
    assert row_pk is not None
    return (
        f'SELECT {locked} JOIN "{of._meta.db_table}" r ON r."{field_named(of, "board").column}" = {board_id} '
        f'WHERE r."{row_pk.column}" = %s FOR UPDATE OF b'
    )


def _on_postgresql(alias: str) -> bool:
    return connections[alias].vendor == "postgresql"


def lock_board(
    board_model: type[BoardT], membership_model: type[Model], *, board_id: int, user_id: int
) -> LockedBoard[BoardT]:
    """The board's row, locked until the transaction ends, and the user's role on it;
    board_model.DoesNotExist without the board."""
    if not 1 <= board_id <= MAX_ID:
        raise not_found(board_model)
    alias = router.db_for_write(board_model)
    if not _on_postgresql(alias):
        role = membership_model._default_manager.filter(board=OuterRef("pk"), user=user_id).values("role")
        boards = board_model._default_manager.select_for_update()
        board = boards.annotate(actor_role=Subquery(role[:1])).get(pk=board_id)
        # The ORM sets the annotation as an attribute: taken off again.
        return LockedBoard(board, board.__dict__.pop("actor_role"))
    sql = board_lock_sql(board_model, membership_model)
    found = fetch_instance_and_extra(board_model, sql, [user_id, board_id], extra=["actor_role"], using=alias)
    if found is None:
        raise not_found(board_model)
    board, (role_value,) = found
    return LockedBoard(board, role_value)


def lock_board_of(
    board_model: type[BoardT], membership_model: type[Model], *, of: type[Model], row_id: int, user_id: int
) -> LockedBoard[BoardT]:
    """lock_board() for the board of the `of` row `row_id`; of.DoesNotExist without the row."""
    if not 1 <= row_id <= MAX_ID:
        raise not_found(of)
    alias = router.db_for_write(board_model)
    if not _on_postgresql(alias):
        board_id = of._default_manager.filter(pk=row_id).values_list("board_id", flat=True).first()
        if board_id is None:
            raise not_found(of)
        return lock_board(board_model, membership_model, board_id=board_id, user_id=user_id)
    sql = board_lock_sql(board_model, membership_model, of=of)
    found = fetch_instance_and_extra(board_model, sql, [user_id, row_id], extra=["actor_role"], using=alias)
    if found is None:
        raise not_found(of)
    board, (role_value,) = found
    return LockedBoard(board, role_value)
