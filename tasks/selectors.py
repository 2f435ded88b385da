"""Reads of tasks and comments (docs/design.md rule 2)."""

import functools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import F, OrderBy, Prefetch, Q, QuerySet

from accounts.models import User
from boards.models import Board, Label, Membership, Role
from boards.selectors import role_subquery
from taskboard.db.compiled import CompiledRead
from taskboard.db.ids import MAX_ID

from .models import Comment, Priority, Task, TaskAssignee, TaskLabel
from .queries import TASK_QUERIES
from .representations import task_row_columns, task_row_representation

# ordering= value → ORDER BY. Undated tasks come last both ways; the id breaks ties so
# pages never overlap.
TASK_ORDERINGS: dict[str, tuple[str | OrderBy, ...]] = {
    "position": ("list__position", "position", "id"),
    "due_at": (F("due_at").asc(nulls_last=True), "id"),
    "-due_at": (F("due_at").desc(nulls_last=True), "-id"),
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "priority": ("priority", "id"),
    "-priority": ("-priority", "-id"),
}
# Words of a search, split as PostgreSQL's parser splits them (on punctuation and "_").
SEARCH_WORD_RE = re.compile(r"[^\W_]+")


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _with_related(tasks: QuerySet[Task], *, board_id: int | None = None) -> QuerySet[Task]:
    """What task_representation() reads, in a fixed number of queries. Given the tasks'
    board, the reads of the assignee and label tables name it (docs/scaling.md)."""
    people = User.objects.only("id", "name").order_by("id")
    labels = Label.objects.order_by("id")
    if board_id is not None:
        # The prefetch joins the through table under its own name (Django's prefetch itself
        # reads `"<through table>"."task_id"` so): the board's predicate goes on that join.
        people = people.extra(where=[f'"{TaskAssignee._meta.db_table}"."board_id" = %s'], params=[board_id])  # noqa: S610
        labels = labels.extra(where=[f'"{TaskLabel._meta.db_table}"."board_id" = %s'], params=[board_id])  # noqa: S610
    return tasks.select_related("created_by").prefetch_related(
        Prefetch("assignees", queryset=people), Prefetch("labels", queryset=labels)
    )


def task_get_for_user(*, user: User, task_id: int) -> Task:
    """The task ready for task_representation(), with `user_role`; Task.DoesNotExist
    unless `user` is a member of its board."""
    if not _authenticated(user):
        raise Task.DoesNotExist("Task not found.")
    tasks = Task.objects.annotate(user_role=role_subquery(user, board_field="board_id")).filter(
        pk=task_id, user_role__isnull=False
    )
    return _with_related(tasks).get()


# Writes (and reads of a task's comments) start here. A write's service reads the task
# again under the board's lock, so this reads only the row and the caller's role, in one
# join (taskboard/db/task_queries.py, through tasks/queries.py).


def task_row_get_for_user(*, user: User, task_id: int) -> Task:
    """The task's own row (not ready for task_representation()), with `user_role`;
    Task.DoesNotExist unless `user` is a member of its board."""
    if not _authenticated(user) or not 1 <= task_id <= MAX_ID:
        raise Task.DoesNotExist("Task not found.")
    task = TASK_QUERIES.task_row_for_member(user_id=user.pk, task_id=task_id)
    if task is None:
        raise Task.DoesNotExist("Task not found.")
    return task


def task_list(
    *,
    user: User,
    board: Board | None = None,
    list_id: int | None = None,
    assignee: int | Literal["me"] | None = None,
    label_id: int | None = None,
    priority: str | None = None,
    completed: bool | None = None,
    due_before: datetime | None = None,
    due_after: datetime | None = None,
    q: str | None = None,
    ordering: str = "position",
) -> QuerySet[Task]:
    """Tasks for GET boards/{id}/tasks/ (`board`, which the caller got from
    board_get_for_user) or GET tasks/ (board None: every board `user` belongs to),
    filtered as docs/api.md says, ready for task_representation(). `due_before` is exclusive,
    `due_after` inclusive, so adjacent ranges don't overlap."""
    if ordering not in TASK_ORDERINGS:
        raise ValidationError({"ordering": [f'"{ordering}" is not a valid choice.']})
    if board is not None:
        tasks = Task.objects.filter(board=board)
    else:
        tasks = Task.objects.filter(board_id__in=Membership.objects.filter(user=user).values("board_id"))
    if list_id is not None:
        tasks = tasks.filter(list_id=list_id)
    if assignee is not None:
        tasks = tasks.filter(assignees=user.pk if assignee == "me" else assignee)
    if label_id is not None:
        tasks = tasks.filter(labels=label_id)
    if priority is not None:
        try:
            tasks = tasks.filter(priority=Priority.from_name(priority))
        except ValueError:
            raise ValidationError({"priority": [f'"{priority}" is not a valid choice.']}) from None
    if completed is not None:
        tasks = tasks.filter(completed=completed)
    if due_before is not None:
        tasks = tasks.filter(due_at__lt=due_before)
    if due_after is not None:
        tasks = tasks.filter(due_at__gte=due_after)
    if q:
        tasks = _search(tasks, q)
    return _with_related(
        tasks.order_by(*TASK_ORDERINGS[ordering]), board_id=None if board is None else board.pk
    )


def _search(tasks: QuerySet[Task], q: str) -> QuerySet[Task]:
    """Tasks whose title or description has words starting with every word of `q`.

    On PostgreSQL this is the GIN-indexed full-text match (prefix queries, so a word
    matches while it is being typed); on SQLite, the embedded default, a substring match
    (TaskQueries.tasks_matching_words).
    """
    words = SEARCH_WORD_RE.findall(q.lower())[:20]
    if not words:
        return tasks
    return TASK_QUERIES.tasks_matching_words(tasks, words)


def comment_list(*, task: Task) -> QuerySet[Comment]:
    """The task's comments, oldest first, ready for comment_representation()."""
    return (
        Comment.objects.filter(board_id=task.board_id, task=task)
        .select_related("author")
        .order_by("created_at", "id")
    )


def comment_settings(*, role: str | None, task_id: int) -> Board | None:
    """The settings of the task's board when they decide whether the caller may comment
    (a viewer: viewers_can_comment); None when the role alone decides (no query)."""
    if role != Role.VIEWER:
        return None
    return Board.objects.only("id", "viewers_can_comment").filter(tasks__pk=task_id).first()


def comment_get_for_user(*, user: User, comment_id: int) -> Comment:
    """The comment with its author, with `user_role`; Comment.DoesNotExist unless `user`
    is a member of its task's board."""
    if not _authenticated(user):
        raise Comment.DoesNotExist("Comment not found.")
    return (
        Comment.objects.annotate(user_role=role_subquery(user, board_field="task__board_id"))
        .select_related("author")
        .get(pk=comment_id, user_role__isnull=False)
    )


# -- task representations from rows (no model instances) ---------------------------------


@dataclass(frozen=True)
class TaskDetailReads:
    task: CompiledRead
    assignees: CompiledRead
    labels: CompiledRead


@functools.cache
def task_detail_reads() -> TaskDetailReads:
    assignment, labelling = TaskAssignee, TaskLabel
    return TaskDetailReads(
        task=CompiledRead(
            Task, lambda task_id: Task.objects.filter(pk=task_id).values_list(*task_row_columns())
        ),
        # (board id, task id): the task row, read first, names its board.
        assignees=CompiledRead(
            assignment,
            lambda board_id, task_id: (
                assignment.objects.filter(board_id=board_id, task_id=task_id)
                .order_by("user_id")
                .values_list("user_id", "user__name")
            ),
            params=2,
        ),
        labels=CompiledRead(
            labelling,
            lambda board_id, task_id: (
                labelling.objects.filter(board_id=board_id, task_id=task_id)
                .order_by("label_id")
                .values_list("label_id", "label__name", "label__color")
            ),
            params=2,
        ),
    )


def task_detail(*, task_id: int) -> dict[str, Any]:
    """The task as task_representation() shows it, read by id in three compiled queries
    (the answer of GET tasks/{id}/ and of every task write); Task.DoesNotExist when it
    is gone. Cheaper than a Task with its related rows prefetched."""
    reads = task_detail_reads()
    rows = reads.task.rows(task_id)
    if not rows:
        raise Task.DoesNotExist("Task not found.")
    board_id = rows[0][1]  # task_row_columns(): id, board_id, …
    return task_row_representation(
        rows[0],
        assignees=[{"id": pk, "name": name} for pk, name in reads.assignees.rows(board_id, task_id)],
        labels=[
            {"id": pk, "name": name, "color": color}
            for pk, name, color in reads.labels.rows(board_id, task_id)
        ],
    )


def task_rows(tasks: QuerySet[Task]) -> QuerySet[Any]:
    """`tasks` (e.g. from task_list) as values_list rows for task_row_representations():
    a page of them costs a query and no model instances."""
    return tasks.select_related(None).prefetch_related(None).values_list(*task_row_columns())


def task_row_representations(rows: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """task_representation()'s shape for task_rows() rows, with their assignees and labels
    in two queries (none for no rows)."""
    if not rows:
        return []
    ids = [row[0] for row in rows]
    # task_row_columns(): id, board_id, …: the rows' boards (one for a page of a board's tasks).
    board_ids = {row[1] for row in rows}
    boards = Q(board_id=rows[0][1]) if len(board_ids) == 1 else Q(board_id__in=board_ids)
    people: dict[int, dict[str, Any]] = {}
    assignees: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for task_id, user_id, name in (
        TaskAssignee.objects.filter(boards, task_id__in=ids)
        .order_by("user_id")
        .values_list("task_id", "user_id", "user__name")
    ):
        person = people.get(user_id)
        if person is None:
            person = people[user_id] = {"id": user_id, "name": name}
        assignees[task_id].append(person)
    kinds: dict[int, dict[str, Any]] = {}
    labels: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for task_id, label_id, name, color in (
        TaskLabel.objects.filter(boards, task_id__in=ids)
        .order_by("label_id")
        .values_list("task_id", "label_id", "label__name", "label__color")
    ):
        label = kinds.get(label_id)
        if label is None:
            label = kinds[label_id] = {"id": label_id, "name": name, "color": color}
        labels[task_id].append(label)
    return [
        task_row_representation(row, assignees=assignees.get(row[0], []), labels=labels.get(row[0], []))
        for row in rows
    ]
