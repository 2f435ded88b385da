"""The transaction every write to a board runs in.

`board_write()` opens the transaction, locks the board row and reads the actor's role in
one query (written out on PostgreSQL: the ORM's annotated subquery cost several times the
CPU of running it, on every write; docs/benchmarks.md). Holding that lock serializes the
board's writers, which is what makes the Activity `seq` gap-free and in commit order, and
what keeps list and task positions consistent. `record()` adds an Activity with the next
`seq` and queues its live event for after the commit; on the way out the board's version,
seq and updated_at are saved, on PostgreSQL with the write's Activity rows and the other
rows it deferred (insert_later, update_later), in one statement.
"""

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, router, transaction
from django.db.models import Model, OuterRef, Subquery
from django.utils import timezone

from accounts.models import User
from activity.events import publish_on_commit
from activity.models import Activity
from taskboard.db.compiled import (
    columns_of,
    fetch_instance,
    insert_instance,
    insert_values,
    update_fields,
    update_values,
)
from taskboard.db.ids import MAX_ID

from . import permissions
from .models import Board, Membership, Role
from .permissions import Action


@dataclass
class BoardWrite:
    board: Board
    actor: User
    role: Role | None
    # Whether the board's version has been bumped in this write (at most once per write).
    touched: bool = False
    # On PostgreSQL, board_write() runs the rows a write inserts and updates through
    # insert_later() / update_later() (its Activity rows among them) as parts of the one
    # statement that saves the board at the end: every statement less is a shorter wait
    # for the board's next writer (docs/benchmarks.md).
    defer_writes: bool = False
    deferred: list[tuple[str, list[Any]]] = field(default_factory=list)

    def require(self, action: Action, *, not_found: type[ObjectDoesNotExist] = Board.DoesNotExist) -> Role:
        return permissions.require(self.role, action, not_found=not_found, board=self.board)

    def touch(self) -> None:
        """Bump the board's version (once per write): its ETag and cached reads go stale."""
        if not self.touched:
            self.board.version += 1
            self.board.updated_at = timezone.now()
            self.touched = True

    def insert_later(self, *instances: Model) -> None:
        """Insert these new instances of one model when the write ends (on PostgreSQL; at
        once elsewhere). Their pks are not read back: set them beforehand where they are
        needed (tasks/locked_reads.py takes a new task's from its sequence)."""
        alias = router.db_for_write(type(instances[0]))
        if not self.defer_writes:
            for instance in instances:
                insert_instance(instance, using=alias)
            return
        self.deferred.append(insert_values(instances, using=alias))
        for instance in instances:
            instance._state.adding = False
            instance._state.db = alias

    def update_later(self, instance: Model, names: Sequence[str]) -> None:
        """Write these fields of `instance` when the write ends (on PostgreSQL; at once
        elsewhere). Reads in the write meanwhile see the row as it was. At most once per
        row and write: PostgreSQL leaves two changes to one row in one statement undefined."""
        alias = router.db_for_write(type(instance))
        if self.defer_writes:
            self.deferred.append(update_values(instance, names, using=alias))
        else:
            update_fields(instance, names, using=alias)

    def record(self, *, verb: str, target_id: int, target_title: str, data: dict[str, Any]) -> Activity:
        """Add the Activity with the board's next seq; its event is sent after commit. In a
        board_write() on PostgreSQL the row is inserted when the write ends, and its pk
        stays unset."""
        self.touch()
        self.board.event_seq += 1
        activity = Activity(
            board=self.board,
            seq=self.board.event_seq,
            actor=self.actor,
            verb=verb,
            target_type=verb.split(".", 1)[0],
            target_id=target_id,
            target_title=target_title[:200],
            data=data,
        )
        self.insert_later(activity)
        publish_on_commit(activity, actor=self.actor)
        return activity

    def save(self) -> None:
        """The deferred writes and the board's version, seq and updated_at, in one statement:
        the deferred ones as data-modifying WITH parts (PostgreSQL runs every part, each on
        the statement's snapshot; constraints are checked when it ends, the foreign keys at
        commit)."""
        alias = router.db_for_write(Board)
        statements, self.deferred = self.deferred, []
        if self.touched:
            fields = ["version", "event_seq", "updated_at"]
            if not self.defer_writes:
                update_fields(self.board, fields, using=alias)
                return
            statements.append(update_values(self.board, fields, using=alias))
        if not statements:
            return
        *parts, (sql, params) = statements
        if parts:
            sql = "WITH " + ", ".join(f"w{n} AS ({part})" for n, (part, _) in enumerate(parts)) + " " + sql
            params = [*(value for _, values in parts for value in values), *params]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)


# Built from the models' own table and column names, never from input.
_LOCKED_BOARD = (
    f'{columns_of(Board, "b")}, m.role AS actor_role FROM "{Board._meta.db_table}" b '
    f'LEFT JOIN "{Membership._meta.db_table}" m ON m.board_id = b.id AND m.user_id = %s'
)
LOCK_SQL = f"SELECT {_LOCKED_BOARD} WHERE b.id = %s FOR UPDATE OF b"


@functools.cache
def lock_via_sql(model: type[Model]) -> str:
    """LOCK_SQL for the board of a `model` row (one with a `board` foreign key), by the
    row's id. A row's board never changes, so the row's version read here (the statement's
    snapshot may predate the lock) names the right board; the caller re-reads the row
    itself under the lock."""
    board_column = model._meta.get_field("board").column  # type: ignore[union-attr]
    assert model._meta.pk is not None
    return (
        f'SELECT {_LOCKED_BOARD} JOIN "{model._meta.db_table}" r ON r."{board_column}" = b.id '
        f'WHERE r."{model._meta.pk.column}" = %s FOR UPDATE OF b'
    )


def _lock_board(*, board_id: int, actor: User) -> tuple[Board, str | None]:
    """The board's row, locked until the transaction ends, and the actor's role on it."""
    if not 1 <= board_id <= MAX_ID:
        raise Board.DoesNotExist("Board matching query does not exist.")
    alias = router.db_for_write(Board)
    if connections[alias].vendor != "postgresql":
        # SQLite (the embedded default) has no FOR UPDATE: the transaction took the whole
        # database's write lock when it began (BEGIN IMMEDIATE, taskboard/db/config.py).
        actor_role = Membership.objects.filter(board=OuterRef("pk"), user=actor).values("role")[:1]
        board = Board.objects.select_for_update().annotate(actor_role=Subquery(actor_role)).get(pk=board_id)
        return board, board.actor_role
    locked = fetch_instance(Board, LOCK_SQL, [actor.pk, board_id], extra=["actor_role"], using=alias)
    if locked is None:
        raise Board.DoesNotExist("Board matching query does not exist.")
    return locked, locked.actor_role  # type: ignore[attr-defined]


def _lock_board_of(model: type[Model], row_id: int, *, actor: User) -> tuple[Board, str | None]:
    """_lock_board() for the board of a `model` row; model.DoesNotExist without the row."""
    missing = model.DoesNotExist(f"{model.__name__} matching query does not exist.")  # type: ignore[attr-defined]
    if not 1 <= row_id <= MAX_ID:
        raise missing
    alias = router.db_for_write(Board)
    if connections[alias].vendor != "postgresql":
        board_id = model._default_manager.filter(pk=row_id).values_list("board_id", flat=True).first()
        if board_id is None:
            raise missing
        return _lock_board(board_id=board_id, actor=actor)
    locked = fetch_instance(Board, lock_via_sql(model), [actor.pk, row_id], extra=["actor_role"], using=alias)
    if locked is None:
        raise missing
    return locked, locked.actor_role  # type: ignore[attr-defined]


@contextmanager
def board_write(
    *, actor: User, board_id: int | None = None, of: tuple[type[Model], int] | None = None
) -> Iterator[BoardWrite]:
    """Run a write to the board in one transaction, holding the board's row lock. The
    board is `board_id`, or the board of row `of` = (model, id): a write through a task
    then needs no read before it to find the task's board."""
    with transaction.atomic():
        if of is not None:
            board, role = _lock_board_of(*of, actor=actor)
        else:
            assert board_id is not None
            board, role = _lock_board(board_id=board_id, actor=actor)
        write = BoardWrite(
            board=board,
            actor=actor,
            role=permissions.as_role(role),
            defer_writes=connections[router.db_for_write(Board)].vendor == "postgresql",
        )
        yield write
        write.save()


def new_board_write(*, board: Board, actor: User) -> BoardWrite:
    """The write that creates `board` (inside the caller's transaction): the board starts
    at version 1, so creating it records without a bump."""
    return BoardWrite(board=board, actor=actor, role=Role.OWNER, touched=True)
