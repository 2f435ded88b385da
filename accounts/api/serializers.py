"""Input serializers check shapes and types; services check meaning; output serializers
shape answers. Unknown fields are ignored (DRF drops them)."""

import datetime
import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Digest, User
from accounts.notification_preferences import (
    MAX_REMINDER_OFFSET_MINUTES,
    MAX_REMINDER_OFFSETS,
    MIN_REMINDER_OFFSET_MINUTES,
    QuietHours,
)
from taskboard.api.fields import (
    PasswordField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictEmailField,
    StrictIntegerField,
)

# --- input ------------------------------------------------------------------------------


class RegisterInputSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)
    password = PasswordField()
    name = StrictCharField(max_length=150)


class TokenObtainInputSerializer(serializers.Serializer):
    # Any string: an address that can't exist is just bad credentials (401), not a 400.
    email = StrictCharField(max_length=254)
    password = PasswordField()


class RefreshInputSerializer(serializers.Serializer):
    refresh = StrictCharField()


class PasswordResetInputSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    uid = StrictCharField(max_length=64)
    token = StrictCharField(max_length=128)
    new_password = PasswordField()


class VerifyEmailInputSerializer(serializers.Serializer):
    token = StrictCharField(max_length=512, help_text="The last path segment of the link in the mail.")


class MeUpdateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=150, required=False)
    timezone = StrictCharField(max_length=64, required=False, help_text="An IANA time zone name.")
    email_notifications = StrictBooleanField(required=False)


# "HH:MM", 00:00 to 23:59. [0-9] rather than \\d, which in Python also matches other scripts' digits.
CLOCK_TIME_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"


@extend_schema_field({"type": "string", "pattern": CLOCK_TIME_PATTERN, "example": "22:00"})
class ClockTimeField(StrictCharField):
    """A local clock time "HH:MM" (24-hour), as a datetime.time."""

    default_error_messages = {"clock_time": "Give a time as HH:MM, from 00:00 to 23:59."}

    def __init__(self, **kwargs: Any) -> None:
        # Exactly the pattern the schema states: " 07:00" or "07:00\n" is refused, not trimmed.
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        text = super().to_internal_value(data)
        # fullmatch: `$` alone would let a trailing newline through.
        if not re.fullmatch(CLOCK_TIME_PATTERN.strip("^$"), text):
            self.fail("clock_time")
        return datetime.time(int(text[:2]), int(text[3:]))


class QuietHoursInputSerializer(serializers.Serializer):
    start = ClockTimeField()
    end = ClockTimeField()

    def to_internal_value(self, data: Any) -> QuietHours:
        values = super().to_internal_value(data)
        return QuietHours(start=values["start"], end=values["end"])


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "integer",
            "minimum": MIN_REMINDER_OFFSET_MINUTES,
            "maximum": MAX_REMINDER_OFFSET_MINUTES,
        },
        "maxItems": MAX_REMINDER_OFFSETS,
        "uniqueItems": True,
        "example": [1440, 60],
    }
)
class ReminderOffsetsField(serializers.ListField):
    """A list of integers; their count, range and uniqueness are the service's rules."""

    child = StrictIntegerField()


class NotificationSettingsUpdateInputSerializer(serializers.Serializer):
    email_mentions = StrictBooleanField(required=False)
    email_assignments = StrictBooleanField(required=False)
    email_due = StrictBooleanField(required=False)
    reminder_offsets_minutes = ReminderOffsetsField(
        required=False, help_text="Minutes before a task's due time; 0 to 6 of them, each from 5 to 20160."
    )
    digest = StrictChoiceField(choices=Digest.values, required=False)
    quiet_hours = QuietHoursInputSerializer(
        required=False,
        allow_null=True,
        help_text="Local times in the user's time zone; null for none. start and end must differ.",
    )


class PasswordChangeInputSerializer(serializers.Serializer):
    current_password = PasswordField()
    new_password = PasswordField()


# --- output -----------------------------------------------------------------------------


class UserSummaryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name"]
        read_only_fields = fields


class MeOutputSerializer(serializers.ModelSerializer):
    # Derived since issue 15 (User.email_notifications): true while any kind of
    # notification mail is on.
    email_notifications = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "name", "timezone", "email_notifications", "email_verified", "date_joined"]
        read_only_fields = fields


class QuietHoursOutputSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="HH:MM")
    end = serializers.CharField(help_text="HH:MM")


class NotificationSettingsOutputSerializer(serializers.Serializer):
    email_mentions = serializers.BooleanField()
    email_assignments = serializers.BooleanField()
    email_due = serializers.BooleanField()
    reminder_offsets_minutes = serializers.ListField(
        child=serializers.IntegerField(), help_text="Largest first."
    )
    digest = serializers.ChoiceField(choices=Digest.values)
    quiet_hours = QuietHoursOutputSerializer(allow_null=True)


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
