"""The board's activity feed and the caller's notifications (docs/api.md)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.request_user import request_user
from activity import selectors, services
from activity.representations import activity_representation, notification_representation
from boards.api.views import BOARD_ID, board_for
from boards.permissions import Action
from taskboard.api.pagination import CursorPagination
from taskboard.api.requests import validated
from taskboard.api.schema import INVALID, NOT_AUTHENTICATED, NOT_FOUND, PAGE_NOT_FOUND

from .serializers import (
    ActivityOutputSerializer,
    NotificationOutputSerializer,
    NotificationsReadInputSerializer,
)


class ActivityCursorPagination(CursorPagination):
    # seq is unique per board: the cursor is exact, no offsets.
    ordering = "-seq"

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            # DRF answers 404 for a cursor it can't read; it is a bad parameter.
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from exc


class ActivityListView(GenericAPIView):
    pagination_class = ActivityCursorPagination

    @extend_schema(
        tags=["activity"],
        summary="What happened on a board, newest first",
        description=(
            "Cursor-paginated: follow `next` for older entries. Business rule: `cursor` is "
            "only one this endpoint gave in `next` or `previous`; any other is a 400 on `cursor`."
        ),
        parameters=[BOARD_ID],
        responses={
            200: ActivityOutputSerializer(many=True),
            400: INVALID,
            401: NOT_AUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, board_id: int) -> Response:
        board = board_for(request, board_id, Action.BOARD_VIEW)
        page = self.paginate_queryset(selectors.activity_list(board=board))
        assert page is not None
        return self.get_paginated_response([activity_representation(activity) for activity in page])


class NotificationListView(GenericAPIView):
    @extend_schema(
        tags=["notifications"],
        summary="The caller's notifications, newest first",
        responses={
            200: NotificationOutputSerializer(many=True),
            401: NOT_AUTHENTICATED,
            404: PAGE_NOT_FOUND,
        },
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.notification_list(user=request_user(request)))
        assert page is not None
        return self.get_paginated_response([notification_representation(item) for item in page])


class NotificationsReadView(APIView):
    @extend_schema(
        tags=["notifications"],
        summary="Mark notifications read",
        description=(
            "`{ids: [...]}` marks those (ids of others' notifications are ignored); `{all: true}` marks all."
        ),
        request=NotificationsReadInputSerializer,
        responses={204: None, 400: INVALID, 401: NOT_AUTHENTICATED},
    )
    def post(self, request: Request) -> Response:
        data = validated(NotificationsReadInputSerializer, request.data)
        services.notifications_mark_read(
            user=request_user(request), ids=data.get("ids"), all_unread=data.get("all") is True
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
