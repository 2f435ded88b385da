"""A board setting lets viewers comment (issue 13 item 14): off by default, changed by
admins through PATCH boards/{id}/; with it on, viewers comment and edit and delete their own
comments, and nobody else's."""

import pytest

from boards.models import Board
from boards.tests.factories import BoardWithRoles, board_with_roles
from boards.tests.snapshots import board_snapshot
from tasks.models import Comment, Task
from tasks.tests.factories import CommentFactory, TaskFactory
from tests.api.http import Api, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles(title="Launch")


def allow_viewers(given: BoardWithRoles, allowed: bool = True) -> None:
    Board.objects.filter(pk=given.board.pk).update(viewers_can_comment=allowed)


def test_the_setting_is_off_by_default_and_admins_turn_it_on(given: BoardWithRoles) -> None:
    assert Api(given.viewer).get(f"boards/{given.board.pk}/").json()["viewers_can_comment"] is False

    response = Api(given.admin).patch(f"boards/{given.board.pk}/", {"viewers_can_comment": True})

    assert response.status_code == 200
    assert response.json()["viewers_can_comment"] is True
    assert Board.objects.get(pk=given.board.pk).viewers_can_comment is True


def test_members_cannot_change_the_setting(given: BoardWithRoles) -> None:
    before = board_snapshot(given.board.pk)

    response = Api(given.member).patch(f"boards/{given.board.pk}/", {"viewers_can_comment": True})

    assert response.status_code == 403
    assert board_snapshot(given.board.pk) == before


def test_a_viewer_comments_when_the_board_lets_them(given: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=given.board)
    allow_viewers(given)

    response = Api(given.viewer).post(f"tasks/{task.pk}/comments/", {"body": "Looks good"})

    assert response.status_code == 201, response.content
    assert list(Comment.objects.filter(task=task).values_list("author_id", "body")) == [
        (given.viewer.pk, "Looks good")
    ]


def test_a_viewer_may_not_comment_when_it_is_off(given: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=given.board)
    allow_viewers(given, False)
    before = board_snapshot(given.board.pk)

    response = Api(given.viewer).post(f"tasks/{task.pk}/comments/", {"body": "Looks good"})

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert board_snapshot(given.board.pk) == before


def test_a_viewer_who_may_comment_gets_the_400_for_an_invalid_body(given: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=given.board)
    allow_viewers(given)
    before = board_snapshot(given.board.pk)

    response = Api(given.viewer).post(f"tasks/{task.pk}/comments/", {"body": ""})

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"body"}
    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize(("allowed", "status"), [(True, 200), (False, 403)])
def test_a_viewer_edits_their_own_comment_only_while_viewers_may_comment(
    given: BoardWithRoles, allowed: bool, status: int
) -> None:
    comment = CommentFactory.create(task=TaskFactory.create(list__board=given.board), author=given.viewer)
    allow_viewers(given, allowed)

    response = Api(given.viewer).patch(f"comments/{comment.pk}/", {"body": "Edited"})

    assert response.status_code == status
    comment.refresh_from_db()
    assert comment.body == ("Edited" if allowed else comment.body)


def test_a_viewer_deletes_their_own_comment_but_not_a_members(given: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=given.board)
    own = CommentFactory.create(task=task, author=given.viewer)
    members = CommentFactory.create(task=task, author=given.member)
    # The factories write rows directly: keep the task's counter true to its comments.
    Task.objects.filter(pk=task.pk).update(comment_count=2)
    allow_viewers(given)

    deleted = Api(given.viewer).delete(f"comments/{own.pk}/")
    refused = Api(given.viewer).delete(f"comments/{members.pk}/")

    assert (deleted.status_code, refused.status_code) == (204, 403)
    assert list(Comment.objects.filter(task=task).values_list("pk", flat=True)) == [members.pk]
