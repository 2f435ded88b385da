"""The OpenAPI schema describes exactly the API: every URL and method under /api/v1/, valid,
without warnings, and with the shapes the views really send."""

import re
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from activity.api.serializers import ActivityOutputSerializer, NotificationOutputSerializer
from activity.models import Activity
from activity.representations import activity_representation, notification_representation
from activity.tests.factories import NotificationFactory
from boards import selectors, services
from boards.api.serializers import (
    BoardStatsOutputSerializer,
    BoardSummaryOutputSerializer,
    InvitationOutputSerializer,
    LabelOutputSerializer,
    ListOutputSerializer,
    MemberOutputSerializer,
)
from boards.models import Membership
from boards.representations import (
    board_summary_representation,
    invitation_representation,
    label_representation,
    list_representation,
)
from boards.tests.factories import BoardListFactory, InvitationFactory, LabelFactory, board_with_roles
from tasks.api.board_detail import BoardDetailOutputSerializer
from tasks.api.serializers import CommentOutputSerializer, TaskOutputSerializer
from tasks.board_detail import board_detail
from tasks.representations import comment_representation, task_representation
from tasks.tests.factories import CommentFactory, TaskFactory
from tests.api.http import Api

# Served next to the API, not part of it.
NOT_IN_SCHEMA = {"/api/v1/schema/", "/api/v1/docs/"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
BOARD_API_PREFIXES = tuple(
    f"/api/v1/{name}"
    for name in ("boards", "lists", "labels", "tasks", "comments", "invitations", "notifications")
)


def api_routes() -> Iterator[tuple[str, Any]]:
    """(OpenAPI path, view callback) of every URL pattern under /api/v1/."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield "/" + route, pattern.callback

    for route, callback in walk(get_resolver().url_patterns, ""):
        if route.startswith("/api/v1/"):
            yield re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route), callback


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_url_under_api_v1_is_in_the_schema_and_nothing_else(schema: dict[str, Any]) -> None:
    routes = {path for path, _ in api_routes()} - NOT_IN_SCHEMA

    assert set(schema["paths"]) == routes


def test_every_method_of_every_view_is_in_the_schema(schema: dict[str, Any]) -> None:
    for path, callback in api_routes():
        if path in NOT_IN_SCHEMA:
            continue
        view_class = callback.cls
        methods = {m for m in HTTP_METHODS if hasattr(view_class, m)}
        assert set(schema["paths"][path]) - {"parameters"} == methods, path


def test_every_operation_documents_its_errors_and_a_summary(schema: dict[str, Any]) -> None:
    for path, operations in schema["paths"].items():
        if not path.startswith(BOARD_API_PREFIXES):
            continue
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            assert "401" in operation["responses"], (method, path)
            if "{board_id}" in path or "{task_id}" in path or "{list_id}" in path or "{label_id}" in path:
                assert "404" in operation["responses"], (method, path)
            if method in {"post", "patch"} and operation.get("requestBody"):
                assert "400" in operation["responses"], (method, path)


def test_the_schema_validates_without_warnings() -> None:
    out = StringIO()

    call_command("spectacular", validate=True, fail_on_warn=True, stdout=out, stderr=StringIO())

    assert out.getvalue().startswith("openapi: 3.0.3")


@pytest.mark.django_db
def test_the_schema_and_the_docs_are_served() -> None:
    schema = Api(None).get("schema/", headers={"Accept": "application/json"})
    docs = Api(None).get("docs/")

    assert schema.status_code == 200
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    # Served from the app's own static files, no CDN.
    assert b"cdn" not in docs.content.lower()


# --- the documented shapes are the ones the views send ------------------------------------


def shape_of(serializer: serializers.BaseSerializer) -> Any:
    """The keys of a serializer's output, nested: {field: sub-shape or None}."""
    if isinstance(serializer, serializers.ListSerializer):
        assert isinstance(serializer.child, serializers.BaseSerializer)
        return [shape_of(serializer.child)]
    assert isinstance(serializer, serializers.Serializer)
    return {
        name: shape_of(field) if isinstance(field, serializers.BaseSerializer) else None
        for name, field in serializer.fields.items()
    }


def shape_of_data(value: Any, expected: Any) -> Any:
    """The keys of a real answer, nested the way `expected` says."""
    if isinstance(expected, list):
        assert isinstance(value, list)
        assert value, "need at least one item to compare"
        return [shape_of_data(value[0], expected[0])]
    if isinstance(expected, dict):
        if value is None:
            return expected  # a nullable nested object
        return {key: shape_of_data(value[key], expected.get(key)) for key in value}
    return None


def assert_documented(data: Any, serializer: serializers.BaseSerializer) -> None:
    expected = shape_of(serializer)
    assert shape_of_data(data, expected) == expected


@pytest.mark.django_db
def test_the_representations_have_the_documented_shapes() -> None:
    given = board_with_roles()
    board = given.board
    board_list = BoardListFactory.create(board=board)
    label = LabelFactory.create(board=board)
    task = TaskFactory.create(list=board_list, created_by=given.member)
    task.assignees.set([given.member], through_defaults={"board_id": task.board_id})
    task.labels.set([label], through_defaults={"board_id": task.board_id})
    comment = CommentFactory.create(task=task, author=given.member)
    invitation = InvitationFactory.create(board=board, invited_by=given.owner)
    services.board_update(board_id=board.pk, actor=given.owner, title="Changed")
    membership = Membership.objects.select_related("user").filter(board=board).first()
    assert membership is not None
    summary = selectors.board_list_for_user(user=given.owner).get(pk=board.pk)

    assert_documented(
        board_detail(board=selectors.board_get_for_user(user=given.owner, board_id=board.pk)),
        BoardDetailOutputSerializer(),
    )
    assert_documented(
        board_summary_representation(summary, role="owner", member_count=5), BoardSummaryOutputSerializer()
    )
    assert_documented(selectors.board_stats(board=board), BoardStatsOutputSerializer())
    assert_documented(selectors.member_list(board=board), MemberOutputSerializer(many=True))
    assert_documented(invitation_representation(invitation, given.owner), InvitationOutputSerializer())
    assert_documented(list_representation(board_list), ListOutputSerializer())
    assert_documented(label_representation(label), LabelOutputSerializer())
    assert_documented(task_representation(task), TaskOutputSerializer())
    assert_documented(comment_representation(comment), CommentOutputSerializer())
    activity = Activity.objects.select_related("actor").filter(board=board).first()
    assert activity is not None
    assert_documented(activity_representation(activity), ActivityOutputSerializer())
    assert_documented(
        notification_representation(NotificationFactory.create(user=given.member, board=board)),
        NotificationOutputSerializer(),
    )
