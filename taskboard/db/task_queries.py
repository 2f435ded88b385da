"""The task queries written out in SQL, each next to its fallback for other databases.

Every task write runs these while it holds the board's lock (tasks/locked_reads.py), in as
few round trips as the write allows: the board's other writers wait for each of them
(docs/benchmarks.md). On PostgreSQL a write's reads are folded into one statement where
they can be (the new task's id from its sequence, the task's assignees and labels, the
window of positions a move reads); elsewhere (SQLite, the embedded default) the same reads
run one by one. Tables and columns come from the models' metadata, never from input.

taskboard imports no app: TaskQueries is given the models (and the search expression) it
queries, builds its statements once, and the tasks app keeps the one instance
(tasks/queries.py). The task model has `board`, `list`, `created_by`, `position`, `title`,
`description`; the list model `board`, `wip_limit`; the user and label models `name` (the
label also `color`); the membership model `board`, `user`, `role`; the assignment and
labelling models (the task's many-to-many tables) `board`, `task` and `user` or `label`.

What the queries found comes back as dataclasses, not as attributes set on the model
instances.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections, router
from django.db.models import Model, Q, QuerySet

from taskboard.db.compiled import columns_of, fetch_instance, fetch_instance_and_extra, field_named

TaskT = TypeVar("TaskT", bound=Model)
ListT = TypeVar("ListT", bound=Model)

# Rows of (id, name) or (id, name, color), as JSON arrays or as the cursor gives them.
Rows = Sequence[Sequence[Any]]


def _on_postgresql(alias: str) -> bool:
    return connections[alias].vendor == "postgresql"


@dataclass(frozen=True)
class ListForWrite(Generic[ListT]):
    """A list a task goes to, with what placing the task there needs."""

    board_list: ListT
    # The position of the list's last task (None: the list is empty).
    last_position: int | None
    # The list's tasks, counted: the WIP limit's check, and the new count the write's event
    # carries (docs/api.md, the event's `lists`).
    task_count: int
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
class OwnList:
    """The list a task is in, as a write that takes the task out of it needs it: its tasks,
    counted (the task among them), and its WIP limit."""

    task_count: int
    wip_limit: int | None


@dataclass(frozen=True)
class FreshTask(Generic[TaskT]):
    """A task read under the board's lock, its creator's id and name loaded; on PostgreSQL
    with its assignees' (id, name) and labels' (id, name, color) rows, else None; its own
    list's count when asked for (else None)."""

    task: TaskT
    related: tuple[Rows, Rows] | None = None
    own_list: OwnList | None = None


@dataclass(frozen=True)
class TaskAndList(Generic[TaskT, ListT]):
    task: FreshTask[TaskT]
    # None: no list `list_id` on the task's board.
    target: ListForWrite[ListT] | None
    # What a move to the index reads first, when read with the task (PostgreSQL).
    window: SiblingsWindow | None


class TaskQueries(Generic[TaskT, ListT]):
    """The task queries over the models given, their statements built once, here."""

    def __init__(
        self,
        *,
        task: type[TaskT],
        board_list: type[ListT],
        label: type[Model],
        membership: type[Model],
        user: type[Model],
        assignment: type[Model],
        labelling: type[Model],
        search_config: str,
        search_vector: Callable[[], SearchVector],
    ) -> None:
        self.task = task
        self.board_list = board_list
        self.user = user
        self.search_config = search_config
        self.search_vector = search_vector
        self._created_by = field_named(task, "created_by")
        self._task_fields = task._meta.concrete_fields
        self._list_fields = board_list._meta.concrete_fields

        # Built from the models' metadata, never from input.
        task_table = task._meta.db_table
        task_list_column = field_named(task, "list").column
        user_table = user._meta.db_table
        list_table = board_list._meta.db_table
        task_pk = task._meta.pk
        assert task_pk is not None
        # What placing a task in list `l` needs: the last task's position (to append) and
        # its task count (the WIP limit; the write's event carries the new count).
        placing_columns = (
            f'(SELECT p.position FROM "{task_table}" p WHERE p."{task_list_column}" = l.id '  # noqa: S608
            "ORDER BY p.position DESC LIMIT 1) AS last_position, "
            f'(SELECT count(*) FROM "{task_table}" c WHERE c."{task_list_column}" = l.id) AS task_count'
        )
        # The list task `t` is in (OwnList): what a write that takes the task out of it
        # tells of it (a delete, a move to another list).
        own_list_count = (
            f'(SELECT count(*) FROM "{task_table}" o '  # noqa: S608
            f'WHERE o."{task_list_column}" = t."{task_list_column}")'
        )
        own_list_limit = f'(SELECT ol.wip_limit FROM "{list_table}" ol WHERE ol.id = t."{task_list_column}")'  # noqa: S608
        # Task `t` with its creator's name: all the representation shows of the creator.
        task_with_creator = f"{columns_of(task, 't')}, u.name AS created_by_name"
        task_join_creator = f'"{task_table}" t LEFT JOIN "{user_table}" u ON u.id = t.created_by_id'
        # Task `t`'s assignees and labels as JSON arrays of rows (NULL for none), PostgreSQL
        # only: a write reads them with the task instead of in a statement of their own.
        task_related = (
            "(SELECT json_agg(json_build_array(a.user_id, au.name)) "  # noqa: S608
            f'FROM "{assignment._meta.db_table}" a JOIN "{user_table}" au ON au.id = a.user_id '
            "WHERE a.board_id = t.board_id AND a.task_id = t.id) AS assignee_rows, "
            "(SELECT json_agg(json_build_array(x.label_id, xl.name, xl.color)) "
            f'FROM "{labelling._meta.db_table}" x JOIN "{label._meta.db_table}" xl ON xl.id = x.label_id '
            "WHERE x.board_id = t.board_id AND x.task_id = t.id) AS label_rows"
        )

        # The list a task goes to: one written-out query instead of three ORM ones, whose
        # compiling cost more CPU than the rest of a task create (docs/benchmarks.md).
        self.list_for_write_sql = (
            f"SELECT {columns_of(board_list, 'l')}, {placing_columns} "  # noqa: S608
            f'FROM "{list_table}" l WHERE l.id = %s AND l.board_id = %s'
        )
        # The same for a task create on PostgreSQL, with the new task's id from its sequence:
        # the create inserts the task with the write's closing statement
        # (writes/board_transaction.py).
        self.list_for_create_sql = (
            f"SELECT {columns_of(board_list, 'l')}, {placing_columns}, "  # noqa: S608
            f"nextval(pg_get_serial_sequence('\"{task_table}\"', '{task_pk.column}')) AS new_task_id "
            f'FROM "{list_table}" l WHERE l.id = %s AND l.board_id = %s'
        )
        # By (with the related rows, with the own list's count).
        self.fresh_task_sqls = {
            (related, counted): (
                f"SELECT {task_with_creator}"  # noqa: S608
                + (f", {task_related}" if related else "")
                + (f", {own_list_count} AS own_count, {own_list_limit} AS own_wip_limit" if counted else "")
                + f" FROM {task_join_creator} WHERE t.id = %s AND t.board_id = %s"
            )
            for related in (False, True)
            for counted in (False, True)
        }
        # List `l`'s tasks but task `t`.
        siblings = f'FROM "{task_table}" s WHERE s."{task_list_column}" = l.id AND s.id <> t.id '
        self.fresh_task_and_list_sql = (
            f"SELECT {task_with_creator}, {task_related}, "  # noqa: S608
            # The task's own list only when it moves out of it.
            f'CASE WHEN l.id = t."{task_list_column}" THEN NULL ELSE {own_list_count} END AS own_count, '
            f'CASE WHEN l.id = t."{task_list_column}" THEN NULL ELSE {own_list_limit} END AS own_wip_limit, '
            f"{columns_of(board_list, 'l')}, {placing_columns}, "
            # The new neighbours' positions (writes.ordering.window_for) and the last one's,
            # the moving task left out: what place_at_index() reads.
            f"ARRAY(SELECT s.position {siblings}ORDER BY s.position LIMIT %s OFFSET %s) AS window_positions, "
            f"(SELECT s.position {siblings}ORDER BY s.position DESC LIMIT 1) AS last_sibling "
            f"FROM {task_join_creator} "
            f'LEFT JOIN "{list_table}" l ON l.id = %s AND l.board_id = t.board_id '
            "WHERE t.id = %s AND t.board_id = %s"
        )
        # A task's own row and the caller's role on its board, in one join: the ORM's
        # annotated subquery cost several times the CPU of this (docs/benchmarks.md).
        self.task_for_member_sql = (
            f'SELECT {columns_of(task, "t")}, m.role AS user_role FROM "{task_table}" t '  # noqa: S608
            f'JOIN "{membership._meta.db_table}" m ON m.board_id = t.board_id AND m.user_id = %s '
            "WHERE t.id = %s"
        )

    def _with_creator(self, task: TaskT, creator_name: str | None, alias: str) -> TaskT:
        creator_id = getattr(task, self._created_by.attname)
        if creator_id is not None:
            # Only id and name are loaded; any other field would be read when first used.
            creator = self.user.from_db(alias, ["id", "name"], [creator_id, creator_name])
            setattr(task, self._created_by.name, creator)
        return task

    def list_for_write(
        self, *, list_id: int, board_id: int, for_create: bool = False
    ) -> ListForWrite[ListT] | None:
        """The board's list `list_id` with its placing columns; `for_create` on PostgreSQL
        also takes the new task's id from its sequence."""
        alias = router.db_for_write(self.board_list)
        with_id = for_create and _on_postgresql(alias)
        extra = ["last_position", "task_count"]
        found = fetch_instance_and_extra(
            self.board_list,
            self.list_for_create_sql if with_id else self.list_for_write_sql,
            [list_id, board_id],
            extra=[*extra, "new_task_id"] if with_id else extra,
            using=alias,
        )
        if found is None:
            return None
        board_list, values = found
        return ListForWrite(board_list, *values)

    def fresh_task(self, *, task_id: int, board_id: int, own_list: bool = False) -> FreshTask[TaskT] | None:
        """The board's task `task_id` with its creator's name, on PostgreSQL its assignees
        and labels, and given `own_list` its list's count (OwnList), in one statement."""
        alias = router.db_for_write(self.task)
        related = _on_postgresql(alias)
        extra = ["created_by_name"]
        if related:
            extra += ["assignee_rows", "label_rows"]
        if own_list:
            extra += ["own_count", "own_wip_limit"]
        found = fetch_instance_and_extra(
            self.task, self.fresh_task_sqls[related, own_list], [task_id, board_id], extra=extra, using=alias
        )
        if found is None:
            return None
        task, values = found
        self._with_creator(task, values[0], alias)
        rows = (values[1] or [], values[2] or []) if related else None
        counted = OwnList(values[-2], values[-1]) if own_list else None
        return FreshTask(task, rows, counted)

    def fresh_task_and_list(
        self, *, task_id: int, board_id: int, list_id: int, index: int, window: tuple[int, int]
    ) -> TaskAndList[TaskT, ListT] | None:
        """fresh_task() and list_for_write() in one round trip on PostgreSQL (a move holds
        the board's lock meanwhile: each statement less is a shorter wait for the next
        writer), with the siblings' positions at `window` = (offset, limit) for `index`;
        elsewhere the two reads one after the other, without the window. None when there
        is no such task."""
        alias = router.db_for_write(self.task)
        if not _on_postgresql(alias):
            fresh = self.fresh_task(task_id=task_id, board_id=board_id, own_list=True)
            if fresh is None:
                return None
            return TaskAndList(fresh, self.list_for_write(list_id=list_id, board_id=board_id), None)
        offset, limit = window
        with connections[alias].cursor() as cursor:
            cursor.execute(self.fresh_task_and_list_sql, [limit, offset, list_id, task_id, board_id])
            row = cursor.fetchone()
        if row is None:
            return None
        split = len(self._task_fields)
        task = self.task.from_db(alias, [field.attname for field in self._task_fields], row[:split])
        related = (row[split + 1] or [], row[split + 2] or [])
        own_count, own_wip_limit = row[split + 3 : split + 5]
        own_list = None if own_count is None else OwnList(own_count, own_wip_limit)
        fresh = FreshTask(self._with_creator(task, row[split], alias), related, own_list)
        split += 5
        list_row = row[split : split + len(self._list_fields)]
        if list_row[0] is None:
            return TaskAndList(fresh, None, None)
        board_list = self.board_list.from_db(alias, [field.attname for field in self._list_fields], list_row)
        last_position, task_count, positions, last_sibling = row[split + len(self._list_fields) :]
        return TaskAndList(
            fresh,
            ListForWrite(board_list, last_position, task_count),
            SiblingsWindow(index, list(positions), last_sibling),
        )

    def task_row_for_member(self, *, user_id: int, task_id: int) -> TaskT | None:
        """The task's own row with `user_role`, the role of `user_id` on its board (None
        when they are no member: no row)."""
        return fetch_instance(
            self.task,
            self.task_for_member_sql,
            [user_id, task_id],
            extra=["user_role"],
            using=router.db_for_read(self.task),
        )

    def tasks_matching_words(self, tasks: QuerySet[TaskT], words: list[str]) -> QuerySet[TaskT]:
        """Tasks whose title or description has words starting with every one of `words`
        (word characters only). On PostgreSQL the GIN-indexed full-text match (prefix
        queries, so a word matches while it is being typed); elsewhere a substring match."""
        if _on_postgresql(tasks.db):
            # Only word characters reach the raw tsquery, so it can't be malformed.
            query = SearchQuery(
                " & ".join(f"{word}:*" for word in words), config=self.search_config, search_type="raw"
            )
            # Through the class: on a queryset of a type variable the django-stubs plugin
            # types `tasks.alias()` as a queryset of the bound (Model); the stubs' Self is right.
            return QuerySet.alias(tasks, search=self.search_vector()).filter(search=query)
        for word in words:
            tasks = tasks.filter(Q(title__icontains=word) | Q(description__icontains=word))
        return tasks
