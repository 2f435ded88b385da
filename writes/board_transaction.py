"""The transaction every write to a board runs in.

`board_write()` opens the transaction, locks the board row and reads the actor's role in
one query (taskboard/db/board_lock.py). Holding that lock serializes the board's writers,
which is what makes the Activity `seq` gap-free and in commit order, and what keeps list
and task positions consistent. `record()` adds an Activity with the next `seq` and queues
its live event for after the commit; on the way out the board's version, seq and
updated_at are saved, on PostgreSQL with the write's Activity rows and the other rows it
deferred (insert_later, update_later), in one statement (taskboard/db/deferred_writes.py).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import router, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.models import User
from activity.models import Activity
from boards import permissions
from boards.models import Board, Membership, Role
from boards.permissions import Action
from live.publishing import publish_on_commit
from taskboard.db.board_lock import LockedBoard, lock_board, lock_board_of
from taskboard.db.deferred_writes import DeferredWrites, defers_writes
from taskboard.logs.context import bind_board


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
    deferred: DeferredWrites = field(default_factory=DeferredWrites)

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
        needed (taskboard/db/task_queries.py reads a new task's from its sequence)."""
        self.deferred.insert(instances, using=router.db_for_write(type(instances[0])))

    def update_later(self, instance: Model, names: Sequence[str]) -> None:
        """Write these fields of `instance` when the write ends (on PostgreSQL; at once
        elsewhere). Reads in the write meanwhile see the row as it was. At most once per
        row and write: PostgreSQL leaves two changes to one row in one statement undefined."""
        self.deferred.update(instance, names, using=router.db_for_write(type(instance)))

    def record(
        self,
        *,
        verb: str,
        target_id: int,
        target_title: str,
        data: dict[str, Any],
        envelope: dict[str, Any] | None = None,
    ) -> Activity:
        """Add the Activity with the board's next seq; its event is sent after commit. In a
        board_write() on PostgreSQL the row is inserted when the write ends, and its pk
        stays unset. `envelope`: the event's fields besides `data` (Activity.envelope), kept
        with it for replays."""
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
            envelope=envelope or {},
        )
        self.insert_later(activity)
        publish_on_commit(activity, actor=self.actor)
        return activity

    def save(self) -> None:
        """The deferred writes and the board's version, seq and updated_at, in one statement
        (on PostgreSQL; elsewhere the board's row alone is left to write)."""
        alias = router.db_for_write(Board)
        if self.touched:
            self.deferred.update(self.board, ["version", "event_seq", "updated_at"], using=alias)
        self.deferred.run(using=alias)


@contextmanager
def board_write(
    *, actor: User, board_id: int | None = None, of: tuple[type[Model], int] | None = None
) -> Iterator[BoardWrite]:
    """Run a write to the board in one transaction, holding the board's row lock. The
    board is `board_id`, or the board of row `of` = (model, id): a write through a task
    then needs no read before it to find the task's board."""
    with transaction.atomic():
        locked: LockedBoard[Board]
        if of is not None:
            model, row_id = of
            locked = lock_board_of(Board, Membership, of=model, row_id=row_id, user_id=actor.pk)
        else:
            assert board_id is not None
            locked = lock_board(Board, Membership, board_id=board_id, user_id=actor.pk)
        # The board on the log lines of the rest of the request or task (a write through a
        # task learns it only here).
        bind_board(locked.board.pk)
        alias = router.db_for_write(Board)
        write = BoardWrite(
            board=locked.board,
            actor=actor,
            role=permissions.as_role(locked.role),
            deferred=DeferredWrites(enabled=defers_writes(alias)),
        )
        yield write
        write.save()


def new_board_write(*, board: Board, actor: User) -> BoardWrite:
    """The write that creates `board` (inside the caller's transaction): the board starts
    at version 1, so creating it records without a bump."""
    return BoardWrite(board=board, actor=actor, role=Role.OWNER, touched=True)
