"""Crashes under /api/ still answer in the error envelope (and are logged)."""

import logging
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from .errors import error_response

logger = logging.getLogger("taskboard.api")

# What Django itself answers with a 4xx (through taskboard.views' handlers, which speak the
# envelope under /api/): a body over the size limit, too many fields, a bad Host ...
CLIENT_ERRORS = (Http404, PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/") or isinstance(exception, CLIENT_ERRORS):
            return None
        logger.exception("Unhandled error on %s %s", request.method, request.path, exc_info=exception)
        return error_response(500, "Something went wrong on our side; it has been logged.")
