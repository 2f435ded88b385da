"""A board's lists and labels (docs/api.md "Lists", "Labels"), as thin views (boards.api.views
says how they authorize)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
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

from .row_views import BoardRow, BoardRowDetailView
from .serializers import (
    LabelCreateInputSerializer,
    LabelOutputSerializer,
    LabelUpdateInputSerializer,
    ListCreateInputSerializer,
    ListMoveInputSerializer,
    ListOutputSerializer,
    ListUpdateInputSerializer,
)
from .views import BOARD_ID, board_for

LIST_ID = OpenApiParameter("list_id", OpenApiTypes.INT, OpenApiParameter.PATH)
LABEL_ID = OpenApiParameter("label_id", OpenApiTypes.INT, OpenApiParameter.PATH)


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


@extend_schema_view(
    patch=extend_schema(
        tags=["lists"],
        summary="Rename a list or change its WIP limit (member+)",
        description="A limit below the list's current number of tasks only stops more from moving in.",
        parameters=[LIST_ID],
        request=ListUpdateInputSerializer,
        responses={200: ListOutputSerializer, 400: INVALID, **BOARD_ERRORS},
    ),
    delete=extend_schema(
        tags=["lists"],
        summary="Delete a list and its tasks (member+)",
        parameters=[LIST_ID],
        responses={204: None, **BOARD_ERRORS},
    ),
)
class ListDetailView(BoardRowDetailView):
    row = BoardRow(
        id_name="list_id",
        selector=selectors.list_get_for_user,
        action=Action.LIST_CHANGE,
        not_found=BoardList.DoesNotExist,
        update_input=ListUpdateInputSerializer,
        update=services.list_update,
        delete=services.list_delete,
        representation=list_representation,
    )


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
            ListMoveInputSerializer, request, authorize=lambda: ListDetailView.row.authorize(request, list_id)
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


@extend_schema_view(
    patch=extend_schema(
        tags=["labels"],
        summary="Rename or recolor a label (admin+)",
        description=(
            "Business rule: names are unique on a board, whatever their case: a `name` another "
            "label of the board has is a 400 on `name`."
        ),
        parameters=[LABEL_ID],
        request=LabelUpdateInputSerializer,
        responses={200: LabelOutputSerializer, 400: INVALID, **BOARD_ERRORS},
    ),
    delete=extend_schema(
        tags=["labels"],
        summary="Delete a label (admin+)",
        description="The tasks that had it lose it.",
        parameters=[LABEL_ID],
        responses={204: None, **BOARD_ERRORS},
    ),
)
class LabelDetailView(BoardRowDetailView):
    row = BoardRow(
        id_name="label_id",
        selector=selectors.label_get_for_user,
        action=Action.LABEL_CHANGE,
        not_found=Label.DoesNotExist,
        update_input=LabelUpdateInputSerializer,
        update=services.label_update,
        delete=services.label_delete,
        representation=label_representation,
    )
