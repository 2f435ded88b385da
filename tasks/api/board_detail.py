"""The documented shape of the board read (GET boards/{id}/): the board with its lists,
each with its tasks in order, its labels and its members.

It nests the task shape, so it lives in tasks.api, above boards.api (docs/design.md).
"""

from rest_framework import serializers

from boards.api.serializers import LabelOutputSerializer, ListOutputSerializer, MemberOutputSerializer

from .serializers import TaskOutputSerializer


class ListWithTasksOutputSerializer(ListOutputSerializer):
    tasks = TaskOutputSerializer(many=True, help_text="In order (ascending position).")


class BoardDetailOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    archived = serializers.BooleanField()
    viewers_can_comment = serializers.BooleanField(
        help_text="(added: issue 13) Viewers may comment on its tasks too (default false)."
    )
    version = serializers.IntegerField(help_text='Bumped by every change; the ETag is "<id>-<version>".')
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    member_count = serializers.IntegerField()
    lists = ListWithTasksOutputSerializer(many=True, help_text="In board order.")
    labels = LabelOutputSerializer(many=True)
    members = MemberOutputSerializer(many=True)
