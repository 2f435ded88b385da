"""The user's mail choices: per kind on/off, reminder offsets, digest, quiet hours
(users/me/notifications/ in the API, the account's "Email & reminders" page, and the
unsubscribe link in each mail all come here)."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Digest, NotificationSettings, User
from accounts.notification_preferences import (
    MAX_REMINDER_OFFSET_MINUTES,
    MAX_REMINDER_OFFSETS,
    MIN_REMINDER_OFFSET_MINUTES,
    MailKind,
    NotificationPreferences,
    QuietHours,
)
from accounts.selectors import notification_settings_get
from outbox.services import mail_cancel_pending_for

_UNSET = object()


def notification_settings_update(
    *,
    user_id: int,
    email_mentions: bool | object = _UNSET,
    email_assignments: bool | object = _UNSET,
    email_due: bool | object = _UNSET,
    reminder_offsets_minutes: Sequence[int] | object = _UNSET,
    digest: str | object = _UNSET,
    quiet_hours: QuietHours | object | None = _UNSET,
) -> NotificationPreferences:
    """Change the settings given (the others stay); nothing changes if any is invalid."""
    switches: dict[str, object] = {}  # on the user row
    changes: dict[str, object] = {}  # on their NotificationSettings
    errors: dict[str, list[str]] = {}
    for name, value in (
        ("email_mentions", email_mentions),
        ("email_assignments", email_assignments),
        ("email_due", email_due),
    ):
        if value is not _UNSET:
            switches[name] = bool(value)
    if reminder_offsets_minutes is not _UNSET:
        assert isinstance(reminder_offsets_minutes, Sequence)
        problem = _offsets_problem(reminder_offsets_minutes)
        if problem:
            errors["reminder_offsets_minutes"] = [problem]
        changes["reminder_offsets_minutes"] = sorted(reminder_offsets_minutes, reverse=True)
    if digest is not _UNSET:
        if digest not in Digest.values:
            errors["digest"] = [f"Choose one of: {', '.join(Digest.values)}."]
        changes["digest"] = digest
    if quiet_hours is not _UNSET:
        assert quiet_hours is None or isinstance(quiet_hours, QuietHours)
        if quiet_hours is not None and quiet_hours.start == quiet_hours.end:
            errors["quiet_hours"] = ["Quiet hours must start and end at different times."]
        changes["quiet_hours_start"] = quiet_hours.start if quiet_hours else None
        changes["quiet_hours_end"] = quiet_hours.end if quiet_hours else None
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The user row's lock orders concurrent changes (and the row's creation) per user.
        user = User.objects.select_for_update().get(pk=user_id)
        if switches:
            for field_name, value in switches.items():
                setattr(user, field_name, value)
            user.save(update_fields=list(switches))
        row = NotificationSettings.objects.filter(user=user).first()
        if changes:
            row = row or NotificationSettings(user=user)
            for field_name, value in changes.items():
                setattr(row, field_name, value)
            row.save()
        preferences = NotificationPreferences.of(user, row)
        if switches or "digest" in changes:
            # Turned off: what is already queued of the kind and not yet sent goes too.
            off = [kind.outbox_kind for kind in MailKind if not preferences.mail_on(kind)]
            if off:
                mail_cancel_pending_for(recipient_id=user.pk, kinds=off)
    return preferences


def mail_kind_unsubscribe(*, user_id: int, kind: MailKind) -> bool:
    """Turn one kind of mail off (the unsubscribe link): True if it was on, False if it was
    off already (so a second click, or a mail client's retry, changes nothing)."""
    with transaction.atomic():
        # Locked before the read: of two clicks at once, one unsubscribes, one finds it done.
        list(User.objects.select_for_update().filter(pk=user_id).values_list("pk"))
        if not notification_settings_get(user_id=user_id).mail_on(kind):
            return False
        if kind is MailKind.DIGEST:
            notification_settings_update(user_id=user_id, digest=Digest.OFF.value)
        else:
            notification_settings_update(user_id=user_id, **{f"email_{kind.value}": False})
    return True


def _offsets_problem(offsets: Sequence[int]) -> str:
    if len(offsets) > MAX_REMINDER_OFFSETS:
        return f"Give at most {MAX_REMINDER_OFFSETS} reminders."
    for offset in offsets:
        if isinstance(offset, bool) or not isinstance(offset, int):
            return "Give each reminder as a whole number of minutes."
        if not MIN_REMINDER_OFFSET_MINUTES <= offset <= MAX_REMINDER_OFFSET_MINUTES:
            return (
                f"Give each reminder from {MIN_REMINDER_OFFSET_MINUTES} minutes to "
                f"{MAX_REMINDER_OFFSET_MINUTES} minutes (14 days) before the due time."
            )
    if len(set(offsets)) != len(offsets):
        return "Give each reminder once."
    return ""
