"""Boards, members, invitations, lists and labels (docs/api.md).

Input serializers check shapes and types (wrong types are a 400); the services check
meaning (roles, membership, names taken). Output serializers only document the answers:
the views send the plain dicts of boards.representations, which a test keeps identical
to these shapes.
"""

from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers

from boards.models import Role
from taskboard.api.fields import (
    IdField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictEmailField,
    StrictIntegerField,
)
from taskboard.db.ids import MAX_INT

TITLE_MAX_LENGTH = 200
BOARD_DESCRIPTION_MAX_LENGTH = 5000
LABEL_NAME_MAX_LENGTH = 50
MAX_LISTS_ON_CREATE = 20
ASSIGNABLE_ROLES = [Role.ADMIN.value, Role.MEMBER.value, Role.VIEWER.value]
ALL_ROLES = [Role.OWNER.value, *ASSIGNABLE_ROLES]
COLOR_VALIDATOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a color as #rrggbb.")


def title_field(**kwargs: Any) -> StrictCharField:
    return StrictCharField(max_length=TITLE_MAX_LENGTH, **kwargs)


def wip_limit_field(**kwargs: Any) -> StrictIntegerField:
    return StrictIntegerField(
        min_value=1,
        max_value=MAX_INT,
        allow_null=True,
        help_text="How many tasks the list may hold; null for no limit.",
        **kwargs,
    )


class AssignableRoleField(StrictChoiceField):
    """admin, member or viewer: ownership is transferred, never granted."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ASSIGNABLE_ROLES, **kwargs)


# --- input ------------------------------------------------------------------------------


class BoardListQuerySerializer(serializers.Serializer):
    archived = StrictChoiceField(
        choices=["true", "false"],
        required=False,
        help_text="false (the default): active boards; true: archived boards.",
    )


class BoardCreateInputSerializer(serializers.Serializer):
    title = title_field()
    description = StrictCharField(
        max_length=BOARD_DESCRIPTION_MAX_LENGTH, allow_blank=True, trim_whitespace=False, required=False
    )
    lists = serializers.ListField(
        child=title_field(),
        max_length=MAX_LISTS_ON_CREATE,
        required=False,
        help_text='Titles of the lists to start with; default ["To do", "In progress", "Done"].',
    )


class BoardUpdateInputSerializer(serializers.Serializer):
    title = title_field(required=False)
    description = StrictCharField(
        max_length=BOARD_DESCRIPTION_MAX_LENGTH, allow_blank=True, trim_whitespace=False, required=False
    )
    archived = StrictBooleanField(required=False)
    viewers_can_comment = StrictBooleanField(
        required=False, help_text="(added: issue 13) Viewers may comment on its tasks too."
    )


class BoardTransferInputSerializer(serializers.Serializer):
    user_id = IdField(help_text="A member of the board; they become its owner.")


class MemberAddInputSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)
    role = AssignableRoleField()


class MemberUpdateInputSerializer(serializers.Serializer):
    role = AssignableRoleField()


class ListCreateInputSerializer(serializers.Serializer):
    title = title_field()
    wip_limit = wip_limit_field(required=False)


class ListUpdateInputSerializer(serializers.Serializer):
    title = title_field(required=False)
    wip_limit = wip_limit_field(required=False)


class MoveIndexField(StrictIntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, max_value=MAX_INT, **kwargs)


class ListMoveInputSerializer(serializers.Serializer):
    index = MoveIndexField(help_text="0-based among the board's lists; past the end means last.")


class LabelCreateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=LABEL_NAME_MAX_LENGTH)
    color = StrictCharField(max_length=7, validators=[COLOR_VALIDATOR], help_text="#rrggbb")


class LabelUpdateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=LABEL_NAME_MAX_LENGTH, required=False)
    color = StrictCharField(max_length=7, validators=[COLOR_VALIDATOR], help_text="#rrggbb", required=False)


# --- output (documentation of boards.representations) -----------------------------------


class UserBriefOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MemberUserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class BoardSummaryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    role = serializers.ChoiceField(choices=ALL_ROLES, help_text="The caller's role on the board.")
    member_count = serializers.IntegerField()
    archived = serializers.BooleanField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    board_id = serializers.IntegerField()
    title = serializers.CharField()
    position = serializers.IntegerField(help_text="Sort key: lists are shown in ascending position.")
    wip_limit = serializers.IntegerField(allow_null=True)


class LabelOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    color = serializers.CharField(help_text="#rrggbb")


class MemberOutputSerializer(serializers.Serializer):
    user = MemberUserOutputSerializer()
    role = serializers.ChoiceField(choices=ALL_ROLES)
    joined_at = serializers.DateTimeField()


class InvitationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = AssignableRoleField()
    invited_by = UserBriefOutputSerializer(allow_null=True)
    expires_at = serializers.DateTimeField()


class StatsListOutputSerializer(serializers.Serializer):
    list_id = serializers.IntegerField()
    title = serializers.CharField()
    count = serializers.IntegerField()


class StatsAssigneeOutputSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    count = serializers.IntegerField()


class BoardStatsOutputSerializer(serializers.Serializer):
    tasks_total = serializers.IntegerField()
    tasks_completed = serializers.IntegerField()
    tasks_overdue = serializers.IntegerField(help_text="Open tasks due in the past.")
    by_list = StatsListOutputSerializer(many=True)
    by_assignee = StatsAssigneeOutputSerializer(many=True)
