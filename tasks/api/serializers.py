"""Tasks and comments (docs/api.md "Tasks, comments").

Input serializers check shapes and types; the services check meaning (the list is on the
board, assignees are members, labels belong to the board). Output serializers document the
dicts of tasks.representations, which the views send as they are.
"""

from rest_framework import serializers

from boards.api.serializers import (
    LabelOutputSerializer,
    MoveIndexField,
    UserBriefOutputSerializer,
    title_field,
)
from taskboard.api.fields import (
    IdField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateTimeField,
)
from tasks.models import PRIORITY_NAMES
from tasks.services import (
    COMMENT_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    MAX_ASSIGNEES,
    MAX_LABELS,
    TITLE_MAX_LENGTH,
)

PRIORITIES = list(PRIORITY_NAMES.values())


def description_field() -> StrictCharField:
    return StrictCharField(
        max_length=DESCRIPTION_MAX_LENGTH,
        allow_blank=True,
        trim_whitespace=False,
        required=False,
        help_text="Markdown.",
    )


def ids_field(max_length: int, help_text: str) -> serializers.ListField:
    return serializers.ListField(child=IdField(), max_length=max_length, required=False, help_text=help_text)


# --- input ------------------------------------------------------------------------------


DUE_AT_HELP = (
    "ISO 8601, or null. From 1970-01-01T00:00:00Z to 2200-01-01T00:00:00Z, both included; "
    "outside that range the request is refused with 400 on `due_at` (added: issue 13)."
)


class TaskCreateInputSerializer(serializers.Serializer):
    list_id = IdField(help_text="A list of this board; the task goes last in it.")
    title = title_field()
    description = description_field()
    priority = StrictChoiceField(choices=PRIORITIES, required=False, help_text="Default medium.")
    due_at = StrictDateTimeField(allow_null=True, required=False, help_text=DUE_AT_HELP)
    assignee_ids = ids_field(MAX_ASSIGNEES, "Members of the board.")
    label_ids = ids_field(MAX_LABELS, "Labels of the board.")


class TaskBaseInputSerializer(serializers.Serializer):
    """The values a client based its edit on (added: issue 13), by field, as it read them."""

    list_id = IdField(required=False)
    title = StrictCharField(max_length=TITLE_MAX_LENGTH, allow_blank=True, required=False)
    description = description_field()
    priority = StrictChoiceField(choices=PRIORITIES, required=False)
    due_at = StrictDateTimeField(allow_null=True, required=False)
    completed = StrictBooleanField(required=False)
    assignee_ids = ids_field(MAX_ASSIGNEES, "As a set: the order doesn't matter.")
    label_ids = ids_field(MAX_LABELS, "As a set: the order doesn't matter.")


class TaskUpdateInputSerializer(serializers.Serializer):
    list_id = IdField(required=False, help_text="Another list of the board: the task goes last in it.")
    title = title_field(required=False)
    description = description_field()
    priority = StrictChoiceField(choices=PRIORITIES, required=False)
    due_at = StrictDateTimeField(allow_null=True, required=False, help_text=DUE_AT_HELP)
    completed = StrictBooleanField(required=False)
    assignee_ids = ids_field(MAX_ASSIGNEES, "Members of the board; replaces the assignees.")
    label_ids = ids_field(MAX_LABELS, "Labels of the board; replaces the labels.")
    base = TaskBaseInputSerializer(
        required=False,
        help_text=(
            "(added: issue 13) Merge by field: the values this edit is based on. A field sent "
            "with its base value is not written (a change made meanwhile stays); a field "
            "changed here and, since its base, by someone else is a 412 naming it."
        ),
    )


class TaskMoveInputSerializer(serializers.Serializer):
    list_id = IdField(help_text="A list of the same board (or the task's own list).")
    index = MoveIndexField(help_text="0-based in the target list; past the end means last.")


class CommentInputSerializer(serializers.Serializer):
    body = StrictCharField(max_length=COMMENT_MAX_LENGTH, trim_whitespace=False, help_text="Markdown.")


# --- output (documentation of tasks.representations) ------------------------------------


class TaskOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    board_id = serializers.IntegerField()
    list_id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(help_text="Markdown.")
    position = serializers.IntegerField(help_text="Sort key within the list (ascending).")
    priority = serializers.ChoiceField(choices=PRIORITIES)
    due_at = serializers.DateTimeField(allow_null=True)
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)
    assignees = UserBriefOutputSerializer(many=True)
    labels = LabelOutputSerializer(many=True)
    created_by = UserBriefOutputSerializer(allow_null=True)
    comment_count = serializers.IntegerField()
    version = serializers.IntegerField(help_text='Send it back as If-Match: "<version>" on PATCH.')
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CommentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task_id = serializers.IntegerField()
    author = UserBriefOutputSerializer(allow_null=True)
    body = serializers.CharField(help_text="Markdown, as written.")
    body_html = serializers.CharField(help_text="The body rendered to HTML and sanitized.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TaskWatchOutputSerializer(serializers.Serializer):
    watching = serializers.BooleanField(help_text="Whether the caller watches the task.")
