"""PATCH and DELETE of a row of a board by its id (a list, a label), written once: the
input is validated, then the row's service locks the board, authorizes and writes. A body
the view refuses is answered after authorizing as the service would (404 for non-members,
else 403, then the 400: validated_for_write), so nobody learns a row exists from an error."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.request_user import request_user
from boards import permissions
from boards.permissions import Action, role_of
from taskboard.api.requests import validated_for_write


@dataclass(frozen=True)
class BoardRow:
    """What the views of one kind of row need: its id's name in the path, the selector that
    reads it with the caller's role, the action a change needs, its services and shape."""

    id_name: str
    selector: Callable[..., Any]
    action: Action
    not_found: type[ObjectDoesNotExist]
    update_input: type[serializers.Serializer]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    representation: Callable[[Any], dict[str, Any]]

    def authorize(self, request: Request, row_id: int) -> None:
        row = self.selector(user=request_user(request), **{self.id_name: row_id})
        permissions.require(role_of(row), self.action, not_found=self.not_found)


class BoardRowDetailView(APIView):
    row: BoardRow

    def patch(self, request: Request, **path: int) -> Response:
        row_id = path[self.row.id_name]
        data = validated_for_write(
            self.row.update_input, request, authorize=lambda: self.row.authorize(request, row_id)
        )
        changed = self.row.update(actor=request_user(request), **{self.row.id_name: row_id}, **data)
        return Response(self.row.representation(changed))

    def delete(self, request: Request, **path: int) -> Response:
        self.row.delete(actor=request_user(request), **{self.row.id_name: path[self.row.id_name]})
        return Response(status=status.HTTP_204_NO_CONTENT)
