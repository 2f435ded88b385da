"""Lists (boards/{id}/lists/, lists/{id}/, lists/{id}/move/) and labels."""

from typing import Any

import pytest

from boards.models import BoardList, Label
from boards.tests.factories import BoardListFactory, BoardWithRoles, LabelFactory, board_with_roles
from boards.tests.snapshots import board_snapshot
from tasks.models import Task
from tasks.tests.factories import TaskFactory
from tests.api.http import Api, error_of
from writes.ordering import POSITION_STEP

pytestmark = pytest.mark.django_db


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles(title="Launch")


def list_titles(given: BoardWithRoles) -> list[str]:
    return list(
        BoardList.objects.filter(board=given.board).order_by("position").values_list("title", flat=True)
    )


# --- lists ------------------------------------------------------------------------------


def test_a_new_list_goes_last(given: BoardWithRoles) -> None:
    BoardListFactory.create(board=given.board, title="First", position=7 * POSITION_STEP)

    response = Api(given.member).post(f"boards/{given.board.pk}/lists/", {"title": "Second", "wip_limit": 3})

    assert response.status_code == 201
    board_list = BoardList.objects.get(title="Second")
    assert response.json() == {
        "id": board_list.pk,
        "board_id": given.board.pk,
        "title": "Second",
        "position": 8 * POSITION_STEP,
        "wip_limit": 3,
    }
    assert list_titles(given) == ["First", "Second"]


LIST_INVALID = [
    ({"title": ""}, {"title"}),
    ({"title": "x" * 201}, {"title"}),
    ({"title": 1}, {"title"}),
    ({"title": "ok", "wip_limit": 0}, {"wip_limit"}),
    ({"title": "ok", "wip_limit": -1}, {"wip_limit"}),
    ({"title": "ok", "wip_limit": "3"}, {"wip_limit"}),
    ({"title": "ok", "wip_limit": 2.5}, {"wip_limit"}),
    ({"title": "ok", "wip_limit": True}, {"wip_limit"}),
    ({"title": "ok", "wip_limit": 2**31}, {"wip_limit"}),
]


@pytest.mark.parametrize(("body", "fields"), [({}, {"title"}), *LIST_INVALID])
def test_creating_a_list_refuses_invalid_input(
    given: BoardWithRoles, body: dict[str, Any], fields: set[str]
) -> None:
    before = board_snapshot(given.board.pk)

    response = Api(given.member).post(f"boards/{given.board.pk}/lists/", body)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == fields
    assert board_snapshot(given.board.pk) == before


def test_changing_a_list(given: BoardWithRoles) -> None:
    board_list = BoardListFactory.create(board=given.board, title="Doing", wip_limit=2)

    renamed = Api(given.member).patch(f"lists/{board_list.pk}/", {"title": "Now"})
    unlimited = Api(given.member).patch(f"lists/{board_list.pk}/", {"wip_limit": None})

    assert renamed.status_code == 200
    assert (renamed.json()["title"], renamed.json()["wip_limit"]) == ("Now", 2)
    assert (unlimited.json()["title"], unlimited.json()["wip_limit"]) == ("Now", None)
    assert BoardList.objects.filter(pk=board_list.pk).values_list("title", "wip_limit").get() == ("Now", None)


@pytest.mark.parametrize(("body", "fields"), LIST_INVALID)
def test_changing_a_list_refuses_invalid_input(
    given: BoardWithRoles, body: dict[str, Any], fields: set[str]
) -> None:
    board_list = BoardListFactory.create(board=given.board)
    before = board_snapshot(given.board.pk)

    response = Api(given.member).patch(f"lists/{board_list.pk}/", body)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == fields
    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize(
    ("index", "expected"),
    [(0, ["C", "A", "B"]), (1, ["A", "C", "B"]), (2, ["A", "B", "C"]), (9, ["A", "B", "C"])],
)
def test_moving_a_list(given: BoardWithRoles, index: int, expected: list[str]) -> None:
    lists = {title: BoardListFactory.create(board=given.board, title=title) for title in "ABC"}

    response = Api(given.member).post(f"lists/{lists['C'].pk}/move/", {"index": index})

    assert response.status_code == 200
    assert response.json()["id"] == lists["C"].pk
    assert list_titles(given) == expected
    board = Api(given.member).get(f"boards/{given.board.pk}/").json()
    assert [row["title"] for row in board["lists"]] == expected


@pytest.mark.parametrize("body", [{}, {"index": -1}, {"index": "0"}, {"index": None}, {"index": 2**31}])
def test_moving_a_list_refuses_invalid_input(given: BoardWithRoles, body: dict[str, Any]) -> None:
    board_list = BoardListFactory.create(board=given.board)
    before = board_snapshot(given.board.pk)

    response = Api(given.member).post(f"lists/{board_list.pk}/move/", body)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"index"}
    assert board_snapshot(given.board.pk) == before


def test_deleting_a_list_deletes_its_tasks(given: BoardWithRoles) -> None:
    board_list = BoardListFactory.create(board=given.board)
    other = BoardListFactory.create(board=given.board)
    TaskFactory.create(list=board_list)
    kept = TaskFactory.create(list=other)

    response = Api(given.member).delete(f"lists/{board_list.pk}/")

    assert response.status_code == 204
    assert list(Task.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not BoardList.objects.filter(pk=board_list.pk).exists()
    assert Api(given.member).delete(f"lists/{board_list.pk}/").status_code == 404


def test_a_list_has_no_get(given: BoardWithRoles) -> None:
    board_list = BoardListFactory.create(board=given.board)

    response = Api(given.member).get(f"lists/{board_list.pk}/")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


# --- labels -----------------------------------------------------------------------------


def test_labels_by_name(given: BoardWithRoles) -> None:
    ui = LabelFactory.create(board=given.board, name="ui", color="#00ff00")
    bug = LabelFactory.create(board=given.board, name="bug", color="#ff0000")
    LabelFactory.create(name="elsewhere")

    response = Api(given.viewer).get(f"boards/{given.board.pk}/labels/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {"id": bug.pk, "name": "bug", "color": "#ff0000"},
            {"id": ui.pk, "name": "ui", "color": "#00ff00"},
        ],
    }


def test_adding_a_label(given: BoardWithRoles) -> None:
    response = Api(given.admin).post(f"boards/{given.board.pk}/labels/", {"name": "bug", "color": "#FF0000"})

    assert response.status_code == 201
    label = Label.objects.get()
    assert response.json() == {"id": label.pk, "name": "bug", "color": "#ff0000"}
    assert (label.board_id, label.name, label.color) == (given.board.pk, "bug", "#ff0000")


LABEL_INVALID = [
    ({"name": "", "color": "#000000"}, {"name"}),
    ({"name": "x" * 51, "color": "#000000"}, {"name"}),
    ({"name": 7, "color": "#000000"}, {"name"}),
    ({"name": "ok", "color": "red"}, {"color"}),
    ({"name": "ok", "color": "#12345"}, {"color"}),
    ({"name": "ok", "color": "#1234567"}, {"color"}),
    ({"name": "ok", "color": "#gggggg"}, {"color"}),
    ({"name": "ok", "color": "000000"}, {"color"}),
    ({"name": "ok", "color": 0x000000}, {"color"}),
    ({"name": "BUG", "color": "#000000"}, {"name"}),  # taken, whatever the case
]


@pytest.mark.parametrize(("body", "fields"), [({}, {"name", "color"}), *LABEL_INVALID])
def test_adding_a_label_refuses_invalid_input(
    given: BoardWithRoles, body: dict[str, Any], fields: set[str]
) -> None:
    LabelFactory.create(board=given.board, name="bug")
    before = board_snapshot(given.board.pk)

    response = Api(given.admin).post(f"boards/{given.board.pk}/labels/", body)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == fields
    assert board_snapshot(given.board.pk) == before


def test_changing_a_label(given: BoardWithRoles) -> None:
    label = LabelFactory.create(board=given.board, name="bug", color="#ff0000")

    response = Api(given.admin).patch(f"labels/{label.pk}/", {"color": "#0000FF"})

    assert response.status_code == 200
    assert response.json() == {"id": label.pk, "name": "bug", "color": "#0000ff"}


@pytest.mark.parametrize(("body", "fields"), LABEL_INVALID)
def test_changing_a_label_refuses_invalid_input(
    given: BoardWithRoles, body: dict[str, Any], fields: set[str]
) -> None:
    LabelFactory.create(board=given.board, name="bug")
    label = LabelFactory.create(board=given.board, name="ui")
    before = board_snapshot(given.board.pk)

    response = Api(given.admin).patch(f"labels/{label.pk}/", body)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == fields
    assert board_snapshot(given.board.pk) == before


def test_deleting_a_label_takes_it_off_its_tasks(given: BoardWithRoles) -> None:
    label = LabelFactory.create(board=given.board)
    task = TaskFactory.create(list=BoardListFactory.create(board=given.board))
    task.labels.set([label], through_defaults={"board_id": task.board_id})

    response = Api(given.admin).delete(f"labels/{label.pk}/")

    assert response.status_code == 204
    assert not Label.objects.filter(pk=label.pk).exists()
    assert list(task.labels.all()) == []
