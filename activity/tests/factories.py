"""Notifications for tests of every app (activities are made by the services)."""

import factory

from accounts.tests.factories import UserFactory
from activity.models import Notification, NotificationKind
from boards.tests.factories import BoardFactory


class NotificationFactory(factory.django.DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    board = factory.SubFactory(BoardFactory)
    kind = NotificationKind.MENTION
    text = factory.Sequence(lambda n: f"Notification {n}")
