"""Due dates are bounded: from 1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z, both included.
Outside, create and update answer 400 on `due_at` with a message that names the range, and
nothing changes; the page form shows the same message next to the field."""

from typing import Any

import pytest
from django.test import Client

from boards.models import BoardList
from boards.tests.factories import BoardListFactory, BoardWithRoles, board_with_roles
from boards.tests.snapshots import board_snapshot
from tasks.models import Task
from tasks.tests.factories import TaskFactory
from tests.api.http import Api, error_of

pytestmark = pytest.mark.django_db

MESSAGE = "Give a due date from 1970-01-01 to 2200-01-01 (UTC)."


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles()


@pytest.fixture
def todo(given: BoardWithRoles) -> BoardList:
    return BoardListFactory.create(board=given.board, title="To do")


@pytest.mark.parametrize("due_at", ["1969-12-31T23:59:59Z", "2200-01-01T00:00:01Z", "0001-01-01T00:00:00Z"])
def test_create_refuses_a_due_date_outside_the_range(
    given: BoardWithRoles, todo: BoardList, due_at: str
) -> None:
    before = board_snapshot(given.board.pk)

    response = Api(given.member).post(
        f"boards/{given.board.pk}/tasks/", {"list_id": todo.pk, "title": "T", "due_at": due_at}
    )

    assert response.status_code == 400, response.content
    assert error_of(response)["fields"] == {"due_at": [MESSAGE]}
    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize(
    "due_at",
    ["1969-12-31T23:59:59Z", "2200-01-01T00:00:01Z", "2200-01-01T01:00:01+01:00", "9999-12-31T23:59:59Z"],
)
def test_update_refuses_a_due_date_outside_the_range(
    given: BoardWithRoles, todo: BoardList, due_at: str
) -> None:
    task = TaskFactory.create(list=todo)
    before = board_snapshot(given.board.pk)

    response = Api(given.member).patch(f"tasks/{task.pk}/", {"due_at": due_at})

    assert response.status_code == 400, response.content
    assert error_of(response)["fields"] == {"due_at": [MESSAGE]}
    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize(
    ("due_at", "stored"),
    [
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
        ("2200-01-01T00:00:00Z", "2200-01-01T00:00:00Z"),
        ("2200-01-01T01:00:00+01:00", "2200-01-01T00:00:00Z"),
    ],
)
def test_the_bounds_themselves_are_accepted(
    given: BoardWithRoles, todo: BoardList, due_at: str, stored: str
) -> None:
    task = TaskFactory.create(list=todo)

    response = Api(given.member).patch(f"tasks/{task.pk}/", {"due_at": due_at})

    assert response.status_code == 200, response.content
    assert response.json()["due_at"] == stored.replace("Z", ".000000Z")


@pytest.mark.parametrize("due_at", ["1969-12-31T23:59", "2200-01-01T00:01"])
def test_the_page_form_shows_the_range_next_to_the_field(client: Client, due_at: str) -> None:
    roles = board_with_roles()
    task = TaskFactory.create(list__board=roles.board, title="Keep me")
    client.force_login(roles.member)
    before = board_snapshot(roles.board.pk)
    data: dict[str, Any] = {
        "title": task.title,
        "description": task.description,
        "priority": task.priority_name,
        "due_at": due_at,
        "version": task.version,
    }

    response = client.post(f"/tasks/{task.pk}/", data, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<ul class="errorlist" id="id_due_at_error"><li>{MESSAGE}</li></ul>' in html
    assert board_snapshot(roles.board.pk) == before
    assert Task.objects.get(pk=task.pk).due_at is None
