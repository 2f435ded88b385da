"""What a task write reads while it holds the board's lock (writes/board_write.py).

Written-out SQL for the statements every task write runs, in as few round trips as the
write allows: the board's other writers wait for each of them (docs/benchmarks.md). Tables
and columns come from the models' metadata, never from input. Elsewhere than on PostgreSQL
the same reads go through the ORM.
"""

from typing import Any, TypeGuard

from django.db import connections, router

from accounts.models import User
from boards.models import Board, BoardList, Label
from taskboard.db.compiled import columns_of, fetch_instance
from taskboard.db.ids import MAX_ID
from writes import BoardWrite, FieldErrors, window_for

from .models import Task
from .representations import task_representation
from .selectors import task_detail_reads

# Built from the models' metadata, never from input.
_TASK_TABLE = Task._meta.db_table
_TASK_LIST_COLUMN = Task._meta.get_field("list").column
_USER_TABLE = User._meta.db_table
_LIST_FIELDS = BoardList._meta.concrete_fields

# What placing a task in list `l` needs: the last task's position (to append) and, for a list
# with a WIP limit, its task count.
_PLACING_COLUMNS = (
    f'(SELECT p.position FROM "{_TASK_TABLE}" p WHERE p."{_TASK_LIST_COLUMN}" = l.id '  # noqa: S608
    "ORDER BY p.position DESC LIMIT 1) AS last_position, "
    "CASE WHEN l.wip_limit IS NULL THEN NULL ELSE "
    f'(SELECT count(*) FROM "{_TASK_TABLE}" c WHERE c."{_TASK_LIST_COLUMN}" = l.id) END AS task_count'
)
# Task `t` with its creator's name: all the representation shows of the creator.
_TASK_WITH_CREATOR = f"{columns_of(Task, 't')}, u.name AS created_by_name"
_TASK_JOIN_CREATOR = f'"{_TASK_TABLE}" t LEFT JOIN "{_USER_TABLE}" u ON u.id = t.created_by_id'
_ASSIGNMENT = Task.assignees.through
_LABELLING = Task.labels.through
# Task `t`'s assignees and labels as JSON arrays of rows (NULL for none), PostgreSQL only: a
# write reads them with the task instead of in a statement of their own (task_related()).
_TASK_RELATED = (
    "(SELECT json_agg(json_build_array(a.user_id, au.name)) "  # noqa: S608
    f'FROM "{_ASSIGNMENT._meta.db_table}" a JOIN "{_USER_TABLE}" au ON au.id = a.user_id '
    "WHERE a.task_id = t.id) AS assignee_rows, "
    "(SELECT json_agg(json_build_array(x.label_id, xl.name, xl.color)) "
    f'FROM "{_LABELLING._meta.db_table}" x JOIN "{Label._meta.db_table}" xl ON xl.id = x.label_id '
    "WHERE x.task_id = t.id) AS label_rows"
)
_TASK_PK_COLUMN = Task._meta.pk.column

# The list a task goes to: one written-out query instead of three ORM ones, whose compiling
# cost more CPU than the rest of a task create (docs/benchmarks.md).
LIST_FOR_WRITE_SQL = (
    f"SELECT {columns_of(BoardList, 'l')}, {_PLACING_COLUMNS} "  # noqa: S608
    f'FROM "{BoardList._meta.db_table}" l WHERE l.id = %s AND l.board_id = %s'
)
# The same for a task create on PostgreSQL, with the new task's id from its sequence: the
# create inserts the task with the write's closing statement (writes/board_write.py).
LIST_FOR_CREATE_SQL = (
    f"SELECT {columns_of(BoardList, 'l')}, {_PLACING_COLUMNS}, "  # noqa: S608
    f"nextval(pg_get_serial_sequence('\"{_TASK_TABLE}\"', '{_TASK_PK_COLUMN}')) AS new_task_id "
    f'FROM "{BoardList._meta.db_table}" l WHERE l.id = %s AND l.board_id = %s'
)
FRESH_TASK_SQL = f"SELECT {_TASK_WITH_CREATOR} FROM {_TASK_JOIN_CREATOR} WHERE t.id = %s AND t.board_id = %s"  # noqa: S608
FRESH_TASK_WITH_RELATED_SQL = (
    f"SELECT {_TASK_WITH_CREATOR}, {_TASK_RELATED} FROM {_TASK_JOIN_CREATOR} "  # noqa: S608
    "WHERE t.id = %s AND t.board_id = %s"
)
FRESH_TASK_AND_LIST_SQL = (
    f"SELECT {_TASK_WITH_CREATOR}, {_TASK_RELATED}, {columns_of(BoardList, 'l')}, {_PLACING_COLUMNS}, "  # noqa: S608
    # The new neighbours' positions (writes.ordering.window_for) and the last one's, the
    # moving task left out: what place_at_index() reads.
    f'ARRAY(SELECT s.position FROM "{_TASK_TABLE}" s WHERE s."{_TASK_LIST_COLUMN}" = l.id AND s.id <> t.id '
    "ORDER BY s.position LIMIT %s OFFSET %s) AS window_positions, "
    f'(SELECT s.position FROM "{_TASK_TABLE}" s WHERE s."{_TASK_LIST_COLUMN}" = l.id AND s.id <> t.id '
    "ORDER BY s.position DESC LIMIT 1) AS last_sibling "
    f"FROM {_TASK_JOIN_CREATOR} "
    f'LEFT JOIN "{BoardList._meta.db_table}" l ON l.id = %s AND l.board_id = t.board_id '
    "WHERE t.id = %s AND t.board_id = %s"
)
NO_SUCH_LIST = "No list with this id on this board."


def _an_id(value: object) -> TypeGuard[int]:
    return not isinstance(value, bool) and isinstance(value, int) and 1 <= value <= MAX_ID


def _with_creator(task: Task, creator_name: str | None, alias: str) -> Task:
    if task.created_by_id is not None:
        # Only id and name are loaded; any other field would be read when first used.
        task.created_by = User.from_db(alias, ["id", "name"], [task.created_by_id, creator_name])
    return task


JsonRows = list[list[Any]] | None


def _with_related(task: Task, assignee_rows: JsonRows, label_rows: JsonRows) -> Task:
    task.related_rows = (assignee_rows or [], label_rows or [])  # type: ignore[attr-defined]
    return task


def clean_list(
    errors: FieldErrors, board: Board, value: object, *, for_create: bool = False
) -> BoardList | None:
    """The board's list `value`, with `last_position` and `task_count` (None without a WIP
    limit) as attributes; `for_create` on PostgreSQL adds `new_task_id`, the new task's id."""
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add("list_id", "A valid integer is required.")
        return None
    board_list = None
    if _an_id(value):
        alias = router.db_for_write(BoardList)
        with_id = for_create and connections[alias].vendor == "postgresql"
        extra = ["last_position", "task_count"]
        board_list = fetch_instance(
            BoardList,
            LIST_FOR_CREATE_SQL if with_id else LIST_FOR_WRITE_SQL,
            [value, board.pk],
            extra=[*extra, "new_task_id"] if with_id else extra,
            using=alias,
        )
    if board_list is None:
        errors.add("list_id", NO_SUCH_LIST)
    return board_list


def fresh_task(write: BoardWrite, task_id: int) -> Task:
    """The task re-read under the board's lock (what the caller read before may predate
    another write), with its creator's id and name, and on PostgreSQL its assignees and
    labels (task_related())."""
    alias = router.db_for_write(Task)
    related = connections[alias].vendor == "postgresql"
    fresh = fetch_instance(
        Task,
        FRESH_TASK_WITH_RELATED_SQL if related else FRESH_TASK_SQL,
        [task_id, write.board.pk],
        extra=["created_by_name", "assignee_rows", "label_rows"] if related else ["created_by_name"],
        using=alias,
    )
    if fresh is None:
        raise Task.DoesNotExist("Task matching query does not exist.")
    if related:
        _with_related(fresh, fresh.assignee_rows, fresh.label_rows)  # type: ignore[attr-defined]
    return _with_creator(fresh, fresh.created_by_name, alias)  # type: ignore[attr-defined]


def fresh_task_and_list(
    write: BoardWrite, task_id: int, errors: FieldErrors, list_value: object, index: int
) -> tuple[Task, BoardList | None]:
    """fresh_task() and clean_list() in one round trip, on PostgreSQL (a move holds the
    board's lock meanwhile: each statement less is a shorter wait for the next writer),
    with what placing the task at `index` in the list reads first: the list gets
    `siblings_window` (index, the positions at window_for(index), the last sibling's)."""
    alias = router.db_for_write(Task)
    if connections[alias].vendor != "postgresql" or not _an_id(list_value):
        return fresh_task(write, task_id), clean_list(errors, write.board, list_value)
    offset, limit = window_for(index)
    with connections[alias].cursor() as cursor:
        cursor.execute(FRESH_TASK_AND_LIST_SQL, [limit, offset, list_value, task_id, write.board.pk])
        row = cursor.fetchone()
    if row is None:
        raise Task.DoesNotExist("Task matching query does not exist.")
    task_fields = Task._meta.concrete_fields
    split = len(task_fields)
    fresh = _with_creator(
        Task.from_db(alias, [f.attname for f in task_fields], row[:split]), row[split], alias
    )
    _with_related(fresh, row[split + 1], row[split + 2])
    split += 3
    list_row = row[split : split + len(_LIST_FIELDS)]
    if list_row[0] is None:
        errors.add("list_id", NO_SUCH_LIST)
        return fresh, None
    board_list = BoardList.from_db(alias, [field.attname for field in _LIST_FIELDS], list_row)
    last_position, task_count, window, last_sibling = row[split + len(_LIST_FIELDS) :]
    board_list.last_position = last_position  # type: ignore[attr-defined]
    board_list.task_count = task_count  # type: ignore[attr-defined]
    board_list.siblings_window = (index, list(window), last_sibling)  # type: ignore[attr-defined]
    return fresh, board_list


def task_related(task: Task) -> tuple[list[User], list[Label]]:
    """The task's assignees (id and name) and labels (id, name, color): from the row the
    fresh reads above brought on PostgreSQL, else read by two compiled queries."""
    alias = router.db_for_write(Task)
    related = getattr(task, "related_rows", None)
    if related is not None:
        assignee_rows, label_rows = related
    else:
        reads = task_detail_reads()
        assignee_rows = reads.assignees.rows(task.pk, using=alias)
        label_rows = reads.labels.rows(task.pk, using=alias)
    return (
        [User.from_db(alias, ["id", "name"], row) for row in assignee_rows],
        [Label.from_db(alias, ["id", "name", "color"], row) for row in label_rows],
    )


def task_data(task: Task) -> dict[str, Any]:
    """The task's representation, with task_related()'s assignees and labels."""
    assignees, labels = task_related(task)
    return task_representation(task, assignees=assignees, labels=labels)
