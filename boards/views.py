"""The board pages: my boards, a board's Kanban page, members, invitations, settings.

Thin, like the API views (DESIGN.md rule 3): a form checks the shape of the input, a
selector reads (and authorizes), a service writes. Non-members get the 404 page (the
`page` decorator turns the selectors' DoesNotExist into it), members whose role is too
low the 403 page, and no page renders a control its viewer may not use.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from activity.selectors import activity_card_ids, activity_list
from boards import selectors, services
from boards.board_page import (
    CARDS_PER_LIST,
    DUE_CHOICES,
    PRIORITY_CHOICES,
    BoardFilters,
    Column,
    board_columns,
    list_cards_after,
)
from boards.forms import (
    SHORT_ROLE_CHOICES,
    BoardForm,
    BoardSettingsForm,
    ConfirmTitleForm,
    InviteForm,
    LabelForm,
    ListForm,
    ListMoveForm,
    RoleForm,
    TransferForm,
)
from boards.models import Board, BoardList, Invitation, Membership
from boards.permissions import Action, can
from taskboard.db.routing import primary_reads
from taskboard.pages import PageRequest, htmx_redirect, json_error, page, page_user

ACTIVITY_PAGE_SIZE = 25
ROLE_REFUSED = "Your role on this board does not allow this."


def board_permissions(role: str | None, board: Board | None = None) -> dict[str, bool]:
    """What the page may offer a member with `role` on `board` (the services check again)."""
    return {
        "edit_tasks": can(role, Action.TASK_CHANGE),
        "edit_lists": can(role, Action.LIST_CHANGE),
        "comment": can(role, Action.COMMENT_CREATE, board),
        "moderate": can(role, Action.COMMENT_MODERATE),
        "edit_board": can(role, Action.BOARD_UPDATE),
        "edit_labels": can(role, Action.LABEL_CHANGE),
        "manage_members": can(role, Action.MEMBER_MANAGE),
        "see_invitations": can(role, Action.INVITATION_VIEW),
        "delete_board": can(role, Action.BOARD_DELETE),
        "transfer": can(role, Action.BOARD_TRANSFER),
    }


def role_on(row: Model) -> str | None:
    """The caller's role on the board of `row` (a board, list, label, task, comment), as the
    *_get_for_user selectors annotate it."""
    return getattr(row, "user_role", None)


def _board(request: PageRequest, board_id: int) -> Board:
    return selectors.board_get_for_user(user=page_user(request), board_id=board_id)


def board_and_filters(request: PageRequest, board_id: int) -> tuple[Board, BoardFilters]:
    """The board (404 unless the caller is a member) and the page's filters on it, for the
    pieces of the board page fetched on their own (more cards, live fragments)."""
    board = _board(request, board_id)
    members = selectors.member_list(board=board)
    filters = BoardFilters.from_query(
        request.GET,
        label_ids=set(selectors.label_list(board=board).values_list("pk", flat=True)),
        member_ids={member["user"]["id"] for member in members},
    )
    return board, filters


def require_role(row: Model, action: Action, board: Board | None = None) -> None:
    """PermissionDenied (the 403 page) unless the caller's role on the board of `row` allows
    `action` (on `board`, whose settings may allow more: permissions.can()). Every page that
    writes calls it before it reads the form: a refused caller must not get the page back
    with the form's errors (nor its other controls)."""
    if not can(role_on(row), action, board):
        raise PermissionDenied(ROLE_REFUSED)


# My boards


@page
@require_http_methods(["GET", "POST"])
def board_index(request: PageRequest) -> HttpResponse:
    user = page_user(request)
    archived = request.GET.get("archived") == "1"
    form = BoardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            board = services.board_create(
                actor=user, title=form.cleaned_data["title"], description=form.cleaned_data["description"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return htmx_redirect(request, reverse("boards:detail", args=[board.pk]))
    boards = selectors.board_list_for_user(user=user, archived=archived)
    return render(
        request,
        "boards/board_index.html",
        {"boards": boards, "form": form, "archived": archived},
    )


# The board


def _board_page_context(request: PageRequest, board: Board) -> dict[str, Any]:
    user = page_user(request)
    members = selectors.member_list(board=board)
    labels = list(selectors.label_list(board=board))
    filters = BoardFilters.from_query(
        request.GET,
        label_ids={label.pk for label in labels},
        member_ids={member["user"]["id"] for member in members},
    )
    return {
        "board": board,
        "role": role_on(board),
        "perms": board_permissions(role_on(board), board),
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
            "perms": board_permissions(role_on(board), board),
        },
    )


@page
@require_POST
def list_create(request: PageRequest, board_id: int) -> HttpResponseBase:
    board = _board(request, board_id)
    require_role(board, Action.LIST_CHANGE)
    form = ListForm(request.POST, prefix="new-list")
    if form.is_valid():
        try:
            board_list = services.list_create(
                board=board,
                actor=page_user(request),
                title=form.cleaned_data["title"],
                wip_limit=form.cleaned_data["wip_limit"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if not request.htmx:
                return htmx_redirect(request, reverse("boards:detail", args=[board.pk]))
            return render(
                request,
                "boards/_list_created.html",
                {
                    "board": board,
                    "column": Column(board_list=board_list, total=0),
                    "filters": BoardFilters(),
                    "perms": board_permissions(role_on(board), board),
                    "list_form": ListForm(prefix="new-list"),
                },
            )
    if request.htmx:
        return render(request, "boards/_list_form.html", {"board": board, "list_form": form})
    context = _board_page_context(request, board)
    context["list_form"] = form
    return render(request, "boards/board.html", context)


@page
@require_http_methods(["GET", "POST"])
def list_edit(request: PageRequest, list_id: int) -> HttpResponseBase:
    """Rename a list or change its WIP limit (a dialog on the board, or a page)."""
    board_list = selectors.list_get_for_user(user=page_user(request), list_id=list_id)
    board = _board(request, board_list.board_id)
    require_role(board, Action.LIST_CHANGE)
    form = ListForm(
        request.POST or None,
        prefix=f"list-{board_list.pk}",
        initial={"title": board_list.title, "wip_limit": board_list.wip_limit},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.list_update(
                board_list=board_list,
                actor=page_user(request),
                title=form.cleaned_data["title"],
                wip_limit=form.cleaned_data["wip_limit"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return htmx_redirect(request, reverse("boards:detail", args=[board.pk]))
    template = "boards/_list_edit.html" if request.htmx else "boards/list_edit.html"
    return render(request, template, {"board": board, "board_list": board_list, "form": form})


@page
@require_POST
def list_delete(request: PageRequest, list_id: int) -> HttpResponseBase:
    board_list = selectors.list_get_for_user(user=page_user(request), list_id=list_id)
    services.list_delete(board_list=board_list, actor=page_user(request))
    if not request.htmx:
        messages.success(request, f"The list “{board_list.title}” and its cards were deleted.")
    return htmx_redirect(request, reverse("boards:detail", args=[board_list.board_id]))


@page
@require_POST
def list_move(request: PageRequest, list_id: int) -> JsonResponse:
    """Drag and drop of a list (our script posts the new 0-based index)."""
    try:
        board_list = selectors.list_get_for_user(user=page_user(request), list_id=list_id)
        require_role(board_list, Action.LIST_CHANGE)
        index = int(request.POST.get("index", ""))
        moved = services.list_move(board_list=board_list, actor=page_user(request), index=index)
    except ObjectDoesNotExist:
        return json_error(404, "This list no longer exists. Reload the page.")
    except ValueError:
        return json_error(400, "The new place of the list is missing.")
    except PermissionDenied as exc:
        return json_error(403, str(exc))
    except ValidationError as exc:
        return json_error(400, " ".join(exc.messages))
    return JsonResponse({"id": moved.pk, "position": moved.position})


@page
@require_http_methods(["GET", "POST"])
def list_move_to(request: PageRequest, list_id: int) -> HttpResponseBase:
    """ "Move list…": the keyboard alternative to dragging a list (the same service)."""
    board_list = selectors.list_get_for_user(user=page_user(request), list_id=list_id)
    board = _board(request, board_list.board_id)
    require_role(board, Action.LIST_CHANGE)
    with primary_reads():
        lists = selectors.list_order(board=board)
    current_number = next((n for n, each in enumerate(lists, start=1) if each.pk == board_list.pk), None)
    form = ListMoveForm(
        request.POST or None, lists=lists, current=board_list, initial={"position": current_number}
    )
    if request.method == "POST" and form.is_valid():
        position = form.cleaned_data["position"]
        try:
            services.list_move(board_list=board_list, actor=page_user(request), index=position - 1)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            message = f"Moved list “{board_list.title}” to position {position} of {len(lists)}."
            if request.htmx:
                with primary_reads():
                    order = selectors.list_order(board=board)
                response = HttpResponse(status=204)
                # The page puts the columns in this order at once and says so to screen
                # readers (static/js/list_move.js); the live event that follows finds them
                # in place.
                return trigger_client_event(
                    response,
                    "listMoved",
                    {
                        "id": board_list.pk,
                        "message": message,
                        "lists": [{"id": each.pk, "position": each.position} for each in order],
                    },
                )
            messages.success(request, message)
            return htmx_redirect(request, reverse("boards:detail", args=[board.pk]))
    template = "boards/_list_move.html" if request.htmx else "boards/list_move.html"
    context = {"board": board, "board_list": board_list, "form": form, "count": len(lists)}
    return render(request, template, context)


# Activity


@page
@require_GET
def board_activity(request: PageRequest, board_id: int) -> HttpResponse:
    board = _board(request, board_id)
    activities = activity_list(board=board)
    before = request.GET.get("before", "")
    if before.isascii() and before.isdigit():
        activities = activities.filter(seq__lt=int(before))
    page_items = list(activities[: ACTIVITY_PAGE_SIZE + 1])
    shown = page_items[:ACTIVITY_PAGE_SIZE]
    context = {
        "board": board,
        "activities": shown,
        "card_ids": activity_card_ids(board=board, activities=shown),
        "has_more": len(page_items) > ACTIVITY_PAGE_SIZE,
        "last_seq": shown[-1].seq if shown else None,
    }
    if request.htmx:
        template = "boards/_activity_more.html" if before else "boards/_activity_panel.html"
        return render(request, template, context)
    return render(request, "boards/activity.html", context)


# Members and invitations


def _members_context(
    request: PageRequest, board: Board, invite_form: InviteForm | None = None
) -> dict[str, Any]:
    perms = board_permissions(role_on(board), board)
    return {
        "board": board,
        "role": role_on(board),
        "perms": perms,
        "members": selectors.member_list(board=board),
        "invitations": selectors.invitation_list(board=board) if perms["see_invitations"] else [],
        "invite_form": invite_form or InviteForm(),
        "role_choices": SHORT_ROLE_CHOICES,
        "me": page_user(request).pk,
    }


@page
@require_http_methods(["GET", "POST"])
def members(request: PageRequest, board_id: int) -> HttpResponseBase:
    board = _board(request, board_id)
    if request.method == "GET":
        return render(request, "boards/members.html", _members_context(request, board))
    require_role(board, Action.MEMBER_MANAGE)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            added = services.member_add(
                board=board,
                actor=page_user(request),
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if isinstance(added, Membership):
                messages.success(request, f"{form.cleaned_data['email']} is now a member of this board.")
            else:
                messages.success(request, f"We've emailed an invitation to {added.email}.")
            return htmx_redirect(request, reverse("boards:members", args=[board.pk]))
    return render(request, "boards/members.html", _members_context(request, board, invite_form=form))


@page
@require_POST
def member_role(request: PageRequest, board_id: int, user_id: int) -> HttpResponseBase:
    board = _board(request, board_id)
    require_role(board, Action.MEMBER_MANAGE)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.member_update_role(
                board=board, actor=page_user(request), user_id=user_id, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "The role was changed.")
    else:
        messages.error(request, "Choose admin, member or viewer.")
    return htmx_redirect(request, reverse("boards:members", args=[board.pk]))


@page
@require_POST
def member_remove(request: PageRequest, board_id: int, user_id: int) -> HttpResponseBase:
    """Remove a member (admin+), or leave the board (the member's own id)."""
    board = _board(request, board_id)
    user = page_user(request)
    services.member_remove(board=board, actor=user, user_id=user_id)
    if user_id == user.pk:
        messages.success(request, f"You left “{board.title}”.")
        return htmx_redirect(request, reverse("boards:index"))
    messages.success(request, "The member was removed from the board.")
    return htmx_redirect(request, reverse("boards:members", args=[board.pk]))


@page
@require_POST
def invitation_revoke(request: PageRequest, board_id: int, invitation_id: int) -> HttpResponseBase:
    invitation = selectors.invitation_get_for_user(
        user=page_user(request), board_id=board_id, invitation_id=invitation_id
    )
    services.invitation_revoke(invitation=invitation, actor=page_user(request))
    messages.success(request, f"The invitation of {invitation.email} was revoked.")
    return htmx_redirect(request, reverse("boards:members", args=[board_id]))


def _pending_invitation(token: str) -> Invitation | None:
    # The page greets the invitee with the board's name before they accept; the API has
    # no such read (it only accepts), so the lookup by token hash lives here.
    return (
        Invitation.objects.select_related("board", "invited_by")
        .filter(token_hash=services.hash_invitation_token(token))
        .first()
    )


@require_http_methods(["GET", "POST"])
def invitation(request: PageRequest, token: str) -> HttpResponseBase:
    """The link in the invitation mail: log in or sign up, then accept."""
    found = _pending_invitation(token)
    if found is None:
        return render(request, "boards/invitation.html", {"invalid": True}, status=404)
    if request.method == "POST":
        return _invitation_accept(request, token, found)
    already_member = (
        request.user.is_authenticated
        and Membership.objects.filter(board=found.board, user=page_user(request)).exists()
    )
    return render(
        request,
        "boards/invitation.html",
        {
            "invitation": found,
            "token": token,
            "already_member": already_member,
            "error": _invitation_problem(found),
        },
    )


def _invitation_problem(found: Invitation) -> str:
    if found.accepted_at is not None:
        return "This invitation has already been used."
    if found.expires_at <= timezone.now():
        return "This invitation has expired. Ask the person who invited you for a new one."
    return ""


@page
def _invitation_accept(request: PageRequest, token: str, found: Invitation) -> HttpResponseBase:
    try:
        membership = services.invitation_accept(token=token, user=page_user(request))
    except ValidationError as exc:
        return render(
            request,
            "boards/invitation.html",
            {"invitation": found, "token": token, "error": " ".join(exc.messages)},
            status=400,
        )
    messages.success(request, f"Welcome to “{found.board.title}”.")
    return htmx_redirect(request, reverse("boards:detail", args=[membership.board_id]))


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
        "role": role_on(board),
        "perms": board_permissions(role_on(board), board),
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


@page
@require_http_methods(["GET", "POST"])
def board_settings(request: PageRequest, board_id: int) -> HttpResponseBase:
    board = _board(request, board_id)
    require_role(board, Action.BOARD_UPDATE)
    if request.method == "GET":
        return render(request, "boards/settings.html", _settings_context(request, board))
    form = BoardSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.board_update(
                board=board,
                actor=page_user(request),
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                viewers_can_comment=form.cleaned_data["viewers_can_comment"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "The board was saved.")
            return htmx_redirect(request, reverse("boards:settings", args=[board.pk]))
    return render(request, "boards/settings.html", _settings_context(request, board, board_form=form))


@page
@require_POST
def board_archive(request: PageRequest, board_id: int) -> HttpResponseBase:
    board = _board(request, board_id)
    archived = request.POST.get("archived") == "1"
    services.board_update(board=board, actor=page_user(request), archived=archived)
    messages.success(request, "The board was archived." if archived else "The board is active again.")
    return htmx_redirect(request, reverse("boards:settings", args=[board.pk]))


@page
@require_POST
def board_transfer(request: PageRequest, board_id: int) -> HttpResponseBase:
    board = _board(request, board_id)
    require_role(board, Action.BOARD_TRANSFER)
    form = TransferForm(
        request.POST,
        members=selectors.member_list(board=board),
        owner_id=page_user(request).pk,
        prefix="transfer",
    )
    if form.is_valid():
        try:
            services.board_transfer(
                board=board, actor=page_user(request), to_user_id=form.cleaned_data["user_id"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "You transferred the board; you are now an admin of it.")
            return htmx_redirect(request, reverse("boards:settings", args=[board.pk]))
    return render(request, "boards/settings.html", _settings_context(request, board, transfer_form=form))


@page
@require_http_methods(["GET", "POST"])
def board_delete(request: PageRequest, board_id: int) -> HttpResponseBase:
    board = _board(request, board_id)
    require_role(board, Action.BOARD_DELETE)
    form = ConfirmTitleForm(request.POST or None, board_title=board.title)
    if request.method == "POST" and form.is_valid():
        services.board_delete(board=board, actor=page_user(request))
        messages.success(request, f"The board “{board.title}” was deleted.")
        return htmx_redirect(request, reverse("boards:index"))
    return render(request, "boards/board_delete.html", {"board": board, "form": form})


# Labels


@page
@require_POST
def label_create(request: PageRequest, board_id: int) -> HttpResponseBase:
    board = _board(request, board_id)
    require_role(board, Action.LABEL_CHANGE)
    form = LabelForm(request.POST, prefix="new-label")
    if form.is_valid():
        try:
            services.label_create(
                board=board,
                actor=page_user(request),
                name=form.cleaned_data["name"],
                color=form.cleaned_data["color"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"The label “{form.cleaned_data['name']}” was added.")
            return htmx_redirect(request, reverse("boards:settings", args=[board.pk]) + "#labels")
    return render(request, "boards/settings.html", _settings_context(request, board, label_form=form))


@page
@require_POST
def label_update(request: PageRequest, label_id: int) -> HttpResponseBase:
    label = selectors.label_get_for_user(user=page_user(request), label_id=label_id)
    require_role(label, Action.LABEL_CHANGE)
    form = LabelForm(request.POST, prefix=f"label-{label.pk}")
    if form.is_valid():
        try:
            services.label_update(
                label=label,
                actor=page_user(request),
                name=form.cleaned_data["name"],
                color=form.cleaned_data["color"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "The label was saved.")
            return htmx_redirect(request, reverse("boards:settings", args=[label.board_id]) + "#labels")
    board = _board(request, label.board_id)
    return render(
        request, "boards/settings.html", _settings_context(request, board, label_forms={label.pk: form})
    )


@page
@require_POST
def label_delete(request: PageRequest, label_id: int) -> HttpResponseBase:
    label = selectors.label_get_for_user(user=page_user(request), label_id=label_id)
    services.label_delete(label=label, actor=page_user(request))
    messages.success(request, f"The label “{label.name}” was deleted.")
    return htmx_redirect(request, reverse("boards:settings", args=[label.board_id]) + "#labels")
