"""Reads on accounts. User rows are always read on the primary (DATABASE_PRIMARY_ONLY_APPS):
a lagging replica must not bring back a revoked credential."""

import functools

from django.db import router

from taskboard.db.compiled import CompiledRead
from taskboard.db.ids import MAX_ID

from .models import NotificationSettings, User, normalize_email
from .notification_preferences import NotificationPreferences


def user_get_active(*, user_id: int | str | None) -> User | None:
    if user_id is None:
        return None
    return User.objects.filter(id=user_id, is_active=True).first()


def user_get_active_by_email(*, email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email), is_active=True).first()


def user_email_taken(*, email: str) -> bool:
    return User.objects.filter(email=normalize_email(email)).exists()


@functools.cache
def _user_by_id_read() -> CompiledRead:
    fields = [field.attname for field in User._meta.concrete_fields]
    return CompiledRead(User, lambda user_id: User.objects.filter(pk=user_id).values_list(*fields))


def user_get_by_id(*, user_id: object) -> User | None:
    """The user with this id (an int, or its digits as tokens carry it), active or not (the
    caller decides), or None. Every request with an access token reads its user: this is
    the ORM's `User.objects.get(pk=…)` without building and compiling the query each time
    (taskboard/db/compiled.py)."""
    if isinstance(user_id, str) and user_id.isascii() and user_id.isdigit():
        user_id = int(user_id)
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not 1 <= user_id <= MAX_ID:
        return None
    read = _user_by_id_read()
    alias = router.db_for_read(User)
    rows = read.rows(user_id, using=alias)
    if not rows:
        return None
    return User.from_db(alias, [field.attname for field in User._meta.concrete_fields], rows[0])


def notification_settings_get(*, user_id: int) -> NotificationPreferences:
    """The user's mail choices (the schedule's defaults when they never changed it)."""
    user = User.objects.select_related("notification_settings").get(pk=user_id)
    try:
        row: NotificationSettings | None = user.notification_settings
    except NotificationSettings.DoesNotExist:
        row = None
    return NotificationPreferences.of(user, row)
