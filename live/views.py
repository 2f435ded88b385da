"""The pieces of the board page that static/js/live_board.js fetches to apply live events:
one card, one column, the column counters (docs/live-updates.md, "The board page").

The server stays the one place that renders a card: the script never builds one from the
event's data. These reads run on the primary: they are asked for because an event said
something committed, and a replica may not have it yet (a 404 for a card just added).
The page's filters come along in the query string, so a card the filters hide stays hidden.
"""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.request_user import page_user
from boards import selectors
from boards.models import BoardList
from boards.permissions import board_permissions, role_of
from taskboard.db.routing import primary_reads
from taskboard.pages import PageRequest, page
from tasks.board_page import board_card, board_column, list_counts
from tasks.board_views import board_and_filters


@page
@require_GET
def card_fragment(request: PageRequest, board_id: int, task_id: int) -> HttpResponse:
    """The card as the board page shows it; 204 when the page's filters hide it."""
    with primary_reads():
        board, filters = board_and_filters(request, board_id)
        card = board_card(user=page_user(request), board=board, task_id=task_id, filters=filters)
    if card is None:
        return HttpResponse(status=204)
    context = {"board": board, "card": card, "perms": board_permissions(role_of(board), board)}
    return render(request, "boards/_card.html", context)


@page
@require_GET
def column_fragment(request: PageRequest, board_id: int, list_id: int) -> HttpResponse:
    """A list's column (header, first cards, "Show more", the add-a-card form)."""
    with primary_reads():
        board, filters = board_and_filters(request, board_id)
        board_list = BoardList.objects.filter(board=board).get(pk=list_id)
        column = board_column(user=page_user(request), board=board, board_list=board_list, filters=filters)
    context = {
        "board": board,
        "column": column,
        "filters": filters,
        "perms": board_permissions(role_of(board), board),
    }
    return render(request, "boards/_column.html", context)


@page
@require_GET
def column_counts(request: PageRequest, board_id: int) -> JsonResponse:
    """{"lists": [{"id", "total", "wip_limit", "at_limit"}]}: every list's number of cards."""
    with primary_reads():
        board = selectors.board_get_for_user(user=page_user(request), board_id=board_id)
        return JsonResponse({"lists": list_counts(board=board)})
