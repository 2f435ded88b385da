"""Viewers commenting on the pages (issue 13 item 14): the board settings page's switch
(admins), the comment form shown to viewers only when the board lets them comment."""

import pytest
from django.test import Client

from boards.models import Board
from boards.tests.factories import BoardWithRoles, board_with_roles
from boards.tests.snapshots import board_snapshot
from tasks.models import Comment
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def roles() -> BoardWithRoles:
    return board_with_roles(title="Launch")


def test_an_admin_lets_viewers_comment_on_the_settings_page(client: Client, roles: BoardWithRoles) -> None:
    client.force_login(roles.admin)
    page = client.get(f"/boards/{roles.board.pk}/settings/").content.decode()
    assert '<input type="checkbox" name="viewers_can_comment"' in page
    assert "checked" not in page.split('name="viewers_can_comment"')[1].split(">")[0]

    response = client.post(
        f"/boards/{roles.board.pk}/settings/",
        {"title": "Launch", "description": "", "viewers_can_comment": "on"},
    )

    assert response.status_code == 303
    assert Board.objects.get(pk=roles.board.pk).viewers_can_comment is True
    again = client.get(f"/boards/{roles.board.pk}/settings/").content.decode()
    assert "checked" in again.split('name="viewers_can_comment"')[1].split(">")[0]


@pytest.mark.parametrize("allowed", [True, False])
def test_the_comment_form_is_shown_to_viewers_only_when_allowed(
    client: Client, roles: BoardWithRoles, allowed: bool
) -> None:
    task = TaskFactory.create(list__board=roles.board)
    Board.objects.filter(pk=roles.board.pk).update(viewers_can_comment=allowed)
    client.force_login(roles.viewer)

    html = client.get(f"/tasks/{task.pk}/", headers=HTMX).content.decode()

    assert ('class="comment-form"' in html) is allowed
    # Nothing else to edit for a viewer, either way.
    assert 'class="task-form"' not in html


def test_a_viewer_comments_from_the_page_when_allowed(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board)
    Board.objects.filter(pk=roles.board.pk).update(viewers_can_comment=True)
    client.force_login(roles.viewer)

    response = client.post(f"/tasks/{task.pk}/comments/", {"body": "Looks good"}, headers=HTMX)

    assert response.status_code == 200
    assert "Looks good" in response.content.decode()
    assert list(Comment.objects.filter(task=task).values_list("author_id", "body")) == [
        (roles.viewer.pk, "Looks good")
    ]


def test_a_viewer_may_not_comment_from_the_page_when_it_is_off(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board)
    client.force_login(roles.viewer)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/tasks/{task.pk}/comments/", {"body": "Looks good"}, headers=HTMX)

    assert response.status_code == 403
    assert board_snapshot(roles.board.pk) == before
