"""Reads of boards, members, invitations, lists and labels (DESIGN.md rule 2).

The *_get_for_user selectors fetch and authorize in one query: a caller who is not a
member of the board gets the model's DoesNotExist, exactly as for an id that doesn't exist.
What they return carries the caller's role as `user_role`.
"""

from collections import defaultdict
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User

from .models import Board, BoardList, Invitation, Label, Membership
from .representations import (
    board_representation,
    format_datetime,
    invitation_representation,
    member_representation,
)


def role_subquery(user: User, *, board_field: str = "pk") -> Subquery:
    """The role of `user` on the board of each row (None for non-members)."""
    return Subquery(Membership.objects.filter(board=OuterRef(board_field), user=user).values("role")[:1])


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def board_get_for_user(*, user: User, board_id: int) -> Board:
    """The board, with `user_role`; Board.DoesNotExist unless `user` is a member."""
    if not _authenticated(user):
        raise Board.DoesNotExist("Board not found.")
    return Board.objects.annotate(user_role=role_subquery(user)).get(pk=board_id, user_role__isnull=False)


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


def board_detail(*, board: Board) -> dict[str, Any]:
    """The board as GET boards/{id}/ shows it: its fields, `lists` in order each with its
    `tasks` in order, `labels` and `members`.

    The hot read: six queries whatever the size of the board, values() rows and no model
    instances, so it stays fast for thousands of tasks. The board row is the caller's
    (read before these), so the content is never older than the version it carries,
    which makes the result safe to cache under that version.
    """
    # Imported here: tasks depends on boards, not the other way round at import time.
    from tasks.models import Task
    from tasks.representations import TASK_ROW_FIELDS, task_row_representation

    lists = list(
        BoardList.objects.filter(board=board)
        .order_by("position", "id")
        .values("id", "board_id", "title", "position", "wip_limit")
    )
    labels: list[dict[str, Any]] = [
        {"id": pk, "name": name, "color": color}
        for pk, name, color in Label.objects.filter(board=board)
        .order_by("name", "id")
        .values_list("id", "name", "color")
    ]
    labels_by_id = {label["id"]: label for label in labels}

    assignees_by_task: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for task_id, user_id, name in (
        Task.assignees.through.objects.filter(task__board=board)
        .order_by("user_id")
        .values_list("task_id", "user_id", "user__name")
    ):
        assignees_by_task[task_id].append({"id": user_id, "name": name})
    labels_by_task: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for task_id, label_id in (
        Task.labels.through.objects.filter(task__board=board)
        .order_by("label_id")
        .values_list("task_id", "label_id")
    ):
        labels_by_task[task_id].append(labels_by_id[label_id])

    tasks_by_list: dict[int, list[dict[str, Any]]] = {board_list["id"]: [] for board_list in lists}
    for row in Task.objects.filter(board=board).order_by("position", "id").values(*TASK_ROW_FIELDS):
        bucket = tasks_by_list.get(row["list_id"])
        if bucket is not None:
            bucket.append(
                task_row_representation(
                    row,
                    assignees=assignees_by_task.get(row["id"], []),
                    labels=labels_by_task.get(row["id"], []),
                )
            )

    members = [
        {
            "user": {"id": user_id, "email": email, "name": name},
            "role": role,
            "joined_at": format_datetime(joined_at),
        }
        for role, joined_at, user_id, email, name in Membership.objects.filter(board=board)
        .order_by("joined_at", "id")
        .values_list("role", "joined_at", "user_id", "user__email", "user__name")
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
