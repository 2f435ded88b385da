"""The transaction every write to a board runs in.

`board_write()` opens the transaction, locks the board row and reads the actor's role in
one query (written out on PostgreSQL: the ORM's annotated subquery cost several times the
CPU of running it, on every write; docs/benchmarks.md). Holding that lock serializes the
board's writers, which is what makes the Activity `seq` gap-free and in commit order, and
what keeps list and task positions consistent. `record()` adds an Activity with the next
`seq` and queues its live event for after the commit; on the way out the board's version,
seq and updated_at are saved, with the write's Activity rows, in one statement.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, router, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.models import User
from activity.events import publish_on_commit
from activity.models import Activity
from taskboard.db.compiled import columns_of, fetch_instance, insert_instance, insert_values, update_fields

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
    # board_write() inserts the write's activities together with the board's update, at
    # the end: one statement (on PostgreSQL) instead of one per activity plus the update.
    defer_activities: bool = False
    pending: list[Activity] = field(default_factory=list)

    def require(self, action: Action, *, not_found: type[ObjectDoesNotExist] = Board.DoesNotExist) -> Role:
        return permissions.require(self.role, action, not_found=not_found)

    def touch(self) -> None:
        """Bump the board's version (once per write): its ETag and cached reads go stale."""
        if not self.touched:
            self.board.version += 1
            self.board.updated_at = timezone.now()
            self.touched = True

    def record(self, *, verb: str, target_id: int, target_title: str, data: dict[str, Any]) -> Activity:
        """Add the Activity with the board's next seq; its event is sent after commit. In a
        board_write() the row is inserted when the write ends (its pk is unset until then)."""
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
        if self.defer_activities:
            self.pending.append(activity)
        else:
            insert_instance(activity, using=router.db_for_write(Activity))
        publish_on_commit(activity, actor=self.actor)
        return activity

    def save(self) -> None:
        """The pending activities and the board's version, seq and updated_at."""
        alias = router.db_for_write(Board)
        pending, self.pending = self.pending, []
        if pending and connections[alias].vendor == "postgresql" and self.touched:
            inserts, insert_params = insert_values(pending, using=alias)
            with connections[alias].cursor() as cursor:
                cursor.execute(
                    f"WITH recorded AS ({inserts}) {SAVE_SQL}",
                    [
                        *insert_params,
                        self.board.version,
                        self.board.event_seq,
                        self.board.updated_at,
                        self.board.pk,
                    ],
                )
            return
        for activity in pending:
            insert_instance(activity, using=alias)
        if self.touched:
            update_fields(self.board, ["version", "event_seq", "updated_at"], using=alias)


# Built from the models' own table and column names, never from input.
SAVE_SQL = (
    f'UPDATE "{Board._meta.db_table}" SET "version" = %s, "event_seq" = %s, "updated_at" = %s '  # noqa: S608
    'WHERE "id" = %s'
)
LOCK_SQL = (
    f'SELECT {columns_of(Board, "b")}, m.role AS actor_role FROM "{Board._meta.db_table}" b '  # noqa: S608
    f'LEFT JOIN "{Membership._meta.db_table}" m ON m.board_id = b.id AND m.user_id = %s '
    "WHERE b.id = %s FOR UPDATE OF b"
)


def _lock_board(*, board_id: int, actor: User) -> tuple[Board, str | None]:
    """The board's row, locked until the transaction ends, and the actor's role on it."""
    alias = router.db_for_write(Board)
    if connections[alias].vendor != "postgresql":
        # SQLite (the embedded default) has no FOR UPDATE: it locks the whole database
        # on write anyway.
        actor_role = Membership.objects.filter(board=OuterRef("pk"), user=actor).values("role")[:1]
        board = Board.objects.select_for_update().annotate(actor_role=Subquery(actor_role)).get(pk=board_id)
        return board, board.actor_role
    locked = fetch_instance(Board, LOCK_SQL, [actor.pk, board_id], extra=["actor_role"], using=alias)
    if locked is None:
        raise Board.DoesNotExist("Board matching query does not exist.")
    return locked, locked.actor_role  # type: ignore[attr-defined]


@contextmanager
def board_write(*, board_id: int, actor: User) -> Iterator[BoardWrite]:
    """Run a write to the board in one transaction, holding the board's row lock."""
    with transaction.atomic():
        board, role = _lock_board(board_id=board_id, actor=actor)
        write = BoardWrite(board=board, actor=actor, role=permissions.as_role(role), defer_activities=True)
        yield write
        write.save()


def new_board_write(*, board: Board, actor: User) -> BoardWrite:
    """The write that creates `board` (inside the caller's transaction): the board starts
    at version 1, so creating it records without a bump."""
    return BoardWrite(board=board, actor=actor, role=Role.OWNER, touched=True)
