"""Activity and notifications (docs/api.md "Activity, notifications")."""

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from activity.models import NotificationKind
from boards.api.serializers import UserBriefOutputSerializer
from taskboard.api.fields import IdField, StrictBooleanField

MAX_IDS = 1000

# --- input ------------------------------------------------------------------------------


class NotificationsReadInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=IdField(), max_length=MAX_IDS, required=False, help_text="Mark these read."
    )
    all = StrictBooleanField(required=False, help_text="true: mark every notification read.")

    def validate(self, attrs: dict) -> dict:
        if attrs.get("all") is not True and "ids" not in attrs:
            raise serializers.ValidationError("Send ids, or all: true.")
        return attrs


class NotificationsReadInputSchema(OpenApiSerializerExtension):
    """The rule of validate() in the schema: `ids`, or `all` set to true."""

    target_class = NotificationsReadInputSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer(self.target_class, direction, bypass_extensions=True)
        schema["anyOf"] = [
            {"required": ["ids"]},
            {"required": ["all"], "properties": {"all": {"type": "boolean", "enum": [True]}}},
        ]
        return schema


# --- output (documentation of activity.representations) ---------------------------------


class ActivityTargetOutputSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="board, member, list, task, comment or label.")
    id = serializers.IntegerField()
    title = serializers.CharField()


class ActivityOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField(help_text="The board's event number: 1, 2, 3 ... with no gaps.")
    actor = UserBriefOutputSerializer(allow_null=True)
    verb = serializers.CharField(help_text="What happened, e.g. task.moved (docs/api.md lists them all).")
    target = ActivityTargetOutputSerializer()
    # The metaclass pops declared fields off the class, so `data` doesn't shadow
    # Serializer.data at run time; only the type checker sees a clash.
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="The target as the API showed it right after the change."
    )
    created_at = serializers.DateTimeField()


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NotificationKind.values)
    board_id = serializers.IntegerField()
    task_id = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()
    read = serializers.BooleanField()
    created_at = serializers.DateTimeField()
