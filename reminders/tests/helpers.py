"""Tasks due soon and their people, for the reminder tests."""

from datetime import datetime, timedelta

from accounts.models import NotificationSettings, User
from accounts.tests.factories import UserFactory
from tasks.models import Task
from tasks.tests.factories import TaskFactory


def person(*, quiet: bool = False, **fields: object) -> User:
    """A user; without quiet hours unless `quiet` (the defaults, 22:00-07:00, then apply)."""
    user = UserFactory.create(**fields)
    if not quiet:
        NotificationSettings.objects.create(user=user, quiet_hours_start=None, quiet_hours_end=None)
    return user


def due_task(*, at: datetime, creator: User, assignees: tuple[User, ...] = (), **fields: object) -> Task:
    task = TaskFactory.create(due_at=at, created_by=creator, **fields)
    task.assignees.set(assignees, through_defaults={"board_id": task.board_id})
    return task


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
