"""The pages of a board's members and invitations, and the link an invitation mails.

Thin, as boards.views says: the services authorize and write.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.request_user import page_user
from boards import selectors, services
from boards.forms import SHORT_ROLE_CHOICES, InviteForm, RoleForm
from boards.models import Board, Invitation, Membership
from boards.permissions import Action, board_permissions, role_of
from taskboard.pages import PageRequest, form_write, htmx_redirect, page

from .views import page_board


def _members_context(
    request: PageRequest, board: Board, invite_form: InviteForm | None = None
) -> dict[str, Any]:
    perms = board_permissions(role_of(board), board)
    return {
        "board": board,
        "role": role_of(board),
        "perms": perms,
        "members": selectors.member_list(board=board),
        "invitations": selectors.invitation_list(board=board) if perms["see_invitations"] else [],
        "invite_form": invite_form or InviteForm(),
        "role_choices": SHORT_ROLE_CHOICES,
        "me": page_user(request).pk,
    }


def _added_message(form: InviteForm, added: Membership | Invitation) -> str:
    if isinstance(added, Membership):
        return f"{form.cleaned_data['email']} is now a member of this board."
    return f"We've emailed an invitation to {added.email}."


@page
@require_http_methods(["GET", "POST"])
def members(request: PageRequest, board_id: int) -> HttpResponseBase:
    if request.method == "GET":
        return render(
            request, "boards/members.html", _members_context(request, page_board(request, board_id))
        )
    form = InviteForm(request.POST)
    done = form_write(
        request,
        form,
        lambda data: services.member_add(
            actor=page_user(request), board_id=board_id, email=data["email"], role=data["role"]
        ),
        redirect=reverse("boards:members", args=[board_id]),
        message=lambda added: _added_message(form, added),
        authorize=lambda: page_board(request, board_id, Action.MEMBER_MANAGE),
    )
    if done is not None:
        return done
    board = page_board(request, board_id)
    return render(request, "boards/members.html", _members_context(request, board, invite_form=form))


@page
@require_POST
def member_role(request: PageRequest, board_id: int, user_id: int) -> HttpResponseBase:
    form = RoleForm(request.POST)
    if not form.is_valid():
        page_board(request, board_id, Action.MEMBER_MANAGE)
        messages.error(request, "Choose admin, member or viewer.")
        return htmx_redirect(request, reverse("boards:members", args=[board_id]))
    try:
        services.member_update_role(
            actor=page_user(request), board_id=board_id, user_id=user_id, role=form.cleaned_data["role"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The role was changed.")
    return htmx_redirect(request, reverse("boards:members", args=[board_id]))


@page
@require_POST
def member_remove(request: PageRequest, board_id: int, user_id: int) -> HttpResponseBase:
    """Remove a member (admin+), or leave the board (the member's own id)."""
    user = page_user(request)
    # Read for the message: who leaves is told which board they left.
    board = page_board(request, board_id)
    services.member_remove(actor=user, board_id=board_id, user_id=user_id)
    if user_id == user.pk:
        messages.success(request, f"You left “{board.title}”.")
        return htmx_redirect(request, reverse("boards:index"))
    messages.success(request, "The member was removed from the board.")
    return htmx_redirect(request, reverse("boards:members", args=[board_id]))


@page
@require_POST
def invitation_revoke(request: PageRequest, board_id: int, invitation_id: int) -> HttpResponseBase:
    invitation = services.invitation_revoke(
        actor=page_user(request), board_id=board_id, invitation_id=invitation_id
    )
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
    return htmx_redirect(request, reverse("tasks:board", args=[membership.board_id]))
