"""The notifications page and marking notifications read."""

import re

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory
from activity.models import Notification, NotificationKind
from boards.tests.factories import BoardFactory

pytestmark = pytest.mark.django_db


def notify(user: User, text: str, *, read: bool = False) -> Notification:
    return Notification.objects.create(
        user=user, kind=NotificationKind.MENTION, board=BoardFactory.create(), text=text, read=read
    )


def test_notifications_page_shows_mine_newest_first_and_unread_on_request(client: Client) -> None:
    user = UserFactory.create()
    notify(user, "Old news", read=True)
    notify(user, "Fresh news")
    notify(UserFactory.create(), "Not for me")
    client.force_login(user)

    everything = client.get("/notifications/").content.decode()
    unread = client.get("/notifications/?unread=1").content.decode()

    assert re.findall(r'<span class="row-title">([^<]*)</span>', everything) == ["Fresh news", "Old news"]
    assert re.findall(r'<span class="row-title">([^<]*)</span>', unread) == ["Fresh news"]
    assert '<span class="count-badge" data-unread-badge aria-label="1 unread">1</span>' in everything


def test_marking_one_and_then_all_read(client: Client) -> None:
    user = UserFactory.create()
    first = notify(user, "One")
    notify(user, "Two")
    others = notify(UserFactory.create(), "Someone else's")
    client.force_login(user)

    client.post("/notifications/read/", {"id": [str(first.pk), str(others.pk)]})
    after_one = set(Notification.objects.filter(read=True).values_list("text", flat=True))
    response = client.post("/notifications/read/", {"all": "1"})

    assert after_one == {"One"}
    assert response.status_code == 303
    assert set(Notification.objects.filter(user=user, read=False).values_list("text", flat=True)) == set()
    assert Notification.objects.get(pk=others.pk).read is False
