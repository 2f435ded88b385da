"""The board's Kanban page and its pieces: the page, the next cards of a list, a new list
(which answers with its column). It shows the tasks, so it lives here, above boards
(docs/design.md); its writes are boards' services.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.request_user import page_user
from boards import selectors as board_selectors
from boards import services as board_services
from boards.forms import ListForm
from boards.models import Board, BoardList
from boards.permissions import Action, board_permissions, require_role, role_of
from taskboard.db.routing import primary_reads
from taskboard.pages import PageRequest, htmx_redirect, page

from .board_page import (
    CARDS_PER_LIST,
    DUE_CHOICES,
    PRIORITY_CHOICES,
    BoardFilters,
    Column,
    board_columns,
    list_cards_after,
)


def _board(request: PageRequest, board_id: int) -> Board:
    return board_selectors.board_get_for_user(user=page_user(request), board_id=board_id)


def board_and_filters(request: PageRequest, board_id: int) -> tuple[Board, BoardFilters]:
    """The board (404 unless the caller is a member) and the page's filters on it, for the
    pieces of the board page fetched on their own (more cards, live fragments)."""
    board = _board(request, board_id)
    members = board_selectors.member_list(board=board)
    filters = BoardFilters.from_query(
        request.GET,
        label_ids=set(board_selectors.label_list(board=board).values_list("pk", flat=True)),
        member_ids={member["user"]["id"] for member in members},
    )
    return board, filters


def _board_page_context(request: PageRequest, board: Board) -> dict[str, Any]:
    user = page_user(request)
    members = board_selectors.member_list(board=board)
    labels = list(board_selectors.label_list(board=board))
    filters = BoardFilters.from_query(
        request.GET,
        label_ids={label.pk for label in labels},
        member_ids={member["user"]["id"] for member in members},
    )
    return {
        "board": board,
        "role": role_of(board),
        "perms": board_permissions(role_of(board), board),
        "columns": board_columns(user=user, board=board, filters=filters),
        "filters": filters,
        "members": members,
        "labels": labels,
        "due_choices": DUE_CHOICES,
        "priority_choices": PRIORITY_CHOICES,
        "cards_per_list": CARDS_PER_LIST,
        "list_form": ListForm(prefix="new-list"),
    }


@page
@require_GET
def board_detail(request: PageRequest, board_id: int) -> HttpResponse:
    if request.htmx and request.GET.get("fragment") == "columns":
        # Asked for because something just changed (a live event, a closed card dialog): on
        # the primary, or a lagging replica could answer with the board from before it.
        with primary_reads():
            board = _board(request, board_id)
            return render(request, "boards/_columns.html", _board_page_context(request, board))
    board = _board(request, board_id)
    return render(request, "boards/board.html", _board_page_context(request, board))


@page
@require_GET
def list_cards(request: PageRequest, board_id: int, list_id: int) -> HttpResponse:
    """The next cards of a list ("Load more")."""
    board, filters = board_and_filters(request, board_id)
    board_list = BoardList.objects.filter(board=board).get(pk=list_id)
    try:
        after = int(request.GET.get("after", ""))
    except ValueError:
        raise Http404("No such page of cards.") from None
    cards, has_more = list_cards_after(
        user=page_user(request), board=board, board_list=board_list, filters=filters, after=after
    )
    column = Column(board_list=board_list, total=0, cards=cards)
    return render(
        request,
        "boards/_more_cards.html",
        {
            "board": board,
            "column": column,
            "has_more": has_more,
            "filters": filters,
            "perms": board_permissions(role_of(board), board),
        },
    )


@page
@require_POST
def list_create(request: PageRequest, board_id: int) -> HttpResponseBase:
    """A new list: htmx gets its column, a plain browser the board page."""
    form = ListForm(request.POST, prefix="new-list")
    if not form.is_valid():
        # Refused before the caller sees the form's errors (taskboard.pages.form_write).
        require_role(_board(request, board_id), Action.LIST_CHANGE)
    else:
        try:
            board_list = board_services.list_create(
                actor=page_user(request),
                board_id=board_id,
                title=form.cleaned_data["title"],
                wip_limit=form.cleaned_data["wip_limit"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if not request.htmx:
                return htmx_redirect(request, reverse("tasks:board", args=[board_id]))
            board = _board(request, board_id)
            return render(
                request,
                "boards/_list_created.html",
                {
                    "board": board,
                    "column": Column(board_list=board_list, total=0),
                    "filters": BoardFilters(),
                    "perms": board_permissions(role_of(board), board),
                    "list_form": ListForm(prefix="new-list"),
                },
            )
    board = _board(request, board_id)
    if request.htmx:
        return render(request, "boards/_list_form.html", {"board": board, "list_form": form})
    context = _board_page_context(request, board)
    context["list_form"] = form
    return render(request, "boards/board.html", context)
