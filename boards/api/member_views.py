"""A board's members and invitations (docs/api.md "Members"), as thin views (boards.api.views
says how they authorize)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.request_user import request_user
from boards import selectors, services
from boards.models import Invitation, Membership
from boards.permissions import Action
from boards.representations import (
    board_summary_representation,
    invitation_representation,
    member_representation,
)
from taskboard.api import throttles
from taskboard.api.requests import validated_for_write
from taskboard.api.schema import BOARD_ERRORS, INVALID, NOT_AUTHENTICATED, NOT_FOUND

from .serializers import (
    BoardSummaryOutputSerializer,
    InvitationOutputSerializer,
    MemberAddInputSerializer,
    MemberOutputSerializer,
    MemberUpdateInputSerializer,
)
from .views import BOARD_ID, board_for


class MemberListView(APIView):
    # Adding a member by email may send an invitation mail: limited per address.
    throttle_classes = (*throttles.GENERAL, throttles.InviteThrottle)

    @extend_schema(
        tags=["members"],
        summary="The board's members",
        description="In the order they joined (not paginated).",
        parameters=[BOARD_ID],
        responses={200: MemberOutputSerializer(many=True), 401: NOT_AUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, board_id: int) -> Response:
        board = board_for(request, board_id, Action.MEMBER_VIEW)
        return Response(selectors.member_list(board=board))

    @extend_schema(
        tags=["members"],
        summary="Add a member or invite someone (admin+)",
        description=(
            "An address whose account is verified joins at once (201, the member). Any other "
            "address (no account, or an account whose address is not verified) gets an "
            "invitation email (202, the invitation); inviting it again replaces the pending "
            "invitation. The role is admin, member or viewer (ownership is transferred). "
            "Business rule: the `email` of someone already a member is a 400 on `email`."
        ),
        parameters=[BOARD_ID],
        request=MemberAddInputSerializer,
        responses={
            201: MemberOutputSerializer,
            202: InvitationOutputSerializer,
            400: INVALID,
            **BOARD_ERRORS,
        },
    )
    def post(self, request: Request, board_id: int) -> Response:
        data = validated_for_write(
            MemberAddInputSerializer,
            request,
            authorize=lambda: board_for(request, board_id, Action.MEMBER_MANAGE),
        )
        added = services.member_add(
            actor=request_user(request), board_id=board_id, email=data["email"], role=data["role"]
        )
        if isinstance(added, Membership):
            return Response(member_representation(added, added.user), status=status.HTTP_201_CREATED)
        assert isinstance(added, Invitation)
        return Response(
            invitation_representation(added, request_user(request)), status=status.HTTP_202_ACCEPTED
        )


class MemberDetailView(APIView):
    @extend_schema(
        tags=["members"],
        summary="Change a member's role (admin+)",
        description="Not the owner's: ownership changes only by a transfer.",
        parameters=[BOARD_ID, OpenApiParameter("user_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=MemberUpdateInputSerializer,
        responses={200: MemberOutputSerializer, 400: INVALID, **BOARD_ERRORS},
    )
    def patch(self, request: Request, board_id: int, user_id: int) -> Response:
        data = validated_for_write(
            MemberUpdateInputSerializer,
            request,
            authorize=lambda: board_for(request, board_id, Action.MEMBER_MANAGE),
        )
        membership = services.member_update_role(
            actor=request_user(request), board_id=board_id, user_id=user_id, role=data["role"]
        )
        return Response(member_representation(membership, membership.user))

    @extend_schema(
        tags=["members"],
        summary="Remove a member (admin+), or leave the board (any member)",
        description="The owner can't be removed and can't leave (transfer the board first).",
        parameters=[BOARD_ID, OpenApiParameter("user_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={204: None, **BOARD_ERRORS},
    )
    def delete(self, request: Request, board_id: int, user_id: int) -> Response:
        services.member_remove(actor=request_user(request), board_id=board_id, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListView(APIView):
    @extend_schema(
        tags=["members"],
        summary="Pending invitations (admin+)",
        description="Not accepted and not expired, oldest first (not paginated).",
        parameters=[BOARD_ID],
        responses={200: InvitationOutputSerializer(many=True), **BOARD_ERRORS},
    )
    def get(self, request: Request, board_id: int) -> Response:
        board = board_for(request, board_id, Action.INVITATION_VIEW)
        return Response(selectors.invitation_list(board=board))


class InvitationDetailView(APIView):
    @extend_schema(
        tags=["members"],
        summary="Revoke an invitation (admin+)",
        description="Its link stops working.",
        parameters=[BOARD_ID, OpenApiParameter("invitation_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={204: None, **BOARD_ERRORS},
    )
    def delete(self, request: Request, board_id: int, invitation_id: int) -> Response:
        services.invitation_revoke(
            actor=request_user(request), board_id=board_id, invitation_id=invitation_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptView(APIView):
    @extend_schema(
        tags=["members"],
        summary="Accept an invitation",
        description=(
            "The caller joins the board with the invited role (a member already keeps their "
            "role). Business rule: a token works once and expires (default 7 days): a used or "
            "expired one is a 400 on `token`, an unknown one a 404. Answers the board as GET "
            "boards/ lists it."
        ),
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, OpenApiParameter.PATH)],
        request=None,
        responses={
            200: BoardSummaryOutputSerializer,
            400: INVALID,
            401: NOT_AUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request, token: str) -> Response:
        user = request_user(request)
        membership = services.invitation_accept(token=token, user=user)
        summary = selectors.board_summary_for_user(user=user, board_id=membership.board_id)
        return Response(
            board_summary_representation(summary.board, role=summary.role, member_count=summary.member_count)
        )
