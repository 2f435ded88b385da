"""Board reads: authorization in the fetch, the board detail's shape and its query budget."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.tests.factories import UserFactory
from boards import selectors, services
from boards.models import Board, BoardList, Label
from boards.tests.factories import (
    BoardFactory,
    BoardListFactory,
    InvitationFactory,
    LabelFactory,
    MembershipFactory,
    board_with_roles,
)
from tasks.board_detail import board_detail
from tasks.models import Task, TaskAssignee, TaskLabel
from tasks.representations import task_representation
from tasks.tests.factories import TaskFactory
from writes.ordering import POSITION_STEP

pytestmark = pytest.mark.django_db

# lists, labels, assignees, task labels, tasks, members: whatever the size of the board.
BOARD_DETAIL_QUERIES = 6


def test_board_get_for_user_carries_the_role() -> None:
    given = board_with_roles()

    board = selectors.board_get_for_user(user=given.viewer, board_id=given.board.pk)

    assert (board.pk, board.user_role) == (given.board.pk, "viewer")  # type: ignore[attr-defined]


@pytest.mark.parametrize("who", ["outsider", "anonymous", "missing board"])
def test_board_get_for_user_is_not_found_for_non_members(who: str) -> None:
    given = board_with_roles()
    user: Any = {"outsider": given.outsider, "anonymous": AnonymousUser(), "missing board": given.owner}[who]
    board_id = 999999 if who == "missing board" else given.board.pk

    with pytest.raises(Board.DoesNotExist):
        selectors.board_get_for_user(user=user, board_id=board_id)


def test_board_list_for_user_shows_only_the_callers_boards() -> None:
    ada = UserFactory.create()
    older = BoardFactory.create(created_by=ada, title="Older", updated_at=timezone.now() - timedelta(days=1))
    newer = BoardFactory.create(title="Newer")
    MembershipFactory.create(board=newer, user=ada, role="viewer")
    MembershipFactory.create(board=newer)
    archived = BoardFactory.create(created_by=ada, archived=True)
    BoardFactory.create(title="Someone else's")

    active = selectors.board_list_for_user(user=ada)
    only_archived = selectors.board_list_for_user(user=ada, archived=True)
    every = selectors.board_list_for_user(user=ada, archived=None)

    rows = [(b.pk, b.user_role, b.member_count) for b in active]  # type: ignore[attr-defined]
    assert rows == [(newer.pk, "viewer", 3), (older.pk, "owner", 1)]
    assert [b.pk for b in only_archived] == [archived.pk]
    assert {b.pk for b in every} == {older.pk, newer.pk, archived.pk}


def test_board_detail_shape() -> None:
    owner = UserFactory.create(name="Olga", email="olga@example.com")
    board = services.board_create(actor=owner, title="Launch", list_titles=["To do", "Done"])
    todo, done = BoardList.objects.filter(board=board).order_by("position")
    Label.objects.filter(board=board).delete()  # the six every board starts with: shown elsewhere
    label = LabelFactory.create(board=board, name="bug", color="#ff0000")
    second = TaskFactory.create(list=todo, title="Second", position=2 * POSITION_STEP, created_by=owner)
    first = TaskFactory.create(
        list=todo,
        title="First",
        position=POSITION_STEP,
        created_by=None,
        due_at=datetime(2030, 1, 2, tzinfo=UTC),
    )
    first.assignees.add(owner, through_defaults={"board_id": first.board_id})
    first.labels.add(label, through_defaults={"board_id": first.board_id})
    board.refresh_from_db()

    detail = board_detail(board=board)

    membership = board.memberships.get()
    assert detail == {
        "id": board.pk,
        "title": "Launch",
        "description": "",
        "archived": False,
        "viewers_can_comment": False,
        "version": 1,
        "created_at": board.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "updated_at": board.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "member_count": 1,
        "lists": [
            {
                "id": todo.pk,
                "board_id": board.pk,
                "title": "To do",
                "position": POSITION_STEP,
                "wip_limit": None,
                "tasks": [task_representation(first), task_representation(second)],
            },
            {
                "id": done.pk,
                "board_id": board.pk,
                "title": "Done",
                "position": 2 * POSITION_STEP,
                "wip_limit": None,
                "tasks": [],
            },
        ],
        "labels": [{"id": label.pk, "name": "bug", "color": "#ff0000"}],
        "members": [
            {
                "user": {"id": owner.pk, "email": "olga@example.com", "name": "Olga"},
                "role": "owner",
                "joined_at": membership.joined_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            }
        ],
    }
    assert detail["lists"][0]["tasks"][0]["assignees"] == [{"id": owner.pk, "name": "Olga"}]
    assert detail["lists"][0]["tasks"][0]["labels"] == [{"id": label.pk, "name": "bug", "color": "#ff0000"}]
    assert detail["lists"][0]["tasks"][0]["created_by"] is None


def seed_board(task_count: int) -> Board:
    given = board_with_roles()
    board = given.board
    lists = [BoardListFactory.create(board=board) for _ in range(5)]
    labels = [LabelFactory.create(board=board) for _ in range(3)]
    tasks = Task.objects.bulk_create(
        Task(
            board=board,
            list=lists[i % 5],
            title=f"Task {i}",
            position=(i + 1) * POSITION_STEP,
            created_by=given.member,
        )
        for i in range(task_count)
    )
    TaskAssignee.objects.bulk_create(
        TaskAssignee(board_id=task.board_id, task_id=task.pk, user_id=user.pk)
        for task in tasks
        for user in (given.member, given.admin)
    )
    TaskLabel.objects.bulk_create(
        TaskLabel(board_id=task.board_id, task_id=task.pk, label_id=label.pk)
        for task in tasks
        for label in labels[:2]
    )
    return board


@pytest.mark.parametrize("task_count", [10, 500])
def test_board_detail_costs_the_same_queries_for_10_and_500_tasks(
    task_count: int, django_assert_num_queries: Any
) -> None:
    board = seed_board(task_count)

    with django_assert_num_queries(BOARD_DETAIL_QUERIES):
        detail = board_detail(board=board)

    assert sum(len(board_list["tasks"]) for board_list in detail["lists"]) == task_count
    assert len(detail["lists"][0]["tasks"][0]["assignees"]) == 2
    assert len(detail["lists"][0]["tasks"][0]["labels"]) == 2


def test_board_stats() -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board, title="To do", position=POSITION_STEP)
    done = BoardListFactory.create(board=given.board, title="Done", position=2 * POSITION_STEP)
    empty = BoardListFactory.create(board=given.board, title="Empty", position=3 * POSITION_STEP)
    past = timezone.now() - timedelta(days=1)
    overdue = TaskFactory.create(list=todo, due_at=past)
    TaskFactory.create(list=todo, due_at=timezone.now() + timedelta(days=1))
    TaskFactory.create(list=done, due_at=past, completed=True)
    overdue.assignees.add(given.member, given.admin, through_defaults={"board_id": overdue.board_id})
    TaskFactory.create()  # another board

    stats = selectors.board_stats(board=given.board)

    assert stats == {
        "tasks_total": 3,
        "tasks_completed": 1,
        "tasks_overdue": 1,
        "by_list": [
            {"list_id": todo.pk, "title": "To do", "count": 2},
            {"list_id": done.pk, "title": "Done", "count": 1},
            {"list_id": empty.pk, "title": "Empty", "count": 0},
        ],
        "by_assignee": sorted(
            [{"user_id": given.member.pk, "count": 1}, {"user_id": given.admin.pk, "count": 1}],
            key=lambda row: row["user_id"],
        ),
    }


def test_member_list_in_join_order() -> None:
    given = board_with_roles()

    members = selectors.member_list(board=given.board)

    assert [(m["user"]["id"], m["role"]) for m in members] == [
        (given.owner.pk, "owner"),
        (given.admin.pk, "admin"),
        (given.member.pk, "member"),
        (given.viewer.pk, "viewer"),
    ]
    assert set(members[0]) == {"user", "role", "joined_at"}
    assert set(members[0]["user"]) == {"id", "email", "name"}


def test_invitation_list_shows_pending_invitations_only() -> None:
    given = board_with_roles()
    pending = InvitationFactory.create(board=given.board, invited_by=given.admin, email="p@example.com")
    InvitationFactory.create(board=given.board, accepted_at=timezone.now())
    InvitationFactory.create(board=given.board, expires_at=timezone.now() - timedelta(seconds=1))

    invitations = selectors.invitation_list(board=given.board)

    assert invitations == [
        {
            "id": pending.pk,
            "email": "p@example.com",
            "role": "member",
            "invited_by": {"id": given.admin.pk, "name": given.admin.name},
            "expires_at": pending.expires_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
    ]


def test_lists_labels_and_invitations_are_not_found_for_non_members() -> None:
    given = board_with_roles()
    board_list = BoardListFactory.create(board=given.board)
    label = LabelFactory.create(board=given.board)
    invitation = InvitationFactory.create(board=given.board)

    assert selectors.list_get_for_user(user=given.viewer, list_id=board_list.pk).user_role == "viewer"  # type: ignore[attr-defined]
    assert selectors.label_get_for_user(user=given.viewer, label_id=label.pk).pk == label.pk
    with pytest.raises(BoardList.DoesNotExist):
        selectors.list_get_for_user(user=given.outsider, list_id=board_list.pk)
    with pytest.raises(Label.DoesNotExist):
        selectors.label_get_for_user(user=given.outsider, label_id=label.pk)
    with pytest.raises(type(invitation).DoesNotExist):
        selectors.invitation_get_for_user(
            user=given.outsider, board_id=given.board.pk, invitation_id=invitation.pk
        )
