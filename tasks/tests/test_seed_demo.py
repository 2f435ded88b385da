"""`manage.py seed_demo`: the demo board through the services, a large board in bulk, both
made once however often the command runs."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from activity.models import Activity, Notification
from boards.models import Board, BoardList, Label, Membership
from boards.tests.snapshots import board_snapshot
from tasks import services as task_services
from tasks.board_detail import board_detail
from tasks.management.demo_data import DEMO_PASSWORD
from tasks.models import Comment, Task
from tasks.representations import task_representation
from writes import POSITION_STEP

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def seqs(board: Board) -> list[int]:
    return list(Activity.objects.filter(board=board).order_by("seq").values_list("seq", flat=True))


def test_the_demo_board_is_made_through_the_services() -> None:
    output = seed()

    alice, bob, carol = (User.objects.get(email=f"{name}@example.com") for name in ("alice", "bob", "carol"))
    assert (alice.is_staff, alice.is_superuser, bob.is_staff, carol.is_staff) == (True, True, False, False)
    assert all(user.check_password(DEMO_PASSWORD) for user in (alice, bob, carol))
    assert all(user.email_verified for user in (alice, bob, carol))
    board = Board.objects.get()
    assert board.title == "Product launch"
    assert sorted(Membership.objects.filter(board=board).values_list("user__email", "role")) == [
        ("alice@example.com", "owner"),
        ("bob@example.com", "member"),
        ("carol@example.com", "viewer"),
    ]
    assert list(
        BoardList.objects.filter(board=board).order_by("position").values_list("title", flat=True)
    ) == [
        "Backlog",
        "To do",
        "In progress",
        "Review",
        "Done",
    ]
    # Its own five, after the six every new board starts with.
    assert Label.objects.filter(board=board).count() == 5 + 6
    tasks = Task.objects.filter(board=board)
    assert tasks.count() == 20
    assert tasks.filter(completed=True).count() == 4
    assert tasks.filter(completed=False, due_at__lt=timezone.now()).count() == 3
    assert Comment.objects.filter(task__board=board).count() == 5
    assert sorted(Notification.objects.filter(kind="mention").values_list("user__email", flat=True)) == [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
    ]
    assert seqs(board) == list(range(1, board.event_seq + 1))
    assert f"/boards/{board.pk}/" in output
    assert f"/api/v1/boards/{board.pk}/" in output
    assert "alice@example.com" in output


def test_running_again_changes_nothing() -> None:
    seed()
    board = Board.objects.get()
    before = board_snapshot(board.pk)

    seed()

    assert User.objects.count() == 3
    assert Board.objects.count() == 1
    assert board_snapshot(board.pk) == before


def test_tasks_makes_a_large_board_once_with_ordered_tasks_and_gap_free_activity() -> None:
    output = seed("--tasks", "12")
    seed("--tasks", "12")

    board = Board.objects.get(title="Large board (12 tasks)")
    assert Board.objects.filter(title__startswith="Large board").count() == 1
    lists = list(BoardList.objects.filter(board=board).order_by("position"))
    assert [board_list.title for board_list in lists] == ["Backlog", "To do", "In progress", "Review", "Done"]
    # Tasks 1..12 dealt round-robin: list k holds tasks k+1, k+6, k+11, one step apart.
    for index, board_list in enumerate(lists):
        rows = list(
            Task.objects.filter(list=board_list).order_by("position").values_list("title", "position")
        )
        numbers = [int(title.rsplit("#", 1)[1]) for title, _ in rows]
        assert numbers == list(range(index + 1, 13, 5))
        assert [position for _, position in rows] == [POSITION_STEP * (n + 1) for n in range(len(rows))]
    assert seqs(board) == list(range(1, board.event_seq + 1))
    # board.created, two member.added, three label.created, then task.created per task.
    assert board.event_seq == 6 + 12
    assert board.version == 7
    created = Activity.objects.filter(board=board, verb="task.created").order_by("seq")
    tasks = (
        Task.objects.filter(board=board).select_related("created_by").prefetch_related("assignees", "labels")
    )
    by_id = {task.pk: task for task in tasks}
    assert [activity.target_id for activity in created] == sorted(by_id)
    assert all(activity.data == task_representation(by_id[activity.target_id]) for activity in created)
    assert f"/api/v1/boards/{board.pk}/" in output


def test_the_large_board_reads_and_moves_like_any_other() -> None:
    seed("--tasks", "10")
    board = Board.objects.get(title="Large board (10 tasks)")
    alice = User.objects.get(email="alice@example.com")
    backlog, todo = BoardList.objects.filter(board=board).order_by("position")[:2]
    last_of_backlog = Task.objects.filter(list=backlog).order_by("-position").first()
    assert last_of_backlog is not None

    task_services.task_move(task=last_of_backlog, actor=alice, to_list_id=todo.pk, index=1)

    detail = board_detail(board=Board.objects.get(pk=board.pk))
    titles = {
        board_list["title"]: [task["title"] for task in board_list["tasks"]] for board_list in detail["lists"]
    }
    assert [title.rsplit("#", 1)[1] for title in titles["Backlog"]] == ["1"]
    assert [title.rsplit("#", 1)[1] for title in titles["To do"]] == ["2", "6", "7"]
    assert seqs(board) == list(range(1, 6 + 10 + 2))


def test_tasks_must_be_positive() -> None:
    with pytest.raises(CommandError, match=r"^--tasks must be 1 or more\.$"):
        seed("--tasks", "0")


def test_demo_users_from_before_verification_are_verified_and_join_directly() -> None:
    User.objects.create_user("bob@example.com", DEMO_PASSWORD, name="Bob Okafor")
    assert User.objects.get(email="bob@example.com").email_verified is False

    seed()

    bob = User.objects.get(email="bob@example.com")
    assert bob.email_verified is True
    assert Membership.objects.get(board__title="Product launch", user=bob).role == "member"
