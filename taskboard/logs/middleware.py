"""The request's log context: its id (from nginx's X-Request-ID, else new), returned in the
response; the board its URL names; and one security line for every 403."""

import logging
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

from taskboard.logs.context import (
    REQUEST_ID_HEADER,
    board_id_var,
    request_id_from,
    request_id_var,
    request_var,
    user_id_var,
)

security_log = logging.getLogger("taskboard.security")
REQUEST_ID_META_KEY = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # META, not request.headers: that builds a dict of every header, which a POST to
        # the API otherwise never needs (docs/benchmarks.md "Metrics' cost").
        request_id = request_id_from(request.META.get(REQUEST_ID_META_KEY))
        # Set, not reset when the middleware returns: Django logs a 4xx/5xx (django.request)
        # after the middleware chain. request_finished clears them.
        request_id_var.set(request_id)
        request_var.set(request)
        user_id_var.set(None)
        board_id_var.set(None)
        response = self.get_response(request)
        if response.status_code == 403:
            _log_permission_denied(request)
        response[REQUEST_ID_HEADER] = request_id
        return response

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: dict[str, Any]
    ) -> None:
        board_id = view_kwargs.get("board_id")
        if isinstance(board_id, int):
            board_id_var.set(board_id)


def _log_permission_denied(request: HttpRequest) -> None:
    # The route, not the path: a path may hold a token (an invitation, a reset link).
    match = request.resolver_match
    where = f"route={match.route or match.view_name}" if match is not None else "route=(none)"
    security_log.warning("Permission denied: %s %s status=403", request.method, where)


@receiver(request_finished, dispatch_uid="taskboard.logs.clear_request_context")
def _clear_request_context(**kwargs: Any) -> None:
    # A sync worker's thread keeps its context between requests; a line logged between two
    # requests must not carry the last one's id.
    request_id_var.set(None)
    request_var.set(None)
    user_id_var.set(None)
    board_id_var.set(None)
