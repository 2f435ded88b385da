"""Reads of boards, members, invitations, lists and labels (DESIGN.md rule 2).

The *_get_for_user selectors fetch and authorize in one query: a caller who is not a
member of the board gets the model's DoesNotExist, exactly as for an id that doesn't exist.
What they return carries the caller's role as `user_role`.
"""

import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import router
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from taskboard.db.compiled import CompiledRead, columns_of, fetch_instance
from taskboard.db.ids import MAX_ID

from .models import Board, BoardList, Invitation, Label, Membership
from .representations import (
    FormattedDateTime,
    board_representation,
    invitation_representation,
    member_representation,
)


def role_subquery(user: User, *, board_field: str = "pk") -> Subquery:
    """The role of `user` on the board of each row (None for non-members)."""
    return Subquery(Membership.objects.filter(board=OuterRef(board_field), user=user).values("role")[:1])


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


# Every board endpoint starts here, so it is written out: one indexed join. The ORM's
# annotated subquery for the same row cost about 1.5 ms of CPU to build and compile, five
# times this, and more than the rest of a warm board read (docs/benchmarks.md).
# Built from the models' own table and column names, never from input.
BOARD_FOR_MEMBER_SQL = (
    f'SELECT {columns_of(Board, "b")}, m.role AS user_role FROM "{Board._meta.db_table}" b '  # noqa: S608
    f'JOIN "{Membership._meta.db_table}" m ON m.board_id = b.id AND m.user_id = %s '
    "WHERE b.id = %s"
)


def board_get_for_user(*, user: User, board_id: int) -> Board:
    """The board, with `user_role`; Board.DoesNotExist unless `user` is a member."""
    if not _authenticated(user) or not 1 <= board_id <= MAX_ID:
        raise Board.DoesNotExist("Board not found.")
    board = fetch_instance(
        Board, BOARD_FOR_MEMBER_SQL, [user.pk, board_id], extra=["user_role"], using=router.db_for_read(Board)
    )
    if board is None:
        raise Board.DoesNotExist("Board not found.")
    return board


def board_list_for_user(*, user: User, archived: bool | None = False) -> QuerySet[Board]:
    """The boards `user` belongs to, most recently changed first, each with `user_role`
    and `member_count`. `archived=None` gives archived and active boards alike."""
    member_count = Subquery(
        Membership.objects.filter(board=OuterRef("pk"))
        .order_by()
        .values("board")
        .annotate(count=Count("pk"))
        .values("count")
    )
    boards = Board.objects.filter(pk__in=Membership.objects.filter(user=user).values("board_id"))
    if archived is not None:
        boards = boards.filter(archived=archived)
    return boards.annotate(user_role=role_subquery(user), member_count=member_count).order_by(
        "-updated_at", "-id"
    )


@dataclass(frozen=True)
class BoardDetailReads:
    lists: CompiledRead
    labels: CompiledRead
    assignees: CompiledRead
    task_labels: CompiledRead
    tasks: CompiledRead
    members: CompiledRead


@functools.cache
def board_detail_reads() -> BoardDetailReads:
    # Imported here: tasks depends on boards, not the other way round at import time.
    from tasks.models import Task
    from tasks.representations import task_row_columns

    assignment, labelling = Task.assignees.through, Task.labels.through
    return BoardDetailReads(
        lists=CompiledRead(
            BoardList,
            lambda board_id: (
                BoardList.objects.filter(board_id=board_id)
                .order_by("position", "id")
                .values_list("id", "board_id", "title", "position", "wip_limit")
            ),
        ),
        labels=CompiledRead(
            Label,
            lambda board_id: (
                Label.objects.filter(board_id=board_id)
                .order_by("name", "id")
                .values_list("id", "name", "color")
            ),
        ),
        assignees=CompiledRead(
            assignment,
            lambda board_id: (
                assignment.objects.filter(task__board_id=board_id)
                .order_by("user_id")
                .values_list("task_id", "user_id", "user__name")
            ),
        ),
        task_labels=CompiledRead(
            labelling,
            lambda board_id: (
                labelling.objects.filter(task__board_id=board_id)
                .order_by("label_id")
                .values_list("task_id", "label_id")
            ),
        ),
        tasks=CompiledRead(
            Task,
            lambda board_id: (
                Task.objects.filter(board_id=board_id)
                .order_by("position", "id")
                .values_list(*task_row_columns())
            ),
        ),
        members=CompiledRead(
            Membership,
            lambda board_id: (
                Membership.objects.filter(board_id=board_id)
                .order_by("joined_at", "id")
                .values_list("role", FormattedDateTime("joined_at"), "user_id", "user__email", "user__name")
            ),
        ),
    )


def board_detail(*, board: Board) -> dict[str, Any]:
    """The board as GET boards/{id}/ shows it: its fields, `lists` in order each with its
    `tasks` in order, `labels` and `members`.

    The hot read: six queries whatever the size of the board, compiled once (CompiledRead),
    rows as tuples and no model instances, timestamps formatted by the database, one dict
    per label and per assignee shared by all their tasks, so it stays fast for thousands
    of tasks. The board row is the caller's (read before these), so the content is never
    older than the version it carries, which makes the result safe to cache under that
    version.
    """
    from tasks.representations import task_row_representation

    reads = board_detail_reads()
    lists = [
        {"id": pk, "board_id": board_id, "title": title, "position": position, "wip_limit": wip_limit}
        for pk, board_id, title, position, wip_limit in reads.lists.rows(board.pk)
    ]
    labels = [{"id": pk, "name": name, "color": color} for pk, name, color in reads.labels.rows(board.pk)]
    labels_by_id = {label["id"]: label for label in labels}

    people: dict[int, dict[str, Any]] = {}
    assignees_by_task: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for task_id, user_id, name in reads.assignees.rows(board.pk):
        person = people.get(user_id)
        if person is None:
            person = people[user_id] = {"id": user_id, "name": name}
        assignees_by_task[task_id].append(person)
    labels_by_task: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for task_id, label_id in reads.task_labels.rows(board.pk):
        labels_by_task[task_id].append(labels_by_id[label_id])

    tasks_by_list: dict[int, list[dict[str, Any]]] = {board_list["id"]: [] for board_list in lists}
    for row in reads.tasks.rows(board.pk):
        bucket = tasks_by_list.get(row[2])
        if bucket is not None:
            task_id = row[0]
            bucket.append(
                task_row_representation(
                    row,
                    assignees=assignees_by_task.get(task_id, []),
                    labels=labels_by_task.get(task_id, []),
                )
            )

    members = [
        {"user": {"id": user_id, "email": email, "name": name}, "role": role, "joined_at": joined_at}
        for role, joined_at, user_id, email, name in reads.members.rows(board.pk)
    ]
    return {
        **board_representation(board),
        "member_count": len(members),
        "lists": [{**board_list, "tasks": tasks_by_list[board_list["id"]]} for board_list in lists],
        "labels": labels,
        "members": members,
    }


def board_stats(*, board: Board) -> dict[str, Any]:
    """GET boards/{id}/stats/: totals, overdue (open and due in the past), per list in
    board order and per assignee. Three queries."""
    from tasks.models import Task

    totals = Task.objects.filter(board=board).aggregate(
        tasks_total=Count("pk"),
        tasks_completed=Count("pk", filter=Q(completed=True)),
        tasks_overdue=Count("pk", filter=Q(completed=False, due_at__lt=timezone.now())),
    )
    by_list = [
        {"list_id": list_id, "title": title, "count": count}
        for list_id, title, count in BoardList.objects.filter(board=board)
        .order_by("position", "id")
        .annotate(count=Count("tasks"))
        .values_list("id", "title", "count")
    ]
    by_assignee = [
        {"user_id": row["user_id"], "count": row["count"]}
        for row in Task.assignees.through.objects.filter(task__board=board)
        .values("user_id")
        .annotate(count=Count("pk"))
        .order_by("user_id")
    ]
    return {**totals, "by_list": by_list, "by_assignee": by_assignee}


def member_list(*, board: Board) -> list[dict[str, Any]]:
    """GET boards/{id}/members/, in the order people joined."""
    memberships = Membership.objects.filter(board=board).select_related("user").order_by("joined_at", "id")
    return [member_representation(membership, membership.user) for membership in memberships]


def invitation_list(*, board: Board) -> list[dict[str, Any]]:
    """GET boards/{id}/invitations/: the pending ones (not accepted, not expired)."""
    invitations = (
        Invitation.objects.filter(board=board, accepted_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("invited_by")
        .order_by("created_at", "id")
    )
    return [invitation_representation(invitation, invitation.invited_by) for invitation in invitations]


def invitation_get_for_user(*, user: User, board_id: int, invitation_id: int) -> Invitation:
    """A pending invitation of the board, with `user_role`; Invitation.DoesNotExist for
    non-members (admin+ is checked by the service or the view)."""
    if not _authenticated(user):
        raise Invitation.DoesNotExist("Invitation not found.")
    return Invitation.objects.annotate(user_role=role_subquery(user, board_field="board_id")).get(
        pk=invitation_id, board_id=board_id, accepted_at__isnull=True, user_role__isnull=False
    )


def list_get_for_user(*, user: User, list_id: int) -> BoardList:
    """The list, with `user_role`; BoardList.DoesNotExist unless `user` is a member."""
    if not _authenticated(user):
        raise BoardList.DoesNotExist("List not found.")
    return BoardList.objects.annotate(user_role=role_subquery(user, board_field="board_id")).get(
        pk=list_id, user_role__isnull=False
    )


def label_get_for_user(*, user: User, label_id: int) -> Label:
    """The label, with `user_role`; Label.DoesNotExist unless `user` is a member."""
    if not _authenticated(user):
        raise Label.DoesNotExist("Label not found.")
    return Label.objects.annotate(user_role=role_subquery(user, board_field="board_id")).get(
        pk=label_id, user_role__isnull=False
    )


def label_list(*, board: Board) -> QuerySet[Label]:
    return Label.objects.filter(board=board).order_by("name", "id")


def list_order(*, board: Board) -> list[BoardList]:
    """The board's lists, left to right (title and position only)."""
    return list(
        BoardList.objects.filter(board=board).order_by("position", "id").only("id", "title", "position")
    )
