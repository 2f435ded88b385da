"""Boards (docs/api.md), as thin views, and what the board API views share: the path
parameters and the board of a read.

A read authorizes in its selector (404 for non-members, then the role: 403). A write
passes ids and the caller to the service, which authorizes as it locks the board: the
view reads nothing before, and authorizes itself only for a body it refuses, so that a
caller who may not act gets the 404 or 403 whatever they send, never the 400
(validated_for_write()). The board read itself (GET boards/ and boards/{id}/, which
nest the tasks) is tasks.api.board_views'.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.request_user import request_user
from boards import permissions, selectors, services
from boards.models import Board
from boards.permissions import Action, role_of
from taskboard.api.requests import validated_for_write
from taskboard.api.schema import BOARD_ERRORS, INVALID, NOT_AUTHENTICATED, NOT_FOUND

from .serializers import BoardStatsOutputSerializer, BoardTransferInputSerializer, MemberOutputSerializer

BOARD_ID = OpenApiParameter("board_id", OpenApiTypes.INT, OpenApiParameter.PATH)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description='"<board id>-<board version>"',
)


def board_for(request: Request, board_id: int, action: Action) -> Board:
    """The board when the caller may do `action` on it: 404 for non-members, else 403."""
    board = selectors.board_get_for_user(user=request_user(request), board_id=board_id)
    permissions.require(role_of(board), action)
    return board


class BoardTransferView(APIView):
    @extend_schema(
        tags=["boards"],
        summary="Transfer the ownership (owner only)",
        description=(
            "The target must be a member: they become the owner and the old owner an admin. "
            "Answers the board's members. Business rule: a `user_id` that is not a member, or "
            "is the owner already, is a 400 on `user_id`."
        ),
        parameters=[BOARD_ID],
        request=BoardTransferInputSerializer,
        responses={200: MemberOutputSerializer(many=True), 400: INVALID, **BOARD_ERRORS},
    )
    def post(self, request: Request, board_id: int) -> Response:
        data = validated_for_write(
            BoardTransferInputSerializer,
            request,
            authorize=lambda: board_for(request, board_id, Action.BOARD_TRANSFER),
        )
        board = services.board_transfer(
            actor=request_user(request), board_id=board_id, to_user_id=data["user_id"]
        )
        return Response(selectors.member_list(board=board))


class BoardStatsView(APIView):
    @extend_schema(
        tags=["boards"],
        summary="Counts of a board's tasks",
        description="Totals, overdue (open and due in the past), per list in board order, per assignee.",
        parameters=[BOARD_ID],
        responses={200: BoardStatsOutputSerializer, 401: NOT_AUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, board_id: int) -> Response:
        board = board_for(request, board_id, Action.BOARD_VIEW)
        return Response(selectors.board_stats(board=board))
