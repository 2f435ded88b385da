"""A board's lists and labels (docs/api.md "Lists", "Labels"), as thin views (boards.api.views
says how they authorize)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.request_user import request_user
from boards import selectors, services
from boards.models import BoardList, Label
from boards.permissions import Action
from boards.representations import label_representation, list_representation
from taskboard.api.requests import validated_for_write
from taskboard.api.schema import BOARD_ERRORS, INVALID, NOT_AUTHENTICATED, NOT_FOUND

from .serializers import (
    LabelCreateInputSerializer,
    LabelOutputSerializer,
    LabelUpdateInputSerializer,
    ListCreateInputSerializer,
    ListMoveInputSerializer,
    ListOutputSerializer,
    ListUpdateInputSerializer,
)
from .views import BOARD_ID, authorized_row, board_for

LIST_ID = OpenApiParameter("list_id", OpenApiTypes.INT, OpenApiParameter.PATH)
LABEL_ID = OpenApiParameter("label_id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _authorize_list(request: Request, list_id: int) -> None:
    authorized_row(
        request, selectors.list_get_for_user, Action.LIST_CHANGE, BoardList.DoesNotExist, list_id=list_id
    )


def _authorize_label(request: Request, label_id: int) -> None:
    authorized_row(
        request, selectors.label_get_for_user, Action.LABEL_CHANGE, Label.DoesNotExist, label_id=label_id
    )


# --- lists ------------------------------------------------------------------------------


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
        data = validated_for_write(
            ListCreateInputSerializer,
            request,
            authorize=lambda: board_for(request, board_id, Action.LIST_CHANGE),
        )
        board_list = services.list_create(actor=request_user(request), board_id=board_id, **data)
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
        data = validated_for_write(
            ListUpdateInputSerializer, request, authorize=lambda: _authorize_list(request, list_id)
        )
        board_list = services.list_update(actor=request_user(request), list_id=list_id, **data)
        return Response(list_representation(board_list))

    @extend_schema(
        tags=["lists"],
        summary="Delete a list and its tasks (member+)",
        parameters=[LIST_ID],
        responses={204: None, **BOARD_ERRORS},
    )
    def delete(self, request: Request, list_id: int) -> Response:
        services.list_delete(actor=request_user(request), list_id=list_id)
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
        data = validated_for_write(
            ListMoveInputSerializer, request, authorize=lambda: _authorize_list(request, list_id)
        )
        board_list = services.list_move(actor=request_user(request), list_id=list_id, index=data["index"])
        return Response(list_representation(board_list))


# --- labels -----------------------------------------------------------------------------


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
        data = validated_for_write(
            LabelCreateInputSerializer,
            request,
            authorize=lambda: board_for(request, board_id, Action.LABEL_CHANGE),
        )
        label = services.label_create(actor=request_user(request), board_id=board_id, **data)
        return Response(label_representation(label), status=status.HTTP_201_CREATED)


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
        data = validated_for_write(
            LabelUpdateInputSerializer, request, authorize=lambda: _authorize_label(request, label_id)
        )
        label = services.label_update(actor=request_user(request), label_id=label_id, **data)
        return Response(label_representation(label))

    @extend_schema(
        tags=["labels"],
        summary="Delete a label (admin+)",
        description="The tasks that had it lose it.",
        parameters=[LABEL_ID],
        responses={204: None, **BOARD_ERRORS},
    )
    def delete(self, request: Request, label_id: int) -> Response:
        services.label_delete(actor=request_user(request), label_id=label_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
