"""POST auth/ws-ticket/: a single-use ticket for a WebSocket handshake (API.md "Live updates")."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.credentials import user_stamp
from accounts.models import User
from accounts.ws_tickets import ws_ticket_issue
from taskboard.api.schema import NOT_AUTHENTICATED


class WsTicketOutputSerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text="Pass as `?ticket=` when opening `/ws/boards/{id}/`.")
    expires_in = serializers.IntegerField(help_text="Seconds the ticket stays valid (30); it works once.")


class WsTicketView(APIView):
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
        responses={200: WsTicketOutputSerializer, 401: NOT_AUTHENTICATED},
    )
    def post(self, request: Request) -> Response:
        user = request.user
        assert isinstance(user, User)  # IsAuthenticated ran first
        ticket, ttl = ws_ticket_issue(user_id=user.pk, stamp=user_stamp(user))
        return Response(WsTicketOutputSerializer({"ticket": ticket, "expires_in": ttl}).data)
