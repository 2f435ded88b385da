"""The landing page and the error pages (HTML for people, the envelope under /api/)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from taskboard.api.errors import error_response

ERROR_MESSAGES = {
    400: "Bad request.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    500: "Something went wrong on our side; it has been logged.",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def _error(request: HttpRequest, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response(status, ERROR_MESSAGES[status])
    if status == 500:
        # No request context: the database or the session may be what failed.
        return HttpResponse(loader.get_template("500.html").render(), status=500)
    return render(request, f"{status}.html", {"message": ERROR_MESSAGES[status]}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)
