"""GET, PATCH users/me/notifications/: the caller's mail choices (docs/api.md "Accounts",
added: issue 15). Only the caller's own: there is no path to anyone else's."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import User
from accounts.notification_preferences import preferences_representation
from taskboard.api.schema import NOT_AUTHENTICATED, error

from .serializers import NotificationSettingsOutputSerializer, NotificationSettingsUpdateInputSerializer

TAGS = ["accounts"]


def _user_id(request: Request) -> int:
    assert isinstance(request.user, User)  # IsAuthenticated ran first
    return request.user.pk


class NotificationSettingsView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The caller's notification mail settings",
        responses={200: NotificationSettingsOutputSerializer, 401: NOT_AUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        return Response(
            preferences_representation(selectors.notification_settings_get(user_id=_user_id(request)))
        )

    @extend_schema(
        tags=TAGS,
        summary="Change the caller's notification mail settings",
        description=(
            "Any of the fields; the others stay. `reminder_offsets_minutes`: 0 to 6 distinct "
            "whole numbers of minutes before a task's due time, each from 5 to 20160 (14 days), "
            "answered largest first. `quiet_hours`: `HH:MM` local times in the caller's time "
            "zone (the span may pass midnight), or null for none. Business rule: `quiet_hours` "
            "whose `start` equals its `end` is a 400 on `quiet_hours`."
        ),
        request=NotificationSettingsUpdateInputSerializer,
        responses={
            200: NotificationSettingsOutputSerializer,
            400: error("validation_error: the body is malformed or a value is not acceptable."),
            401: NOT_AUTHENTICATED,
        },
    )
    def patch(self, request: Request) -> Response:
        data = NotificationSettingsUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preferences = services.notification_settings_update(user_id=_user_id(request), **data.validated_data)
        return Response(preferences_representation(preferences))
