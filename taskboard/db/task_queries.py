"""The task queries written out in SQL, each next to its fallback for other databases.

Every task write runs these while it holds the board's lock (tasks/locked_reads.py), in as
few round trips as the write allows: the board's other writers wait for each of them
(docs/benchmarks.md). On PostgreSQL a write's reads are folded into one statement where
they can be (the new task's id from its sequence, the task's assignees and labels, the
window of positions a move reads); elsewhere (SQLite, the embedded default) the same reads
run one by one. Tables and columns come from the models' metadata, never from input.

What the queries found comes back as dataclasses, not as attributes set on the model
instances.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connections, router
from django.db.models import Q, QuerySet

from accounts.models import User
from boards.models import BoardList, Label, Membership
from taskboard.db.compiled import columns_of, fetch_instance, fetch_instance_and_extra
from tasks.models import SEARCH_CONFIG, Task, task_search_vector

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
# write reads them with the task instead of in a statement of their own.
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
# create inserts the task with the write's closing statement (writes/board_transaction.py).
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
# A task's own row and the caller's role on its board, in one join: the ORM's annotated
# subquery cost several times the CPU of this (docs/benchmarks.md).
TASK_FOR_MEMBER_SQL = (
    f'SELECT {columns_of(Task, "t")}, m.role AS user_role FROM "{_TASK_TABLE}" t '  # noqa: S608
    f'JOIN "{Membership._meta.db_table}" m ON m.board_id = t.board_id AND m.user_id = %s '
    "WHERE t.id = %s"
)

# Rows of (id, name) or (id, name, color), as JSON arrays or as the cursor gives them.
Rows = Sequence[Sequence[Any]]


def _on_postgresql(alias: str) -> bool:
    return connections[alias].vendor == "postgresql"


@dataclass(frozen=True)
class ListForWrite:
    """A list a task goes to, with what placing the task there needs."""

    board_list: BoardList
    # The position of the list's last task (None: the list is empty).
    last_position: int | None
    # The list's tasks, counted only for a list with a WIP limit (else None).
    task_count: int | None
    # A create's new task id, taken from its sequence (PostgreSQL only, else None).
    new_task_id: int | None = None


@dataclass(frozen=True)
class SiblingsWindow:
    """The positions a move to `index` reads first (writes.ordering.window_for) and the
    last one's, among the target list's tasks but the moving one."""

    index: int
    positions: list[int]
    last: int | None


@dataclass(frozen=True)
class FreshTask:
    """A task read under the board's lock, its creator's id and name loaded; on PostgreSQL
    with its assignees' (id, name) and labels' (id, name, color) rows, else None."""

    task: Task
    related: tuple[Rows, Rows] | None = None


def _with_creator(task: Task, creator_name: str | None, alias: str) -> Task:
    if task.created_by_id is not None:
        # Only id and name are loaded; any other field would be read when first used.
        task.created_by = User.from_db(alias, ["id", "name"], [task.created_by_id, creator_name])
    return task


def list_for_write(*, list_id: int, board_id: int, for_create: bool = False) -> ListForWrite | None:
    """The board's list `list_id` with its placing columns; `for_create` on PostgreSQL also
    takes the new task's id from its sequence."""
    alias = router.db_for_write(BoardList)
    with_id = for_create and _on_postgresql(alias)
    extra = ["last_position", "task_count"]
    found = fetch_instance_and_extra(
        BoardList,
        LIST_FOR_CREATE_SQL if with_id else LIST_FOR_WRITE_SQL,
        [list_id, board_id],
        extra=[*extra, "new_task_id"] if with_id else extra,
        using=alias,
    )
    if found is None:
        return None
    board_list, values = found
    return ListForWrite(board_list, *values)


def fresh_task(*, task_id: int, board_id: int) -> FreshTask | None:
    """The board's task `task_id` with its creator's name, and on PostgreSQL its assignees
    and labels, in one statement."""
    alias = router.db_for_write(Task)
    related = _on_postgresql(alias)
    found = fetch_instance_and_extra(
        Task,
        FRESH_TASK_WITH_RELATED_SQL if related else FRESH_TASK_SQL,
        [task_id, board_id],
        extra=["created_by_name", "assignee_rows", "label_rows"] if related else ["created_by_name"],
        using=alias,
    )
    if found is None:
        return None
    task, values = found
    _with_creator(task, values[0], alias)
    if not related:
        return FreshTask(task)
    return FreshTask(task, (values[1] or [], values[2] or []))


@dataclass(frozen=True)
class TaskAndList:
    task: FreshTask
    # None: no list `list_id` on the task's board.
    target: ListForWrite | None
    # What a move to the index reads first, when read with the task (PostgreSQL).
    window: SiblingsWindow | None


def fresh_task_and_list(
    *, task_id: int, board_id: int, list_id: int, index: int, window: tuple[int, int]
) -> TaskAndList | None:
    """fresh_task() and list_for_write() in one round trip on PostgreSQL (a move holds the
    board's lock meanwhile: each statement less is a shorter wait for the next writer), with
    the siblings' positions at `window` = (offset, limit) for `index`; elsewhere the two
    reads one after the other, without the window. None when there is no such task."""
    alias = router.db_for_write(Task)
    if not _on_postgresql(alias):
        fresh = fresh_task(task_id=task_id, board_id=board_id)
        if fresh is None:
            return None
        return TaskAndList(fresh, list_for_write(list_id=list_id, board_id=board_id), None)
    offset, limit = window
    with connections[alias].cursor() as cursor:
        cursor.execute(FRESH_TASK_AND_LIST_SQL, [limit, offset, list_id, task_id, board_id])
        row = cursor.fetchone()
    if row is None:
        return None
    task_fields = Task._meta.concrete_fields
    split = len(task_fields)
    task = _with_creator(
        Task.from_db(alias, [f.attname for f in task_fields], row[:split]), row[split], alias
    )
    fresh = FreshTask(task, (row[split + 1] or [], row[split + 2] or []))
    split += 3
    list_row = row[split : split + len(_LIST_FIELDS)]
    if list_row[0] is None:
        return TaskAndList(fresh, None, None)
    board_list = BoardList.from_db(alias, [field.attname for field in _LIST_FIELDS], list_row)
    last_position, task_count, positions, last_sibling = row[split + len(_LIST_FIELDS) :]
    return TaskAndList(
        fresh,
        ListForWrite(board_list, last_position, task_count),
        SiblingsWindow(index, list(positions), last_sibling),
    )


def task_row_for_member(*, user_id: int, task_id: int) -> Task | None:
    """The task's own row with `user_role`, the role of `user_id` on its board (None when
    they are no member: no row)."""
    return fetch_instance(
        Task, TASK_FOR_MEMBER_SQL, [user_id, task_id], extra=["user_role"], using=router.db_for_read(Task)
    )


def tasks_matching_words(tasks: QuerySet[Task], words: list[str]) -> QuerySet[Task]:
    """Tasks whose title or description has words starting with every one of `words`
    (word characters only). On PostgreSQL the GIN-indexed full-text match (prefix queries,
    so a word matches while it is being typed); elsewhere a substring match."""
    if _on_postgresql(tasks.db):
        # Only word characters reach the raw tsquery, so it can't be malformed.
        query = SearchQuery(
            " & ".join(f"{word}:*" for word in words), config=SEARCH_CONFIG, search_type="raw"
        )
        return tasks.alias(search=task_search_vector()).filter(search=query)
    for word in words:
        tasks = tasks.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return tasks
