"""The notifications page (what happened that concerns me, and marking it read) and a
board's activity page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.request_user import page_user
from activity import selectors, services
from activity.notification_links import notification_link_valid
from boards import selectors as board_selectors
from taskboard.db.ids import MAX_ID
from taskboard.db.routing import primary_reads
from taskboard.pages import PageRequest, htmx_redirect, page, safe_next

NOTIFICATIONS_PER_PAGE = 30
# Longer strings of digits are larger than any id (and int() refuses thousands of them).
MAX_ID_DIGITS = len(str(MAX_ID))
ACTIVITY_PAGE_SIZE = 25


@page
@require_GET
def notifications(request: PageRequest) -> HttpResponse:
    user = page_user(request)
    unread_only = request.GET.get("unread") == "1"
    notification_page = Paginator(
        selectors.notification_list(user=user, read=False if unread_only else None).select_related("board"),
        NOTIFICATIONS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "activity/notifications.html",
        {
            "page": notification_page,
            "unread_only": unread_only,
            "unread_count": selectors.unread_notification_count(user=user),
        },
    )


@page
@require_POST
def notifications_read(request: PageRequest) -> HttpResponseBase:
    """Mark one notification (`id`) or all of them (`all`) read."""
    user = page_user(request)
    if request.POST.get("all") == "1":
        count = services.notifications_mark_read(user=user, all_unread=True)
        messages.success(request, f"Marked {count} notification{'' if count == 1 else 's'} read.")
    else:
        services.notifications_mark_read(user=user, ids=_ids(request.POST.getlist("id")))
    return htmx_redirect(request, safe_next(request, reverse("activity:notifications")))


def _ids(values: list[str]) -> list[int]:
    """The values that can be a row's id. isdigit() alone takes "²", which int() refuses;
    an id above MAX_ID names no row, and SQLite (the embedded default) can't even bind one:
    it raised OverflowError, a 500, where PostgreSQL matched nothing."""
    return [
        int(value)
        for value in values
        if value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS and int(value) <= MAX_ID
    ]


@page
@require_GET
def notification_open(request: PageRequest, notification_id: int) -> HttpResponseBase:
    """The notification's link (activity.notification_links): marks it read and goes to its
    card (or its board, when the card is gone). A link without its user's signature is a
    404 and changes nothing."""
    user = page_user(request)
    signature = request.GET.get("s", "")[:200]
    if not (
        notification_id <= MAX_ID
        and notification_link_valid(user_id=user.pk, notification_id=notification_id, signature=signature)
    ):
        raise Http404("No such notification.")
    # On the primary: the notification may be a second old, newer than a replica.
    with primary_reads():
        notification = selectors.notification_get(user=user, notification_id=notification_id)
    services.notifications_mark_read(user=user, ids=[notification.pk])
    if notification.task_id is not None:
        return HttpResponseRedirect(reverse("tasks:detail", args=[notification.task_id]))
    return HttpResponseRedirect(reverse("tasks:board", args=[notification.board_id]))


@page
@require_GET
def board_activity(request: PageRequest, board_id: int) -> HttpResponse:
    """A board's activity: a page, or the panel on the board page (htmx), newest first,
    ACTIVITY_PAGE_SIZE at a time before `before` (a seq)."""
    board = board_selectors.board_get_for_user(user=page_user(request), board_id=board_id)
    activities = selectors.activity_list(board=board)
    before = request.GET.get("before", "")
    if before.isascii() and before.isdigit():
        activities = activities.filter(seq__lt=int(before))
    page_items = list(activities[: ACTIVITY_PAGE_SIZE + 1])
    shown = page_items[:ACTIVITY_PAGE_SIZE]
    context = {
        "board": board,
        "activities": shown,
        "card_ids": selectors.activity_card_ids(board=board, activities=shown),
        "has_more": len(page_items) > ACTIVITY_PAGE_SIZE,
        "last_seq": shown[-1].seq if shown else None,
    }
    if request.htmx:
        template = "boards/_activity_more.html" if before else "boards/_activity_panel.html"
        return render(request, template, context)
    return render(request, "boards/activity.html", context)
