"""The dashboard and the error pages (HTML for people, the envelope under /api/)."""

from datetime import timedelta

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.views.decorators.http import require_GET

from activity.selectors import notification_list, unread_notification_count
from boards.selectors import board_list_for_user
from taskboard.api.errors import error_response
from taskboard.pages import page, page_user
from tasks.selectors import task_list

DASHBOARD_BOARDS = 9
DASHBOARD_TASKS = 8
DASHBOARD_NOTIFICATIONS = 6
DUE_SOON = timedelta(days=7)

ERROR_MESSAGES = {
    400: "Bad request.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    413: "The request body is too large.",
    500: "Something went wrong on our side; it has been logged.",
}


@page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: my boards, my open cards that are overdue or due soon, what's new."""
    user = page_user(request)
    now = timezone.now()
    overdue = task_list(user=user, assignee="me", completed=False, due_before=now, ordering="due_at")
    due_soon = task_list(
        user=user, assignee="me", completed=False, due_after=now, due_before=now + DUE_SOON, ordering="due_at"
    )
    boards = list(board_list_for_user(user=user)[: DASHBOARD_BOARDS + 1])
    return render(
        request,
        "home.html",
        {
            "boards": boards[:DASHBOARD_BOARDS],
            "more_boards": len(boards) > DASHBOARD_BOARDS,
            "overdue": list(overdue.select_related("board", "list")[:DASHBOARD_TASKS]),
            "due_soon": list(due_soon.select_related("board", "list")[:DASHBOARD_TASKS]),
            "notifications": list(
                notification_list(user=user, read=False).select_related("board")[:DASHBOARD_NOTIFICATIONS]
            ),
            "unread_count": unread_notification_count(user=user),
        },
    )


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
