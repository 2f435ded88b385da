"""Mentions over HTTP: the API keeps taking any text; a member's `@<email>`, in any case,
comes back with their name in `body_html` / `description_html` and notifies them."""

import pytest

from activity.models import Notification
from boards.tests.factories import BoardListFactory, BoardWithRoles, board_with_roles
from tasks.models import Task
from tasks.tests.factories import TaskFactory
from tests.api.http import Api

pytestmark = pytest.mark.django_db

ERIN = '<span class="mention" title="erin@example.com">@Erin Example</span>'


@pytest.fixture
def given() -> BoardWithRoles:
    board = board_with_roles(title="Launch")
    board.admin.name = "Erin Example"
    board.admin.email = "erin@example.com"
    board.admin.save()
    return board


@pytest.fixture
def task(given: BoardWithRoles) -> Task:
    return TaskFactory.create(list=BoardListFactory.create(board=given.board), title="Write report")


def test_a_comment_mentioning_a_member_shows_their_name(given: BoardWithRoles, task: Task) -> None:
    response = Api(given.member).post(
        f"tasks/{task.pk}/comments/", {"body": "Ask @ERIN@example.com, not @erin or @nobody"}
    )

    assert response.status_code == 201
    assert response.json()["body"] == "Ask @ERIN@example.com, not @erin or @nobody"
    assert response.json()["body_html"] == f"<p>Ask {ERIN}, not @erin or @nobody</p>"
    assert list(Notification.objects.values_list("user_id", "kind", "task_id")) == [
        (given.admin.pk, "mention", task.pk)
    ]


def test_a_description_mentioning_a_member_notifies_them(given: BoardWithRoles, task: Task) -> None:
    response = Api(given.member).patch(f"tasks/{task.pk}/", {"description": "Over to @erin@example.com"})

    assert response.status_code == 200
    assert list(Notification.objects.values_list("user_id", "kind", "task_id")) == [
        (given.admin.pk, "mention", task.pk)
    ]
    assert Task.objects.get(pk=task.pk).description_html == f"<p>Over to {ERIN}</p>"
