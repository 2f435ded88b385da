"""The board read and what answers with it (docs/api.md "Boards"): GET and POST boards/, GET,
PATCH and DELETE boards/{id}/. The board read nests the tasks, so these views live here,
above boards (docs/design.md); their writes are boards' services, and they authorize as
boards.api.views says.
"""

from django.http import HttpResponse, HttpResponseNotModified
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.request_user import request_user
from boards import selectors as board_selectors
from boards import services as board_services
from boards.api.serializers import (
    BoardCreateInputSerializer,
    BoardListQuerySerializer,
    BoardSummaryOutputSerializer,
    BoardUpdateInputSerializer,
)
from boards.api.views import BOARD_ID, ETAG_HEADER, board_for
from boards.permissions import Action
from boards.representations import board_summary_representation
from taskboard.api.requests import if_none_match, validated, validated_for_write
from taskboard.api.schema import BOARD_ERRORS, INVALID, NOT_AUTHENTICATED, NOT_FOUND, PAGE_NOT_FOUND
from tasks.board_cache import BoardDetailBody, board_detail_body, board_etag

from .board_detail import BoardDetailOutputSerializer


def board_detail_response(detail: BoardDetailBody, *, status_code: int = 200) -> HttpResponse:
    response = HttpResponse(detail.body, content_type="application/json", status=status_code)
    response["ETag"] = detail.etag
    # Clients may keep it, but must revalidate (If-None-Match) before using it.
    response["Cache-Control"] = "private, no-cache"
    return response


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
        boards = board_selectors.board_list_for_user(
            user=request_user(request), archived=query.get("archived", "false") == "true"
        )
        page = self.paginate_queryset(boards)
        assert page is not None
        return self.get_paginated_response(
            [
                board_summary_representation(
                    summary.board, role=summary.role, member_count=summary.member_count
                )
                for summary in board_selectors.board_summaries(page)
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
        board = board_services.board_create(
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
        data = validated_for_write(
            BoardUpdateInputSerializer,
            request,
            authorize=lambda: board_for(request, board_id, Action.BOARD_UPDATE),
        )
        board = board_services.board_update(actor=request_user(request), board_id=board_id, **data)
        return board_detail_response(board_detail_body(board=board))

    @extend_schema(
        tags=["boards"],
        summary="Delete a board with everything on it (owner only)",
        parameters=[BOARD_ID],
        responses={204: None, **BOARD_ERRORS},
    )
    def delete(self, request: Request, board_id: int) -> Response:
        board_services.board_delete(actor=request_user(request), board_id=board_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
