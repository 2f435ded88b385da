"""Issue 13: PATCH tasks/{id}/ merged by field (`base`), and a create into a list at its WIP
limit refused like a move (409 `conflict`, reason `wip_limit`)."""

from datetime import UTC, datetime

import pytest

from boards.models import BoardList
from boards.tests.factories import BoardListFactory, BoardWithRoles, LabelFactory, board_with_roles
from boards.tests.snapshots import board_snapshot
from tasks import services
from tasks.models import Task
from tasks.tests.factories import TaskFactory
from tests.api.http import Api, error_of
from writes.ordering import POSITION_STEP

pytestmark = pytest.mark.django_db


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles(title="Launch")


@pytest.fixture
def todo(given: BoardWithRoles) -> BoardList:
    return BoardListFactory.create(board=given.board, title="To do", position=POSITION_STEP)


# --- merge by field ---------------------------------------------------------------------


def test_edits_to_different_fields_are_both_kept(given: BoardWithRoles, todo: BoardList) -> None:
    task = TaskFactory.create(list=todo, title="Old title", description="Old words")
    dana, erin = Api(given.member), Api(given.admin)
    opened = dana.get(f"tasks/{task.pk}/").json()
    assert erin.patch(f"tasks/{task.pk}/", {"title": "Erin's title"}).status_code == 200

    response = dana.patch(
        f"tasks/{task.pk}/",
        {
            "title": opened["title"],
            "description": "Dana's words",
            "base": {"title": opened["title"], "description": opened["description"]},
        },
    )

    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["description"]) == ("Erin's title", "Dana's words")
    task.refresh_from_db()
    assert (task.title, task.description, task.version) == ("Erin's title", "Dana's words", 3)


def test_a_change_to_the_same_field_is_a_412_naming_it_and_changes_nothing(
    given: BoardWithRoles, todo: BoardList
) -> None:
    label = LabelFactory.create(board=given.board)
    task = TaskFactory.create(list=todo, title="Old title", description="Old words")
    services.task_update(
        task=task,
        actor=given.admin,
        title="Erin's title",
        due_at=datetime(2030, 1, 2, 3, 4, tzinfo=UTC),
        label_ids=[label.pk],
    )
    before = board_snapshot(given.board.pk)

    response = Api(given.member).patch(
        f"tasks/{task.pk}/",
        {
            "title": "Dana's title",
            "description": "Dana's words",
            "due_at": "2031-01-01T00:00:00Z",
            "label_ids": [],
            "base": {
                "title": "Old title",
                "description": "Old words",
                "due_at": None,
                "label_ids": [],
            },
        },
    )

    assert response.status_code == 412
    assert error_of(response) == {
        "code": "precondition_failed",
        "message": "Someone else changed title, due_at since you read the task: choose which value to keep.",
        "fields": {
            "title": ["Changed by someone else since you read it."],
            "due_at": ["Changed by someone else since you read it."],
        },
        "current": {"title": "Erin's title", "due_at": "2030-01-02T03:04:00.000000Z"},
    }
    assert board_snapshot(given.board.pk) == before


def test_the_same_change_made_by_both_is_no_conflict(given: BoardWithRoles, todo: BoardList) -> None:
    task = TaskFactory.create(list=todo, title="Old title", priority=1)
    services.task_update(task=task, actor=given.admin, title="Fixed typo", priority="high")

    response = Api(given.member).patch(
        f"tasks/{task.pk}/",
        {"title": "Fixed typo", "priority": "urgent", "base": {"title": "Old title", "priority": "high"}},
    )

    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["priority"]) == ("Fixed typo", "urgent")


def test_assignees_and_labels_compare_as_sets(given: BoardWithRoles, todo: BoardList) -> None:
    first, second = LabelFactory.create_batch(2, board=given.board)
    task = TaskFactory.create(list=todo)
    services.task_update(task=task, actor=given.admin, label_ids=[second.pk, first.pk], title="Theirs")

    response = Api(given.member).patch(
        f"tasks/{task.pk}/",
        {
            "label_ids": [first.pk, second.pk],
            "title": "Mine",
            "base": {"label_ids": [second.pk, first.pk], "title": "Theirs"},
        },
    )

    assert response.status_code == 200, response.content
    assert [label["id"] for label in response.json()["labels"]] == sorted([first.pk, second.pk])
    assert response.json()["title"] == "Mine"


def test_fields_without_a_base_are_written_as_usual(given: BoardWithRoles, todo: BoardList) -> None:
    task = TaskFactory.create(list=todo, title="Old", description="Old words")
    services.task_update(task=task, actor=given.admin, title="Theirs", description="Their words")

    response = Api(given.member).patch(
        f"tasks/{task.pk}/",
        {"title": "Mine", "description": "Old words", "base": {"description": "Old words"}},
    )

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["description"]) == ("Mine", "Their words")


def test_a_stale_if_match_is_still_a_412_with_a_base(given: BoardWithRoles, todo: BoardList) -> None:
    task = TaskFactory.create(list=todo, title="Old", description="Old words", version=3)
    before = board_snapshot(given.board.pk)

    response = Api(given.member).patch(
        f"tasks/{task.pk}/",
        {"description": "Mine", "base": {"description": "Old words"}},
        headers={"If-Match": '"2"'},
    )

    assert response.status_code == 412
    assert error_of(response) == {
        "code": "precondition_failed",
        "message": "The task has changed (it is at version 3): reload it.",
    }
    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize(
    ("base", "field"),
    [
        ({"title": 5}, "base"),
        ({"title": "x" * 201}, "base"),
        ({"label_ids": ["a"]}, "base"),
        ({"due_at": "tomorrow"}, "base"),
        ("title", "base"),
    ],
)
def test_a_malformed_base_is_a_400(given: BoardWithRoles, todo: BoardList, base: object, field: str) -> None:
    task = TaskFactory.create(list=todo, title="Old")
    before = board_snapshot(given.board.pk)

    response = Api(given.member).patch(f"tasks/{task.pk}/", {"title": "New", "base": base})

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {field}
    assert board_snapshot(given.board.pk) == before


# --- WIP limit on create ----------------------------------------------------------------


def test_create_into_a_full_list_is_a_409_like_a_move(given: BoardWithRoles, todo: BoardList) -> None:
    BoardList.objects.filter(pk=todo.pk).update(wip_limit=1)
    TaskFactory.create(list=todo)
    before = board_snapshot(given.board.pk)

    body = {"list_id": todo.pk, "title": "One more"}
    response = Api(given.member).post(f"boards/{given.board.pk}/tasks/", body)

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "conflict",
        "message": "The list “To do” is at its WIP limit of 1 task.",
        "reason": "wip_limit",
    }
    assert board_snapshot(given.board.pk) == before


def test_create_into_a_list_below_its_limit_works(given: BoardWithRoles, todo: BoardList) -> None:
    BoardList.objects.filter(pk=todo.pk).update(wip_limit=2)
    TaskFactory.create(list=todo)

    body = {"list_id": todo.pk, "title": "Second"}
    response = Api(given.member).post(f"boards/{given.board.pk}/tasks/", body)

    assert response.status_code == 201
    assert Task.objects.filter(list=todo).count() == 2


def test_a_move_into_a_list_full_at_two_says_two_tasks(given: BoardWithRoles, todo: BoardList) -> None:
    full = BoardListFactory.create(board=given.board, title="Doing", position=2 * POSITION_STEP, wip_limit=2)
    TaskFactory.create_batch(2, list=full)
    task = TaskFactory.create(list=todo)

    response = Api(given.member).post(f"tasks/{task.pk}/move/", {"list_id": full.pk, "index": 0})

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "conflict",
        "message": "The list “Doing” is at its WIP limit of 2 tasks.",
        "reason": "wip_limit",
    }
