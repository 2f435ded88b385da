"""Reads of tasks and comments (DESIGN.md rule 2)."""

import re
from datetime import datetime
from typing import Any, Literal

from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import F, OrderBy, Prefetch, Q, QuerySet

from accounts.models import User
from boards.models import Board, Label, Membership
from boards.selectors import role_subquery

from .models import SEARCH_CONFIG, Comment, Priority, Task, task_search_vector

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


def _with_related(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """What task_representation() reads, in a fixed number of queries."""
    return tasks.select_related("created_by").prefetch_related(
        Prefetch("assignees", queryset=User.objects.only("id", "name").order_by("id")),
        Prefetch("labels", queryset=Label.objects.order_by("id")),
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
    filtered as API.md says, ready for task_representation(). `due_before` is exclusive,
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
    return _with_related(tasks.order_by(*TASK_ORDERINGS[ordering]))


def _search(tasks: QuerySet[Task], q: str) -> QuerySet[Task]:
    """Tasks whose title or description has words starting with every word of `q`.

    On PostgreSQL this is the GIN-indexed full-text match (prefix queries, so a word
    matches while it is being typed); on SQLite, the embedded default, a substring match.
    """
    words = SEARCH_WORD_RE.findall(q.lower())[:20]
    if not words:
        return tasks
    if connections[tasks.db].vendor == "postgresql":
        # Only word characters reach the raw tsquery, so it can't be malformed.
        query = SearchQuery(
            " & ".join(f"{word}:*" for word in words), config=SEARCH_CONFIG, search_type="raw"
        )
        return tasks.alias(search=task_search_vector()).filter(search=query)
    for word in words:
        tasks = tasks.filter(Q(title__icontains=word) | Q(description__icontains=word))
    return tasks


def comment_list(*, task: Task) -> QuerySet[Comment]:
    """The task's comments, oldest first, ready for comment_representation()."""
    return Comment.objects.filter(task=task).select_related("author").order_by("created_at", "id")


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
