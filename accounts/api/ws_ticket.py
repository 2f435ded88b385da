"""POST auth/ws-ticket/: a single-use ticket for a WebSocket handshake (docs/api.md "Live updates")."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.credentials import user_stamp
from accounts.login_limiter import LoginThrottled, log_failure, reserve_address_attempt
from accounts.models import User
from accounts.ws_tickets import ws_ticket_issue
from taskboard.api.schema import NOT_AUTHENTICATED, error
from taskboard.client_address import client_address


class WsTicketOutputSerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text="Pass as `?ticket=` when opening `/ws/boards/{id}/`.")
    expires_in = serializers.IntegerField(help_text="Seconds the ticket stays valid (30); it works once.")


class WsTicketView(APIView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Authentication here is an attempt of the failed-authentication limiter, per
        address: a ticket is a way in, so guessing access tokens (or replaying stolen
        session cookies) through it is limited like logins are."""
        address = client_address(request)
        try:
            attempt = reserve_address_attempt(address=address, entry="ws_ticket")
        except LoginThrottled as exc:
            raise exceptions.Throttled(
                wait=exc.retry_after, detail="Too many failed authentications."
            ) from exc
        try:
            super().initial(request, *args, **kwargs)
        except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed):
            log_failure(entry="ws_ticket", address=address)  # the slot stays taken
            raise
        except BaseException:
            attempt.release()
            raise
        attempt.release()

    @extend_schema(
        tags=["accounts"],
        summary="Get a single-use WebSocket ticket",
        description=(
            "For clients that can't set an `Authorization` header on the WebSocket handshake: "
            "open `ws[s]://host/ws/boards/{id}/?ticket=<ticket>` within `expires_in` seconds. "
            "A ticket works once and only for the caller. Access tokens never go in URLs. "
            "The socket it opens is closed (4401) when an access token issued now would "
            'expire, unless the client sends `{"type": "auth", "token": ...}` over it; a '
            "ticket asked before a password change or a sign-out-everywhere opens nothing."
        ),
        request=None,
        parameters=[
            OpenApiParameter(
                "Retry-After",
                int,
                OpenApiParameter.HEADER,
                response=[429],
                description="Seconds until a request from this address is allowed again.",
            )
        ],
        responses={
            200: WsTicketOutputSerializer,
            401: NOT_AUTHENTICATED,
            429: error("throttled: too many failed authentications from this address; see Retry-After."),
        },
    )
    def post(self, request: Request) -> Response:
        user = request.user
        assert isinstance(user, User)  # IsAuthenticated ran first
        ticket, ttl = ws_ticket_issue(user_id=user.pk, stamp=user_stamp(user))
        return Response(WsTicketOutputSerializer({"ticket": ticket, "expires_in": ttl}).data)
