"""Opening a notification: its link (signed for its user) marks it read and goes to its
card, or to its board when the card is gone; any other link changes nothing."""

import re

import pytest
from django.test import Client

from accounts.models import User
from activity.models import Notification, NotificationKind
from activity.notification_links import notification_open_url
from boards.tests.factories import BoardListFactory, board_with_roles
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def mention(user: User, *, task_id: int | None) -> Notification:
    given_board = BoardListFactory.create().board
    return Notification.objects.create(
        user=user,
        kind=NotificationKind.MENTION,
        board=given_board,
        task_id=task_id,
        text="You were mentioned",
    )


def unread_ids(user: User) -> set[int]:
    return set(Notification.objects.filter(user=user, read=False).values_list("id", flat=True))


def test_the_link_marks_it_read_and_opens_the_card() -> None:
    given = board_with_roles()
    task = TaskFactory.create(list=BoardListFactory.create(board=given.board))
    opened = mention(given.member, task_id=task.pk)
    other = mention(given.member, task_id=task.pk)

    response = signed_in(given.member).get(notification_open_url(opened))

    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{task.pk}/"
    assert unread_ids(given.member) == {other.pk}


def test_a_notification_whose_card_is_gone_opens_its_board() -> None:
    given = board_with_roles()
    opened = mention(given.member, task_id=None)

    response = signed_in(given.member).get(notification_open_url(opened))

    assert response["Location"] == f"/boards/{opened.board_id}/"
    assert unread_ids(given.member) == set()


@pytest.mark.parametrize("signature", ["", "forged", "?"])
def test_a_link_without_its_signature_is_404_and_changes_nothing(signature: str) -> None:
    given = board_with_roles()
    opened = mention(given.member, task_id=None)

    response = signed_in(given.member).get(f"/notifications/{opened.pk}/open/", {"s": signature})

    assert response.status_code == 404
    assert unread_ids(given.member) == {opened.pk}


def test_someone_elses_link_is_404_for_me_and_changes_nothing() -> None:
    given = board_with_roles()
    theirs = mention(given.admin, task_id=None)

    response = signed_in(given.member).get(notification_open_url(theirs))

    assert response.status_code == 404
    assert unread_ids(given.admin) == {theirs.pk}


def test_a_huge_id_is_404() -> None:
    given = board_with_roles()

    response = signed_in(given.member).get(f"/notifications/{2**70}/open/", {"s": "x"})

    assert response.status_code == 404


def test_the_notifications_page_links_each_through_its_signed_link() -> None:
    given = board_with_roles()
    notification = mention(given.member, task_id=None)

    html = signed_in(given.member).get("/notifications/").content.decode()

    links = re.findall(r'class="row-main" href="([^"]+)"', html)
    assert [link.replace("&amp;", "&") for link in links] == [notification_open_url(notification)]
