"""The pages that change a board's lists: rename or limit, delete, move (dragged, or by
the keyboard's "Move list…"). Thin, as boards.views says: the services authorize and write.
"""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts.request_user import page_user
from boards import selectors, services
from boards.forms import ListForm, ListMoveForm
from boards.models import Board, BoardList
from boards.permissions import Action, require_role
from taskboard.db.routing import primary_reads
from taskboard.pages import PageRequest, form_write, htmx_redirect, json_error, page

from .views import page_board


def _list_and_board(request: PageRequest, list_id: int) -> tuple[BoardList, Board]:
    """The list and its board, for a page that shows them (403 below member)."""
    board_list = selectors.list_get_for_user(user=page_user(request), list_id=list_id)
    return board_list, page_board(request, board_list.board_id, Action.LIST_CHANGE)


@page
@require_http_methods(["GET", "POST"])
def list_edit(request: PageRequest, list_id: int) -> HttpResponseBase:
    """Rename a list or change its WIP limit (a dialog on the board, or a page)."""
    form = ListForm(request.POST or None, prefix=f"list-{list_id}")
    if request.method == "POST":
        done = form_write(
            request,
            form,
            lambda data: services.list_update(
                actor=page_user(request), list_id=list_id, title=data["title"], wip_limit=data["wip_limit"]
            ),
            redirect=lambda board_list: reverse("tasks:board", args=[board_list.board_id]),
            authorize=lambda: _list_and_board(request, list_id),
        )
        if done is not None:
            return done
    board_list, board = _list_and_board(request, list_id)
    if request.method == "GET":
        form.initial = {"title": board_list.title, "wip_limit": board_list.wip_limit}
    template = "boards/_list_edit.html" if request.htmx else "boards/list_edit.html"
    return render(request, template, {"board": board, "board_list": board_list, "form": form})


@page
@require_POST
def list_delete(request: PageRequest, list_id: int) -> HttpResponseBase:
    board_list = services.list_delete(actor=page_user(request), list_id=list_id)
    if not request.htmx:
        messages.success(request, f"The list “{board_list.title}” and its cards were deleted.")
    return htmx_redirect(request, reverse("tasks:board", args=[board_list.board_id]))


@page
@require_POST
def list_move(request: PageRequest, list_id: int) -> JsonResponse:
    """Drag and drop of a list (our script posts the new 0-based index)."""
    try:
        try:
            index = int(request.POST.get("index", ""))
        except ValueError:
            # Refused before the caller learns what was wrong with the request.
            require_role(
                selectors.list_get_for_user(user=page_user(request), list_id=list_id), Action.LIST_CHANGE
            )
            return json_error(400, "The new place of the list is missing.")
        moved = services.list_move(actor=page_user(request), list_id=list_id, index=index)
    except ObjectDoesNotExist:
        return json_error(404, "This list no longer exists. Reload the page.")
    except PermissionDenied as exc:
        return json_error(403, str(exc))
    except ValidationError as exc:
        return json_error(400, " ".join(exc.messages))
    return JsonResponse({"id": moved.pk, "position": moved.position})


def _list_moved(request: PageRequest, board: Board, board_list: BoardList, message: str) -> HttpResponse:
    """The answer to htmx: the page puts the columns in this order at once and says so to
    screen readers (static/js/list_move.js); the live event that follows finds them in
    place."""
    with primary_reads():
        order = selectors.list_order(board=board)
    return trigger_client_event(
        HttpResponse(status=204),
        "listMoved",
        {
            "id": board_list.pk,
            "message": message,
            "lists": [{"id": each.pk, "position": each.position} for each in order],
        },
    )


@page
@require_http_methods(["GET", "POST"])
def list_move_to(request: PageRequest, list_id: int) -> HttpResponseBase:
    """ "Move list…": the keyboard alternative to dragging a list (the same service)."""
    # The form offers the board's positions: read for it, and refused first below member.
    board_list, board = _list_and_board(request, list_id)
    with primary_reads():
        lists = selectors.list_order(board=board)
    current_number = next((n for n, each in enumerate(lists, start=1) if each.pk == board_list.pk), None)
    form = ListMoveForm(
        request.POST or None, lists=lists, current=board_list, initial={"position": current_number}
    )
    if request.method == "POST" and form.is_valid():
        position = form.cleaned_data["position"]
        try:
            services.list_move(actor=page_user(request), list_id=list_id, index=position - 1)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            message = f"Moved list “{board_list.title}” to position {position} of {len(lists)}."
            if request.htmx:
                return _list_moved(request, board, board_list, message)
            messages.success(request, message)
            return htmx_redirect(request, reverse("tasks:board", args=[board.pk]))
    template = "boards/_list_move.html" if request.htmx else "boards/list_move.html"
    context = {"board": board, "board_list": board_list, "form": form, "count": len(lists)}
    return render(request, template, context)
