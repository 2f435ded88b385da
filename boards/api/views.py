"""Boards, members, invitations, lists and labels (API.md), as thin views:
authorize (selector: 404 for non-members, then the role: 403) -> validate the input
(400) -> service -> the representation.

Authorizing before validating keeps the answer to someone who may not act the same
whatever they send: a non-member learns nothing from a 400.
"""

from typing import Any

from django.http import HttpResponse, HttpResponseNotModified
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from boards import permissions, selectors, services
from boards.cache import BoardDetailBody, board_detail_body, board_etag
from boards.models import Board, BoardList, Invitation, Label, Membership
from boards.permissions import Action
from boards.representations import (
    board_summary_representation,
    invitation_representation,
    label_representation,
    list_representation,
    member_representation,
)
from taskboard.api import throttles
from taskboard.api.requests import if_none_match, request_user, validated
from taskboard.api.schema import BOARD_ERRORS, INVALID, NOT_AUTHENTICATED, NOT_FOUND, PAGE_NOT_FOUND

from .detail import BoardDetailOutputSerializer
from .serializers import (
    BoardCreateInputSerializer,
    BoardListQuerySerializer,
    BoardStatsOutputSerializer,
    BoardSummaryOutputSerializer,
    BoardTransferInputSerializer,
    BoardUpdateInputSerializer,
    InvitationOutputSerializer,
    LabelCreateInputSerializer,
    LabelOutputSerializer,
    LabelUpdateInputSerializer,
    ListCreateInputSerializer,
    ListMoveInputSerializer,
    ListOutputSerializer,
    ListUpdateInputSerializer,
    MemberAddInputSerializer,
    MemberOutputSerializer,
    MemberUpdateInputSerializer,
)

BOARD_ID = OpenApiParameter("board_id", OpenApiTypes.INT, OpenApiParameter.PATH)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description='"<board id>-<board version>"',
)


def role_of(obj: Any) -> str | None:
    """The caller's role annotated on a row by the *_get_for_user selectors."""
    return getattr(obj, "user_role", None)


def board_for(request: Request, board_id: int, action: Action) -> Board:
    """The board when the caller may do `action` on it: 404 for non-members, else 403."""
    board = selectors.board_get_for_user(user=request_user(request), board_id=board_id)
    permissions.require(role_of(board), action)
    return board


def board_detail_response(detail: BoardDetailBody, *, status_code: int = 200) -> HttpResponse:
    response = HttpResponse(detail.body, content_type="application/json", status=status_code)
    response["ETag"] = detail.etag
    # Clients may keep it, but must revalidate (If-None-Match) before using it.
    response["Cache-Control"] = "private, no-cache"
    return response


# --- boards -----------------------------------------------------------------------------


class BoardListView(GenericAPIView):
    @extend_schema(
        tags=["boards"],
        summary="The caller's boards",
        description="Only boards the caller belongs to, most recently changed first.",
        parameters=[BoardListQuerySerializer],
        responses={
            200: BoardSummaryOutputSerializer(many=True),
            400: INVALID,
            401: NOT_AUTHENTICATED,
            404: PAGE_NOT_FOUND,
        },
    )
    def get(self, request: Request) -> Response:
        query = validated(BoardListQuerySerializer, request.query_params)
        boards = selectors.board_list_for_user(
            user=request_user(request), archived=query.get("archived", "false") == "true"
        )
        page = self.paginate_queryset(boards)
        assert page is not None
        return self.get_paginated_response(
            [
                board_summary_representation(
                    board, role=role_of(board), member_count=getattr(board, "member_count", 0)
                )
                for board in page
            ]
        )

    @extend_schema(
        tags=["boards"],
        summary="Create a board",
        description=(
            "The caller becomes its owner. `lists` are the titles of its first lists "
            '(default `["To do", "In progress", "Done"]`). Answers the board as GET boards/{id}/ does.'
        ),
        request=BoardCreateInputSerializer,
        responses={201: BoardDetailOutputSerializer, 400: INVALID, 401: NOT_AUTHENTICATED},
    )
    def post(self, request: Request) -> HttpResponse:
        data = validated(BoardCreateInputSerializer, request.data)
        board = services.board_create(
            actor=request_user(request),
            title=data["title"],
            description=data.get("description", ""),
            list_titles=data.get("lists"),
        )
        response = board_detail_response(board_detail_body(board=board), status_code=201)
        response["Location"] = reverse("api:board", kwargs={"board_id": board.pk})
        return response


class BoardDetailView(APIView):
    @extend_schema(
        tags=["boards"],
        summary="A board with its lists, tasks, labels and members",
        description=(
            "Lists in board order, each with its tasks in order. Sends "
            '`ETag: "<id>-<version>"`; with a matching `If-None-Match` the answer is 304 '
            "with no body."
        ),
        parameters=[
            BOARD_ID,
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="An ETag from an earlier answer: 304 when the board has not changed.",
            ),
            ETAG_HEADER,
        ],
        responses={
            200: BoardDetailOutputSerializer,
            304: OpenApiResponse(description="Not modified: the board is at the version of If-None-Match."),
            401: NOT_AUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, board_id: int) -> HttpResponse:
        board = board_for(request, board_id, Action.BOARD_VIEW)
        etag = board_etag(board.pk, board.version)
        # Checked before the body is built or fetched: a 304 costs the board row only.
        if if_none_match(request.headers, etag):
            not_modified = HttpResponseNotModified()
            not_modified["ETag"] = etag
            not_modified["Cache-Control"] = "private, no-cache"
            return not_modified
        return board_detail_response(board_detail_body(board=board))

    @extend_schema(
        tags=["boards"],
        summary="Change a board (admin+)",
        description=(
            "Any of `title`, `description`, `archived`, *(added: issue 13)* `viewers_can_comment`. "
            "Answers the board as GET does."
        ),
        parameters=[BOARD_ID, ETAG_HEADER],
        request=BoardUpdateInputSerializer,
        responses={200: BoardDetailOutputSerializer, 400: INVALID, **BOARD_ERRORS},
    )
    def patch(self, request: Request, board_id: int) -> HttpResponse:
        board = board_for(request, board_id, Action.BOARD_UPDATE)
        data = validated(BoardUpdateInputSerializer, request.data)
        board = services.board_update(board=board, actor=request_user(request), **data)
        return board_detail_response(board_detail_body(board=board))

    @extend_schema(
        tags=["boards"],
        summary="Delete a board with everything on it (owner only)",
        parameters=[BOARD_ID],
        responses={204: None, **BOARD_ERRORS},
    )
    def delete(self, request: Request, board_id: int) -> Response:
        board = board_for(request, board_id, Action.BOARD_DELETE)
        services.board_delete(board=board, actor=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        board = board_for(request, board_id, Action.BOARD_TRANSFER)
        data = validated(BoardTransferInputSerializer, request.data)
        board = services.board_transfer(board=board, actor=request_user(request), to_user_id=data["user_id"])
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


# --- members and invitations --------------------------------------------------------------


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
        board = board_for(request, board_id, Action.MEMBER_MANAGE)
        data = validated(MemberAddInputSerializer, request.data)
        added = services.member_add(
            board=board, actor=request_user(request), email=data["email"], role=data["role"]
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
        board = board_for(request, board_id, Action.MEMBER_MANAGE)
        data = validated(MemberUpdateInputSerializer, request.data)
        membership = services.member_update_role(
            board=board, actor=request_user(request), user_id=user_id, role=data["role"]
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
        board = board_for(request, board_id, Action.BOARD_VIEW)
        services.member_remove(board=board, actor=request_user(request), user_id=user_id)
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
        user = request_user(request)
        invitation = selectors.invitation_get_for_user(
            user=user, board_id=board_id, invitation_id=invitation_id
        )
        permissions.require(role_of(invitation), Action.INVITATION_REVOKE, not_found=Invitation.DoesNotExist)
        services.invitation_revoke(invitation=invitation, actor=user)
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
        board = selectors.board_list_for_user(user=user, archived=None).get(pk=membership.board_id)
        return Response(
            board_summary_representation(
                board, role=role_of(board), member_count=getattr(board, "member_count", 0)
            )
        )


# --- lists ------------------------------------------------------------------------------

LIST_ID = OpenApiParameter("list_id", OpenApiTypes.INT, OpenApiParameter.PATH)


def list_for(request: Request, list_id: int) -> BoardList:
    board_list = selectors.list_get_for_user(user=request_user(request), list_id=list_id)
    permissions.require(role_of(board_list), Action.LIST_CHANGE, not_found=BoardList.DoesNotExist)
    return board_list


class ListCreateView(APIView):
    @extend_schema(
        tags=["lists"],
        summary="Add a list (member+)",
        description="Appended after the board's last list.",
        parameters=[BOARD_ID],
        request=ListCreateInputSerializer,
        responses={201: ListOutputSerializer, 400: INVALID, **BOARD_ERRORS},
    )
    def post(self, request: Request, board_id: int) -> Response:
        board = board_for(request, board_id, Action.LIST_CHANGE)
        data = validated(ListCreateInputSerializer, request.data)
        board_list = services.list_create(board=board, actor=request_user(request), **data)
        return Response(list_representation(board_list), status=status.HTTP_201_CREATED)


class ListDetailView(APIView):
    @extend_schema(
        tags=["lists"],
        summary="Rename a list or change its WIP limit (member+)",
        description="A limit below the list's current number of tasks only stops more from moving in.",
        parameters=[LIST_ID],
        request=ListUpdateInputSerializer,
        responses={200: ListOutputSerializer, 400: INVALID, **BOARD_ERRORS},
    )
    def patch(self, request: Request, list_id: int) -> Response:
        board_list = list_for(request, list_id)
        data = validated(ListUpdateInputSerializer, request.data)
        board_list = services.list_update(board_list=board_list, actor=request_user(request), **data)
        return Response(list_representation(board_list))

    @extend_schema(
        tags=["lists"],
        summary="Delete a list and its tasks (member+)",
        parameters=[LIST_ID],
        responses={204: None, **BOARD_ERRORS},
    )
    def delete(self, request: Request, list_id: int) -> Response:
        board_list = list_for(request, list_id)
        services.list_delete(board_list=board_list, actor=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListMoveView(APIView):
    @extend_schema(
        tags=["lists"],
        summary="Move a list (member+)",
        description="To 0-based `index` among the board's lists; the others keep their order.",
        parameters=[LIST_ID],
        request=ListMoveInputSerializer,
        responses={200: ListOutputSerializer, 400: INVALID, **BOARD_ERRORS},
    )
    def post(self, request: Request, list_id: int) -> Response:
        board_list = list_for(request, list_id)
        data = validated(ListMoveInputSerializer, request.data)
        board_list = services.list_move(
            board_list=board_list, actor=request_user(request), index=data["index"]
        )
        return Response(list_representation(board_list))


# --- labels -----------------------------------------------------------------------------

LABEL_ID = OpenApiParameter("label_id", OpenApiTypes.INT, OpenApiParameter.PATH)


class LabelListView(GenericAPIView):
    @extend_schema(
        tags=["labels"],
        summary="The board's labels",
        description="By name.",
        parameters=[BOARD_ID],
        responses={200: LabelOutputSerializer(many=True), 401: NOT_AUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, board_id: int) -> Response:
        board = board_for(request, board_id, Action.BOARD_VIEW)
        page = self.paginate_queryset(selectors.label_list(board=board))
        assert page is not None
        return self.get_paginated_response([label_representation(label) for label in page])

    @extend_schema(
        tags=["labels"],
        summary="Add a label (admin+)",
        description=(
            "Business rule: names are unique on a board, whatever their case: a `name` the "
            "board has already is a 400 on `name`."
        ),
        parameters=[BOARD_ID],
        request=LabelCreateInputSerializer,
        responses={201: LabelOutputSerializer, 400: INVALID, **BOARD_ERRORS},
    )
    def post(self, request: Request, board_id: int) -> Response:
        board = board_for(request, board_id, Action.LABEL_CHANGE)
        data = validated(LabelCreateInputSerializer, request.data)
        label = services.label_create(board=board, actor=request_user(request), **data)
        return Response(label_representation(label), status=status.HTTP_201_CREATED)


def label_for(request: Request, label_id: int) -> Label:
    label = selectors.label_get_for_user(user=request_user(request), label_id=label_id)
    permissions.require(role_of(label), Action.LABEL_CHANGE, not_found=Label.DoesNotExist)
    return label


class LabelDetailView(APIView):
    @extend_schema(
        tags=["labels"],
        summary="Rename or recolor a label (admin+)",
        description=(
            "Business rule: names are unique on a board, whatever their case: a `name` another "
            "label of the board has is a 400 on `name`."
        ),
        parameters=[LABEL_ID],
        request=LabelUpdateInputSerializer,
        responses={200: LabelOutputSerializer, 400: INVALID, **BOARD_ERRORS},
    )
    def patch(self, request: Request, label_id: int) -> Response:
        label = label_for(request, label_id)
        data = validated(LabelUpdateInputSerializer, request.data)
        label = services.label_update(label=label, actor=request_user(request), **data)
        return Response(label_representation(label))

    @extend_schema(
        tags=["labels"],
        summary="Delete a label (admin+)",
        description="The tasks that had it lose it.",
        parameters=[LABEL_ID],
        responses={204: None, **BOARD_ERRORS},
    )
    def delete(self, request: Request, label_id: int) -> Response:
        label = label_for(request, label_id)
        services.label_delete(label=label, actor=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
