"""The request's log context: its id (from nginx's X-Request-ID, else new), returned in the
response; the user and board a log line reads from the request; and one security line for
every 403. With the metrics on, taskboard.metrics.http.BeforeMiddleware takes its place
(the same context, and the request's counts, in one middleware)."""

import logging
from collections.abc import Callable

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponseBase

from taskboard.logs.context import REQUEST_ID_HEADER, enter_request, leave_request

security_log = logging.getLogger("taskboard.security")
# META, not request.headers: that builds a dict of every header, which a POST to the API
# otherwise never needs (docs/benchmarks.md "Metrics' cost").
REQUEST_ID_META_KEY = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")
# ResponseHeaders' key: the lower-case name.
REQUEST_ID_STORE_KEY = REQUEST_ID_HEADER.lower()


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        # Set when the request starts, not reset when the middleware returns: Django logs a
        # 4xx or 5xx (django.request) after the middleware chain. Cleared when the request
        # has finished; connected here, so that a process without this middleware (the
        # bench's baseline) has no receiver to call.
        request_finished.connect(leave_request, dispatch_uid="taskboard.logs.clear_request_context")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = enter_request(request.META.get(REQUEST_ID_META_KEY), request)
        response = self.get_response(request)
        if response.status_code == 403:
            log_permission_denied(request)
        set_request_id_header(response, request_id)
        return response


def set_request_id_header(response: HttpResponseBase, request_id: str) -> None:
    """`response["X-Request-ID"] = request_id`, straight into the response's header store:
    Django's __setitem__ checks and encodes name and value (bench/api_call_costs.py: 6,200
    CPU instructions, against 1,400), and an id is ASCII without a line break by construction
    (context.valid_request_id, new_request_id). taskboard/tests/test_log_context.py checks
    the header."""
    response.headers._store[REQUEST_ID_STORE_KEY] = (REQUEST_ID_HEADER, request_id)


def log_permission_denied(request: HttpRequest) -> None:
    # The route, not the path: a path may hold a token (an invitation, a reset link).
    match = request.resolver_match
    where = f"route={match.route or match.view_name}" if match is not None else "route=(none)"
    security_log.warning("Permission denied: %s %s status=403", request.method, where)
