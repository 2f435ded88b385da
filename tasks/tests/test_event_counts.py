"""The counts card and comment events carry (docs/api.md, the event envelope): `lists`, the
new counts of the lists a card write changed, exactly what GET /boards/{id}/counts/ answers
for them after the write; `task`, a commented task's new comment count. Stored with the
Activity, so the published message and a replay carry the same."""

from typing import Any

import pytest

from activity.models import Activity
from activity.tests.listener import GroupListener
from boards.models import Board, BoardList
from boards.tests.factories import BoardListFactory, BoardWithRoles, board_with_roles
from live.publishing import event_message
from live.resync import event_frame
from tasks import services
from tasks.board_page import list_counts
from tasks.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles()


@pytest.fixture
def lists(given: BoardWithRoles) -> tuple[BoardList, BoardList]:
    todo = BoardListFactory.create(board=given.board, title="To do", position=1)
    # A WIP limit: `at_limit` turns true as the third card arrives.
    doing = BoardListFactory.create(board=given.board, title="Doing", position=2, wip_limit=3)
    return todo, doing


def last_event(board: Board) -> Activity:
    event = Activity.objects.filter(board=board).order_by("-seq").first()
    assert event is not None
    return event


def counted(board: Board, *board_lists: BoardList) -> list[dict[str, Any]]:
    """What the counts endpoint answers now for these lists, in the given order."""
    by_id = {item["id"]: item for item in list_counts(board=board)}
    return [by_id[board_list.pk] for board_list in board_lists]


def test_a_create_carries_its_lists_new_count(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    todo, doing = lists
    for title in ("A", "B"):
        services.task_create(board=given.board, actor=given.member, list_id=doing.pk, title=title)
    assert last_event(given.board).envelope == {
        "lists": [{"id": doing.pk, "total": 2, "wip_limit": 3, "at_limit": False}]
    }

    services.task_create(board=given.board, actor=given.member, list_id=doing.pk, title="C")
    services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="D")

    events = list(Activity.objects.filter(board=given.board).order_by("seq"))
    assert events[2].envelope["lists"] == [{"id": doing.pk, "total": 3, "wip_limit": 3, "at_limit": True}]
    assert events[3].envelope["lists"] == [{"id": todo.pk, "total": 1, "wip_limit": None, "at_limit": False}]
    assert events[3].envelope["lists"] == counted(given.board, todo)


def test_a_move_across_lists_carries_both_counts_and_one_within_a_list_its_own(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    todo, doing = lists
    tasks = [
        services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title=title)
        for title in ("A", "B", "C")
    ]
    services.task_create(board=given.board, actor=given.member, list_id=doing.pk, title="D")

    moved = services.task_move_written(task=tasks[0], actor=given.member, to_list_id=doing.pk, index=0)
    across = last_event(given.board)
    services.task_move(task=tasks[1], actor=given.member, to_list_id=todo.pk, index=1)
    within = last_event(given.board)

    assert across.verb == "task.moved"
    assert across.envelope == {
        "lists": [
            {"id": todo.pk, "total": 2, "wip_limit": None, "at_limit": False},
            {"id": doing.pk, "total": 2, "wip_limit": 3, "at_limit": False},
        ]
    }
    assert across.envelope["lists"] == counted(given.board, todo, doing)
    # The drop view answers with the same counts, without counting again.
    assert moved.lists == across.envelope["lists"]
    assert within.envelope == {"lists": [{"id": todo.pk, "total": 2, "wip_limit": None, "at_limit": False}]}


def test_a_move_by_update_carries_both_counts(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    todo, doing = lists
    task = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="A")
    services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="B")

    services.task_update(task=task, actor=given.member, list_id=doing.pk, title="A, renamed", completed=True)

    events = list(Activity.objects.filter(board=given.board, seq__gt=2).order_by("seq"))
    assert [event.verb for event in events] == ["task.updated", "task.moved", "task.completed"]
    # Only the move changes counts.
    assert [event.envelope for event in events] == [
        {},
        {
            "lists": [
                {"id": todo.pk, "total": 1, "wip_limit": None, "at_limit": False},
                {"id": doing.pk, "total": 1, "wip_limit": 3, "at_limit": False},
            ]
        },
        {},
    ]
    assert events[1].envelope["lists"] == counted(given.board, todo, doing)


def test_a_delete_carries_its_lists_new_count(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    _, doing = lists
    tasks = [
        services.task_create(board=given.board, actor=given.member, list_id=doing.pk, title=title)
        for title in ("A", "B", "C")
    ]

    services.task_delete(task=tasks[1], actor=given.member)

    event = last_event(given.board)
    assert event.verb == "task.deleted"
    assert event.envelope == {"lists": [{"id": doing.pk, "total": 2, "wip_limit": 3, "at_limit": False}]}
    assert event.envelope["lists"] == counted(given.board, doing)


def test_comment_events_carry_the_tasks_new_comment_count(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    todo, _ = lists
    task = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="A")
    other = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="B")

    first = services.comment_create(task=task, actor=given.member, body="One")
    services.comment_create(task=task, actor=given.admin, body="Two")
    services.comment_create(task=other, actor=given.member, body="Elsewhere")
    services.comment_update(comment=first, actor=given.member, body="One, edited")
    services.comment_delete(comment=first, actor=given.member)

    events = list(Activity.objects.filter(board=given.board, seq__gt=2).order_by("seq"))
    assert [(event.verb, event.envelope) for event in events] == [
        ("comment.created", {"task": {"id": task.pk, "comment_count": 1}}),
        ("comment.created", {"task": {"id": task.pk, "comment_count": 2}}),
        ("comment.created", {"task": {"id": other.pk, "comment_count": 1}}),
        ("comment.updated", {}),
        ("comment.deleted", {"task": {"id": task.pk, "comment_count": 1}}),
    ]
    assert Task.objects.get(pk=task.pk).comment_count == 1


@pytest.mark.django_db(transaction=True)
def test_the_published_message_and_a_replayed_frame_carry_the_same_fields(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    todo, doing = lists
    task = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="A")
    channel = GroupListener(given.board.pk)

    services.task_move(task=task, actor=given.member, to_list_id=doing.pk)
    services.comment_create(task=task, actor=given.member, body="Moved")
    services.task_update(task=task, actor=given.member, title="A, renamed")
    published = [channel.receive() for _ in range(3)]

    stored = list(
        Activity.objects.filter(board=given.board, seq__gt=1).select_related("actor").order_by("seq")
    )
    replayed = [event_frame(event_message(activity, actor=activity.actor)) for activity in stored]
    assert [event_frame(message) for message in published] == replayed
    assert replayed[0]["lists"] == [
        {"id": todo.pk, "total": 0, "wip_limit": None, "at_limit": False},
        {"id": doing.pk, "total": 1, "wip_limit": 3, "at_limit": False},
    ]
    assert replayed[1]["task"] == {"id": task.pk, "comment_count": 1}
    # Other events carry neither.
    assert set(replayed[2]) == {"type", "seq", "verb", "actor", "data", "at"}
