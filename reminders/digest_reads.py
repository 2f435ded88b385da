"""The daily digest's read: who is due a digest now, and their overdue and due-today cards,
in at most four queries however many users and tasks there are.

It is digest time in a zone from DIGEST_AT to DIGEST_UNTIL local (08:00-12:00): a
wall-clock comparison in the zone, so 08:00 is 08:00 local on the days the clocks change
(the changes happen at night), and a beat or worker that was down at 08:00 still sends the
day's digest if it is back before noon. A user is due when their zone is at digest time,
their digest is "daily", and no SentDigest exists for them and their local date.

A user's cards: open tasks on boards not archived, due before the end of their local day
(midnight local, in UTC: a 23- or 25-hour day on a DST change), assigned to them, or
created by them with no assignee. Past due: overdue; the rest: due today.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Digest, NotificationSettings, User
from accounts.notification_preferences import NotificationPreferences
from tasks.models import Task, TaskAssignee

from .models import SentDigest

DIGEST_AT = datetime.time(8, 0)
DIGEST_UNTIL = datetime.time(12, 0)
Assignment = TaskAssignee


@dataclass
class DueDigest:
    user: User
    preferences: NotificationPreferences
    zone: ZoneInfo
    local_date: datetime.date
    day_end: datetime.datetime  # the end of the local day, in UTC
    cards: list[Task] = field(default_factory=list)  # by due date


def local_day_end(*, day: datetime.date, zone: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone
    ).astimezone(datetime.UTC)


def digest_dates(*, now: datetime.datetime) -> dict[str, datetime.date]:
    """{zone name: local date} of the zones of digest users where it is digest time."""
    zones = (
        User.objects.filter(is_active=True, notification_settings__digest=Digest.DAILY)
        .values_list("timezone", flat=True)
        .order_by()  # not by id (User's ordering), which DISTINCT would then keep: a row per user
        .distinct()
    )
    dates = {}
    for name in zones:
        local = now.astimezone(ZoneInfo(name))
        if DIGEST_AT <= local.time().replace(tzinfo=None) < DIGEST_UNTIL:
            dates[name] = local.date()
    return dates


def _due_users(dates: dict[str, datetime.date]) -> QuerySet[User]:
    zones_by_date: dict[datetime.date, list[str]] = defaultdict(list)
    for name, day in dates.items():
        zones_by_date[day].append(name)
    due = Q()
    for day, zones in zones_by_date.items():
        taken = SentDigest.objects.filter(user=OuterRef("pk"), local_date=day)
        due |= Q(Q(timezone__in=zones), ~Exists(taken))
    return User.objects.filter(due, is_active=True, notification_settings__digest=Digest.DAILY)


def digests_due(*, now: datetime.datetime) -> list[DueDigest]:
    """The digests due now (not yet taken), each with its cards (possibly none)."""
    dates = digest_dates(now=now)
    if not dates:
        return []
    users = _due_users(dates)
    digests: dict[int, DueDigest] = {}
    for user in users.select_related("notification_settings").order_by("pk"):
        zone, day = ZoneInfo(user.timezone), dates[user.timezone]
        row: NotificationSettings | None = user.notification_settings
        digests[user.pk] = DueDigest(
            user=user,
            preferences=NotificationPreferences.of(user, row),
            zone=zone,
            local_date=day,
            day_end=local_day_end(day=day, zone=zone),
        )
    if not digests:
        return []
    horizon = max(digest.day_end for digest in digests.values())
    open_tasks = Task.objects.filter(completed=False, board__archived=False, due_at__lt=horizon)
    # The users as a subquery, not a list of ids: no parameter limit however many are due.
    due_ids = users.values("pk")
    assigned = Assignment.objects.filter(
        user_id__in=due_ids, task__in=open_tasks.values("pk")
    ).select_related("task__board")
    for assignment in assigned:
        _add(digests, assignment.user_id, assignment.task)
    unassigned = open_tasks.filter(created_by_id__in=due_ids).exclude(
        Exists(Assignment.objects.filter(task_id=OuterRef("pk")))
    )
    for task in unassigned.select_related("board"):
        if task.created_by_id is not None:
            _add(digests, task.created_by_id, task)
    for digest in digests.values():
        digest.cards.sort(key=lambda task: (task.due_at, task.pk))
    return list(digests.values())


def _add(digests: dict[int, DueDigest], user_id: int, task: Task) -> None:
    digest = digests.get(user_id)
    if digest is None or task.due_at is None or task.due_at >= digest.day_end:
        return
    digest.cards.append(task)
