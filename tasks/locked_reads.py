"""What a task write reads while it holds the board's lock (writes/board_transaction.py).

The queries themselves, written out in SQL for PostgreSQL with their fallbacks elsewhere,
are taskboard/db/task_queries.py's (the one instance over these models is
tasks/queries.py's TASK_QUERIES); here they become the write's typed values and its
field errors.
"""

from typing import Any, TypeGuard

from django.db import router
from django.db.models import Exists, Q, Subquery

from accounts.models import User
from boards.models import Board, Label
from taskboard.db.ids import MAX_ID
from writes import BoardWrite, FieldErrors, window_for

from .models import Task
from .queries import TASK_QUERIES, FreshTask, ListForWrite, Rows, SiblingsWindow
from .representations import task_representation
from .selectors import task_detail_reads

NO_SUCH_LIST = "No list with this id on this board."

__all__ = [
    "NO_SUCH_LIST",
    "FreshTask",
    "ListForWrite",
    "SiblingsWindow",
    "clean_list",
    "fresh_task",
    "fresh_task_and_list",
    "index_after",
    "task_data",
    "task_related",
]


def _an_id(value: object) -> TypeGuard[int]:
    return not isinstance(value, bool) and isinstance(value, int) and 1 <= value <= MAX_ID


def clean_list(
    errors: FieldErrors, board: Board, value: object, *, for_create: bool = False
) -> ListForWrite | None:
    """The board's list `value` with what placing a task there needs; `for_create` takes
    the new task's id too where the database allows (TASK_QUERIES.list_for_write)."""
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add("list_id", "A valid integer is required.")
        return None
    found = None
    if _an_id(value):
        found = TASK_QUERIES.list_for_write(list_id=value, board_id=board.pk, for_create=for_create)
    if found is None:
        errors.add("list_id", NO_SUCH_LIST)
    return found


def fresh_task(write: BoardWrite, task_id: int, *, own_list: bool = False) -> FreshTask:
    """The task re-read under the board's lock (what the caller read before may predate
    another write), with its creator's id and name, where the database allows its
    assignees and labels (task_related()), and given `own_list` its list's count (a write
    that takes the task out of its list tells the new count)."""
    fresh = TASK_QUERIES.fresh_task(task_id=task_id, board_id=write.board.pk, own_list=own_list)
    if fresh is None:
        raise Task.DoesNotExist("Task matching query does not exist.")
    return fresh


def fresh_task_and_list(
    write: BoardWrite, task_id: int, errors: FieldErrors, list_value: object, index: int
) -> tuple[FreshTask, ListForWrite | None, SiblingsWindow | None]:
    """fresh_task() and clean_list() in one round trip where the database allows, with
    what placing the task at `index` in the list reads first (the siblings' window)."""
    if not _an_id(list_value):
        return fresh_task(write, task_id), clean_list(errors, write.board, list_value), None
    found = TASK_QUERIES.fresh_task_and_list(
        task_id=task_id, board_id=write.board.pk, list_id=list_value, index=index, window=window_for(index)
    )
    if found is None:
        raise Task.DoesNotExist("Task matching query does not exist.")
    if found.target is None:
        errors.add("list_id", NO_SUCH_LIST)
    return found.task, found.target, found.window


def task_related(fresh: FreshTask) -> tuple[list[User], list[Label]]:
    """The task's assignees (id and name) and labels (id, name, color): from the rows the
    fresh read brought, else read by two compiled queries."""
    alias = router.db_for_write(Task)
    assignee_rows: Rows
    label_rows: Rows
    if fresh.related is not None:
        assignee_rows, label_rows = fresh.related
    else:
        reads = task_detail_reads()
        assignee_rows = reads.assignees.rows(fresh.task.board_id, fresh.task.pk, using=alias)
        label_rows = reads.labels.rows(fresh.task.board_id, fresh.task.pk, using=alias)
    return (
        [User.from_db(alias, ["id", "name"], row) for row in assignee_rows],
        [Label.from_db(alias, ["id", "name", "color"], row) for row in label_rows],
    )


def task_data(fresh: FreshTask) -> dict[str, Any]:
    """The task's representation, with task_related()'s assignees and labels."""
    assignees, labels = task_related(fresh)
    return task_representation(fresh.task, assignees=assignees, labels=labels)


def index_after(*, list_value: object, anchor_id: int, moving_id: int) -> int:
    """The 0-based index that puts the moving task right after task `anchor_id` among the
    other tasks of list `list_value`, in one query: past the last of them when the anchor
    is not in that list (moved or deleted meanwhile), 0 for a list that is no id (the
    move's check of the list refuses it)."""
    if not _an_id(list_value):
        return 0
    siblings = Task.objects.filter(list_id=list_value).exclude(pk=moving_id)
    if not _an_id(anchor_id):
        return siblings.count()
    # Without the model's ordering, which would join the list and board.
    anchor = Task.objects.filter(pk=anchor_id, list_id=list_value).order_by()
    return siblings.filter(Q(position__lte=Subquery(anchor.values("position"))) | ~Exists(anchor)).count()
