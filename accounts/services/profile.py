"""The profile: name, time zone, notification mail."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from accounts.models import User, validate_timezone

# accounts sits below boards, but models may be imported from anywhere (the layering's
# exemption), and boards.models imports nothing of accounts' services: no cycle.
from boards.models import Board

_UNSET = object()


def user_update(
    *,
    user: User,
    name: str | object = _UNSET,
    timezone: str | object = _UNSET,
    email_notifications: bool | object = _UNSET,
) -> User:
    """Change the profile fields given; nothing changes if any of them is invalid.

    `email_notifications` (docs/api.md, from before issue 15 split notification mail into
    kinds) reads true while any kind is on (User.email_notifications). Setting it false turns
    every kind off; setting it true turns every kind on when all were off, and changes
    nothing when some are on: a form or client that sends back the value it read must not
    undo the choice of kinds made elsewhere."""
    changes: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    if name is not _UNSET:
        assert isinstance(name, str)
        changes["name"] = name.strip()
        if not changes["name"]:
            errors["name"] = ["This field may not be blank."]
    if timezone is not _UNSET:
        assert isinstance(timezone, str)
        try:
            validate_timezone(timezone)
        except ValidationError as exc:
            errors["timezone"] = exc.messages
        changes["timezone"] = timezone
    if email_notifications is not _UNSET and bool(email_notifications) != user.email_notifications:
        for kind in ("email_mentions", "email_assignments", "email_due"):
            changes[kind] = bool(email_notifications)
    if errors:
        raise ValidationError(errors)
    if changes:
        with transaction.atomic():
            for field_name, value in changes.items():
                setattr(user, field_name, value)
            user.save(update_fields=list(changes))
            if "name" in changes:
                _touch_boards_of(user)
    return user


def _touch_boards_of(user: User) -> None:
    """Board payloads show members' names and are cached by board version: a rename
    bumps the version of every board the user is on, so no cached read keeps the old name."""
    Board.objects.filter(memberships__user=user).update(version=F("version") + 1)
