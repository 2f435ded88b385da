"""Reads of boards, members, invitations, lists and labels (docs/design.md rule 2).

The *_get_for_user selectors fetch and authorize in one query: a caller who is not a
member of the board gets the model's DoesNotExist, exactly as for an id that doesn't exist.
What they return carries the caller's role as `user_role`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import router
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from taskboard.db.compiled import columns_of, fetch_instance
from taskboard.db.ids import MAX_ID
from tasks.models import Task, TaskAssignee  # models are the data layer every app may read (docs/design.md)

from .models import Board, BoardList, Invitation, Label, Membership, Role
from .permissions import role_of
from .representations import (
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


@dataclass(frozen=True)
class BoardSummary:
    """A board as the caller's list of boards shows it."""

    board: Board
    role: Role | None
    member_count: int


def board_summaries(boards: Iterable[Board]) -> list[BoardSummary]:
    """The boards of board_list_for_user() (a page of them) as BoardSummary rows."""
    return [
        BoardSummary(board=board, role=role_of(board), member_count=getattr(board, "member_count", 0))
        for board in boards
    ]


def board_summary_for_user(*, user: User, board_id: int) -> BoardSummary:
    """One board of board_list_for_user() (archived or not); Board.DoesNotExist unless
    `user` is a member."""
    board = board_list_for_user(user=user, archived=None).get(pk=board_id)
    return board_summaries([board])[0]


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


def board_stats(*, board: Board) -> dict[str, Any]:
    """GET boards/{id}/stats/: totals, overdue (open and due in the past), per list in
    board order and per assignee. Three queries."""

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
        for row in TaskAssignee.objects.filter(board=board)
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
