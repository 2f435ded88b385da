"""The board pages: my boards, a board's settings and labels. (The Kanban page shows the
tasks: tasks.board_views.)

Thin, like the API views (docs/design.md rule 3): a form checks the shape of the input, a
selector reads for display, a service authorizes and writes (taskboard.pages.form_write).
Non-members get the 404 page (the `page` decorator turns DoesNotExist into it), members
whose role is too low the 403 page, and no page renders a control its viewer may not use.
"""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.request_user import page_user
from boards import selectors, services
from boards.forms import BoardForm, BoardSettingsForm, ConfirmTitleForm, LabelForm, TransferForm
from boards.models import Board, Label
from boards.permissions import Action, board_permissions, require_role, role_of
from taskboard.pages import PageRequest, form_write, htmx_redirect, page


def page_board(request: PageRequest, board_id: int, action: Action | None = None) -> Board:
    """The board for a page (404 unless the caller is a member); with `action`, the 403 page
    unless the caller's role allows it."""
    board = selectors.board_get_for_user(user=page_user(request), board_id=board_id)
    if action is not None:
        require_role(board, action)
    return board


# My boards


@page
@require_http_methods(["GET", "POST"])
def board_index(request: PageRequest) -> HttpResponseBase:
    user = page_user(request)
    archived = request.GET.get("archived") == "1"
    form = BoardForm(request.POST or None)
    if request.method == "POST":
        done = form_write(
            request,
            form,
            lambda data: services.board_create(
                actor=user, title=data["title"], description=data["description"]
            ),
            redirect=lambda board: reverse("tasks:board", args=[board.pk]),
        )
        if done is not None:
            return done
    boards = selectors.board_summaries(selectors.board_list_for_user(user=user, archived=archived))
    return render(
        request,
        "boards/board_index.html",
        {"boards": boards, "form": form, "archived": archived},
    )


# Settings


def _settings_context(
    request: PageRequest,
    board: Board,
    *,
    board_form: BoardSettingsForm | None = None,
    label_form: LabelForm | None = None,
    label_forms: dict[int, LabelForm] | None = None,
    transfer_form: TransferForm | None = None,
) -> dict[str, Any]:
    labels = list(selectors.label_list(board=board))
    bound = label_forms or {}
    members = selectors.member_list(board=board)
    return {
        "board": board,
        "role": role_of(board),
        "perms": board_permissions(role_of(board), board),
        "board_form": board_form
        or BoardSettingsForm(
            initial={
                "title": board.title,
                "description": board.description,
                "viewers_can_comment": board.viewers_can_comment,
            }
        ),
        "label_form": label_form or LabelForm(prefix="new-label"),
        "label_rows": [
            (
                label,
                bound.get(label.pk)
                or LabelForm(prefix=f"label-{label.pk}", initial={"name": label.name, "color": label.color}),
            )
            for label in labels
        ],
        "transfer_form": transfer_form
        or TransferForm(members=members, owner_id=page_user(request).pk, prefix="transfer"),
    }


def _settings_page(request: PageRequest, board: Board, **forms: Any) -> HttpResponse:
    return render(request, "boards/settings.html", _settings_context(request, board, **forms))


@page
@require_http_methods(["GET", "POST"])
def board_settings(request: PageRequest, board_id: int) -> HttpResponseBase:
    if request.method == "GET":
        return _settings_page(request, page_board(request, board_id, Action.BOARD_UPDATE))
    form = BoardSettingsForm(request.POST)
    done = form_write(
        request,
        form,
        lambda data: services.board_update(
            actor=page_user(request),
            board_id=board_id,
            title=data["title"],
            description=data["description"],
            viewers_can_comment=data["viewers_can_comment"],
        ),
        redirect=reverse("boards:settings", args=[board_id]),
        message="The board was saved.",
        authorize=lambda: page_board(request, board_id, Action.BOARD_UPDATE),
    )
    return done or _settings_page(request, page_board(request, board_id), board_form=form)


@page
@require_POST
def board_archive(request: PageRequest, board_id: int) -> HttpResponseBase:
    archived = request.POST.get("archived") == "1"
    services.board_update(actor=page_user(request), board_id=board_id, archived=archived)
    messages.success(request, "The board was archived." if archived else "The board is active again.")
    return htmx_redirect(request, reverse("boards:settings", args=[board_id]))


@page
@require_POST
def board_transfer(request: PageRequest, board_id: int) -> HttpResponseBase:
    # The form offers the board's members: read for it, and refused first if the role is too low.
    board = page_board(request, board_id, Action.BOARD_TRANSFER)
    form = TransferForm(
        request.POST,
        members=selectors.member_list(board=board),
        owner_id=page_user(request).pk,
        prefix="transfer",
    )
    done = form_write(
        request,
        form,
        lambda data: services.board_transfer(
            actor=page_user(request), board_id=board_id, to_user_id=data["user_id"]
        ),
        redirect=reverse("boards:settings", args=[board_id]),
        message="You transferred the board; you are now an admin of it.",
    )
    return done or _settings_page(request, board, transfer_form=form)


@page
@require_http_methods(["GET", "POST"])
def board_delete(request: PageRequest, board_id: int) -> HttpResponseBase:
    # The form asks for the board's title: read for it, and refused first if the role is too low.
    board = page_board(request, board_id, Action.BOARD_DELETE)
    form = ConfirmTitleForm(request.POST or None, board_title=board.title)
    if request.method == "POST" and form.is_valid():
        services.board_delete(actor=page_user(request), board_id=board_id)
        messages.success(request, f"The board “{board.title}” was deleted.")
        return htmx_redirect(request, reverse("boards:index"))
    return render(request, "boards/board_delete.html", {"board": board, "form": form})


# Labels


def _labels_url(board_id: int) -> str:
    return reverse("boards:settings", args=[board_id]) + "#labels"


@page
@require_POST
def label_create(request: PageRequest, board_id: int) -> HttpResponseBase:
    form = LabelForm(request.POST, prefix="new-label")
    done = form_write(
        request,
        form,
        lambda data: services.label_create(
            actor=page_user(request), board_id=board_id, name=data["name"], color=data["color"]
        ),
        redirect=_labels_url(board_id),
        message=lambda label: f"The label “{label.name}” was added.",
        authorize=lambda: page_board(request, board_id, Action.LABEL_CHANGE),
    )
    return done or _settings_page(request, page_board(request, board_id), label_form=form)


def _label(request: PageRequest, label_id: int) -> Label:
    return selectors.label_get_for_user(user=page_user(request), label_id=label_id)


@page
@require_POST
def label_update(request: PageRequest, label_id: int) -> HttpResponseBase:
    form = LabelForm(request.POST, prefix=f"label-{label_id}")
    done = form_write(
        request,
        form,
        lambda data: services.label_update(
            actor=page_user(request), label_id=label_id, name=data["name"], color=data["color"]
        ),
        redirect=lambda label: _labels_url(label.board_id),
        message="The label was saved.",
        authorize=lambda: require_role(_label(request, label_id), Action.LABEL_CHANGE),
    )
    if done is not None:
        return done
    board = page_board(request, _label(request, label_id).board_id)
    return _settings_page(request, board, label_forms={label_id: form})


@page
@require_POST
def label_delete(request: PageRequest, label_id: int) -> HttpResponseBase:
    label = services.label_delete(actor=page_user(request), label_id=label_id)
    messages.success(request, f"The label “{label.name}” was deleted.")
    return htmx_redirect(request, _labels_url(label.board_id))
