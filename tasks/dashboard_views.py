"""The dashboard, the page at /: it reads boards, cards and notifications, so it lives in
tasks, the highest of the apps it reads (docs/design.md, "Layout")."""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.request_user import page_user
from activity.selectors import notification_list, unread_notification_count
from boards.selectors import board_list_for_user
from taskboard.pages import page
from tasks.selectors import task_list

DASHBOARD_BOARDS = 9
DASHBOARD_TASKS = 8
DASHBOARD_NOTIFICATIONS = 6
DUE_SOON = timedelta(days=7)


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
