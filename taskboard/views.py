"""The error pages (HTML for people, the envelope under /api/)."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from taskboard.api.errors import error_response

ERROR_MESSAGES = {
    400: "Bad request.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    413: "The request body is too large.",
    500: "Something went wrong on our side; it has been logged.",
}


def _error(request: HttpRequest, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(status, ERROR_MESSAGES[status])
    if status in (413, 500):
        # No request context: for 500 the database or the session may be what failed; a
        # 413 is answered before the session and the user are loaded.
        return HttpResponse(loader.get_template(f"{status}.html").render(), status=status)
    return render(request, f"{status}.html", {"message": ERROR_MESSAGES[status]}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        # Django calls a body over DATA_UPLOAD_MAX_MEMORY_SIZE suspicious; it is too large.
        return _error(request, 413)
    return _error(request, 400)


def payload_too_large(request: HttpRequest) -> HttpResponse:
    return _error(request, 413)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: the envelope under /api/ (in DRF's words), a page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(403, f"CSRF Failed: {reason}")
    return render(request, "403_csrf.html", status=403)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)
