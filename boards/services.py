"""Writes to boards, members, invitations, lists and labels (DESIGN.md rule 1).

Each service is one transaction holding the board's row lock (writes.board_write): it checks
the actor's role, validates, changes the rows, records the Activity with the board's next
seq and bumps the board's version; the live event and any mail go out after the commit.
A caller who is not a member of the board gets the model's DoesNotExist (a 404 that
reveals nothing), a member whose role is too low gets PermissionDenied.
"""

import hashlib
import secrets
from collections.abc import Sequence
from functools import partial
from typing import TypedDict, Unpack

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import router, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User, normalize_email
from accounts.services import user_email_verified_by_mail
from live.publishing import publish_board_deleted_on_commit
from taskboard.markdown_rendering import render_markdown
from tasks.models import Task
from writes import (
    POSITION_STEP,
    BoardWrite,
    ChildrenOf,
    FieldErrors,
    append_position,
    board_write,
    clean_color,
    clean_index,
    clean_optional_text,
    clean_positive_int_or_none,
    clean_required_text,
    new_board_write,
    place_at_index,
)

from . import tasks as board_mail
from .models import Board, BoardList, Invitation, Label, Membership, Role, invitation_expiry
from .permissions import Action
from .representations import (
    board_representation,
    label_representation,
    list_representation,
    member_representation,
)

DEFAULT_LIST_TITLES = ("To do", "In progress", "Done")
# Every new board starts with these labels, as Trello's do: one per colour, named after it
# (a label needs a name, unique on its board), to rename or delete in the board's settings.
DEFAULT_LABELS = (
    ("Green", "#1f883d"),
    ("Yellow", "#d4a72c"),
    ("Orange", "#e16f24"),
    ("Red", "#d1242f"),
    ("Purple", "#8250df"),
    ("Blue", "#0969da"),
)
MAX_LISTS_ON_CREATE = 20
BOARD_DESCRIPTION_MAX_LENGTH = 5000
ASSIGNABLE_ROLES = (Role.ADMIN, Role.MEMBER, Role.VIEWER)


def hash_invitation_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Boards


def board_create(
    *, actor: User, title: str, description: str = "", list_titles: Sequence[str] | None = None
) -> Board:
    """Create a board owned by `actor`, with `list_titles` (default: To do, In progress, Done)
    and the DEFAULT_LABELS."""
    errors = FieldErrors()
    title = clean_required_text(errors, "title", title, max_length=200)
    description = clean_optional_text(
        errors, "description", description, max_length=BOARD_DESCRIPTION_MAX_LENGTH
    )
    titles = list(DEFAULT_LIST_TITLES if list_titles is None else list_titles)
    if len(titles) > MAX_LISTS_ON_CREATE:
        errors.add("lists", f"Ensure this field has no more than {MAX_LISTS_ON_CREATE} elements.")
    cleaned_titles = [clean_required_text(errors, "lists", t, max_length=200) for t in titles]
    errors.raise_if_any()

    with transaction.atomic():
        now = timezone.now()
        board = Board.objects.create(
            title=title,
            description=description,
            description_html=render_markdown(description),
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        Membership.objects.create(board=board, user=actor, role=Role.OWNER, joined_at=now)
        BoardList.objects.bulk_create(
            BoardList(board=board, title=t, position=(i + 1) * POSITION_STEP, created_at=now, updated_at=now)
            for i, t in enumerate(cleaned_titles)
        )
        Label.objects.bulk_create(
            Label(board=board, name=name, color=color) for name, color in DEFAULT_LABELS
        )
        write = new_board_write(board=board, actor=actor)
        write.record(
            verb="board.created",
            target_id=board.pk,
            target_title=board.title,
            data=board_representation(board),
        )
        write.save()
    return board


class BoardChanges(TypedDict, total=False):
    title: str
    description: str
    archived: bool
    viewers_can_comment: bool


def board_update(*, board: Board, actor: User, **changes: Unpack[BoardChanges]) -> Board:
    """Change the board's title, description, archived flag or whether viewers may
    comment (admin+)."""
    # Rendered before the board is locked, as task and comment texts are: the other
    # writers of the board don't wait for it. A text the checks below refuse isn't rendered.
    description = changes.get("description")
    description_html = (
        render_markdown(description)
        if isinstance(description, str) and len(description) <= BOARD_DESCRIPTION_MAX_LENGTH
        else ""
    )
    with board_write(board_id=board.pk, actor=actor) as write:
        write.require(Action.BOARD_UPDATE)
        errors = FieldErrors()
        values: dict[str, object] = {}
        if "title" in changes:
            values["title"] = clean_required_text(errors, "title", changes["title"], max_length=200)
        if "description" in changes:
            values["description"] = clean_optional_text(
                errors, "description", changes["description"], max_length=BOARD_DESCRIPTION_MAX_LENGTH
            )
        if "archived" in changes:
            if not isinstance(changes["archived"], bool):
                errors.add("archived", "Must be a valid boolean.")
            values["archived"] = changes["archived"]
        if "viewers_can_comment" in changes:
            if not isinstance(changes["viewers_can_comment"], bool):
                errors.add("viewers_can_comment", "Must be a valid boolean.")
            values["viewers_can_comment"] = changes["viewers_can_comment"]
        errors.raise_if_any()

        board = write.board
        changed = [field for field, value in values.items() if getattr(board, field) != value]
        if changed:
            for field in changed:
                setattr(board, field, values[field])
            if "description" in changed:
                board.description_html = description_html
                values["description_html"] = board.description_html
                changed.append("description_html")
            Board.objects.filter(pk=board.pk).update(**{field: values[field] for field in changed})
            write.touch()
            write.record(
                verb="board.updated",
                target_id=board.pk,
                target_title=board.title,
                data=board_representation(board),
            )
    return write.board


def board_delete(*, board: Board, actor: User) -> None:
    """Delete the board with everything on it (owner only)."""
    with board_write(board_id=board.pk, actor=actor) as write:
        write.require(Action.BOARD_DELETE)
        Board.objects.filter(pk=board.pk).delete()
        publish_board_deleted_on_commit(board.pk)
        # Nothing is left to save the counters on.
        write.touched = False


def board_transfer(*, board: Board, actor: User, to_user_id: int) -> Board:
    """Make the member `to_user_id` the owner; the old owner becomes an admin (owner only).

    Takes the user id, as the API does: a user who is not a member is a validation error
    on `user_id`, not a lookup of somebody else's account.
    """
    with board_write(board_id=board.pk, actor=actor) as write:
        write.require(Action.BOARD_TRANSFER)
        target = (
            Membership.objects.select_related("user").filter(board=write.board, user_id=to_user_id).first()
        )
        if target is None:
            raise ValidationError({"user_id": ["The new owner must be a member of this board."]})
        if target.user_id == actor.pk:
            raise ValidationError({"user_id": ["You already own this board."]})
        old_owner = Membership.objects.get(board=write.board, user=actor)
        # One owner at any moment (a partial unique constraint): demote first.
        old_owner.role = Role.ADMIN
        old_owner.save(update_fields=["role"])
        target.role = Role.OWNER
        target.save(update_fields=["role"])
        for membership, user in ((old_owner, actor), (target, target.user)):
            write.record(
                verb="member.role_changed",
                target_id=user.pk,
                target_title=user.name or user.email,
                data=member_representation(membership, user),
            )
    return write.board


# Members and invitations


def member_add(*, board: Board, actor: User, email: str, role: str) -> Membership | Invitation:
    """Add the person with `email` with `role` (admin+). An address whose account is
    verified becomes a Membership at once; any other (no account, or an account whose owner
    never proved they read that address) gets an Invitation mailed there after the commit:
    the role goes to whoever reads the address's mail, not to whoever registered it first."""
    with board_write(board_id=board.pk, actor=actor) as write:
        write.require(Action.MEMBER_MANAGE)
        errors = FieldErrors()
        address = normalize_email(email) if isinstance(email, str) else ""
        try:
            validate_email(address)
        except ValidationError:
            errors.add("email", "Enter a valid email address.")
        new_role = _clean_assignable_role(errors, role)
        errors.raise_if_any()

        user = User.objects.filter(email=address).first()
        if user is None:
            return _invite(write, email=address, role=new_role)
        if Membership.objects.filter(board=write.board, user=user).exists():
            raise ValidationError({"email": ["This person is already a member of this board."]})
        if not user.email_verified:
            return _invite(write, email=address, role=new_role)
        membership = Membership.objects.create(board=write.board, user=user, role=new_role)
        # An earlier invitation of the address has nothing left to do.
        Invitation.objects.filter(board=write.board, email=address, accepted_at__isnull=True).delete()
        write.record(
            verb="member.added",
            target_id=user.pk,
            target_title=user.name or user.email,
            data=member_representation(membership, user),
        )
        return membership


def _invite(write: BoardWrite, *, email: str, role: Role) -> Invitation:
    # Inviting the same address again replaces the pending invitation (a fresh link).
    Invitation.objects.filter(board=write.board, email=email, accepted_at__isnull=True).delete()
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        created_at=now,
        expires_at=invitation_expiry(now),
        board=write.board,
        email=email,
        role=role,
        token_hash=hash_invitation_token(token),
        invited_by=write.actor,
    )
    write.touch()
    # The raw token exists only here and in the mail: the database keeps its hash.
    transaction.on_commit(
        partial(board_mail.send_invitation_email.delay, invitation_id=invitation.pk, token=token)
    )
    return invitation


def invitation_accept_url(token: str) -> str:
    return f"{settings.SITE_URL}/invitations/{token}/"


def invitation_email_send(*, invitation_id: int, token: str) -> bool:
    """Mail the invitation link (run by the worker); False when the invitation was accepted,
    revoked or replaced, or has expired, meanwhile."""
    invitation = (
        Invitation.objects.select_related("board", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None or invitation.token_hash != hash_invitation_token(token):
        return False
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "board": invitation.board,
        "inviter_name": (inviter.name or inviter.email) if inviter is not None else "Someone",
        "role_article": "an" if invitation.role == Role.ADMIN else "a",
        "accept_url": invitation_accept_url(token),
        "site_url": settings.SITE_URL,
    }
    subject = " ".join(render_to_string("boards/email/invitation_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string("boards/email/invitation.txt", context), to=[invitation.email]
    )
    message.attach_alternative(render_to_string("boards/email/invitation.html", context), "text/html")
    message.send()
    return True


def _clean_assignable_role(errors: FieldErrors, role: object) -> Role:
    if role == Role.OWNER:
        errors.add("role", "Ownership is transferred, not granted: choose admin, member or viewer.")
        return Role.VIEWER
    if role not in ASSIGNABLE_ROLES:
        errors.add("role", f'"{role}" is not a valid choice.')
        return Role.VIEWER
    return Role(str(role))


def member_update_role(*, board: Board, actor: User, user_id: int, role: str) -> Membership:
    """Change a member's role (admin+; the owner's role changes only by a transfer)."""
    with board_write(board_id=board.pk, actor=actor) as write:
        write.require(Action.MEMBER_MANAGE)
        membership = Membership.objects.select_related("user").get(board=write.board, user_id=user_id)
        if membership.role == Role.OWNER:
            raise PermissionDenied("The owner's role changes only by transferring the board.")
        errors = FieldErrors()
        new_role = _clean_assignable_role(errors, role)
        errors.raise_if_any()
        if membership.role != new_role:
            membership.role = new_role
            membership.save(update_fields=["role"])
            write.record(
                verb="member.role_changed",
                target_id=membership.user_id,
                target_title=membership.user.name or membership.user.email,
                data=member_representation(membership, membership.user),
            )
    return membership


def member_remove(*, board: Board, actor: User, user_id: int) -> None:
    """Remove a member (admin+), or leave the board (any member but the owner). The
    member's task assignments on the board go with them."""
    with board_write(board_id=board.pk, actor=actor) as write:
        leaving = user_id == actor.pk
        write.require(Action.BOARD_VIEW if leaving else Action.MEMBER_MANAGE)
        membership = Membership.objects.select_related("user").get(board=write.board, user_id=user_id)
        if membership.role == Role.OWNER:
            raise PermissionDenied(
                "The owner can't leave; transfer the board first."
                if leaving
                else "The owner can't be removed from the board."
            )
        assignments = Task.assignees.through.objects.filter(user_id=user_id, task__board=write.board)
        Task.objects.filter(pk__in=assignments.values("task_id")).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        assignments.delete()
        data = member_representation(membership, membership.user)
        membership.delete()
        write.record(
            verb="member.removed",
            target_id=user_id,
            target_title=membership.user.name or membership.user.email,
            data=data,
        )


def invitation_revoke(*, invitation: Invitation, actor: User) -> None:
    """Delete a pending invitation (admin+): its link stops working."""
    with board_write(board_id=invitation.board_id, actor=actor) as write:
        write.require(Action.INVITATION_REVOKE, not_found=Invitation.DoesNotExist)
        deleted, _ = Invitation.objects.filter(pk=invitation.pk, board=write.board).delete()
        if not deleted:
            raise Invitation.DoesNotExist("Invitation not found.")
        write.touch()


def invitation_accept(*, token: str, user: User) -> Membership:
    """Join the board of the invitation `token` with its role. A token works once and
    until it expires; a caller who is already a member keeps their role. The link was
    mailed to the invitation's address: if that is the caller's own, it is now verified."""
    membership, invited_email = _invitation_join(token=token, user=user)
    # After the board's lock is released: a rename locks the user row, then its boards.
    user_email_verified_by_mail(user=user, email=invited_email)
    return membership


def _invitation_join(*, token: str, user: User) -> tuple[Membership, str]:
    found = Invitation.objects.filter(token_hash=hash_invitation_token(token)).values_list(
        "board_id", flat=True
    )
    board_id = found.first()
    if board_id is None:
        raise Invitation.DoesNotExist("Invitation not found.")
    with board_write(board_id=board_id, actor=user) as write:
        invitation = Invitation.objects.get(token_hash=hash_invitation_token(token))
        if invitation.accepted_at is not None:
            raise ValidationError({"token": ["This invitation has already been used."]})
        if invitation.expires_at <= timezone.now():
            raise ValidationError({"token": ["This invitation has expired."]})
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        existing = Membership.objects.filter(board=write.board, user=user).first()
        if existing is not None:
            write.touch()
            return existing, invitation.email
        membership = Membership.objects.create(board=write.board, user=user, role=invitation.role)
        write.record(
            verb="member.added",
            target_id=user.pk,
            target_title=user.name or user.email,
            data=member_representation(membership, user),
        )
        return membership, invitation.email


# Lists


def list_create(*, board: Board, actor: User, title: str, wip_limit: int | None = None) -> BoardList:
    """Append a list to the board (member+)."""
    with board_write(board_id=board.pk, actor=actor) as write:
        write.require(Action.LIST_CHANGE)
        errors = FieldErrors()
        title = clean_required_text(errors, "title", title, max_length=200)
        wip_limit = clean_positive_int_or_none(errors, "wip_limit", wip_limit)
        errors.raise_if_any()
        board_list = BoardList.objects.create(
            board=write.board,
            title=title,
            wip_limit=wip_limit,
            position=append_position(BoardList.objects.filter(board=write.board)),
        )
        write.record(
            verb="list.created",
            target_id=board_list.pk,
            target_title=board_list.title,
            data=list_representation(board_list),
        )
    return board_list


class ListChanges(TypedDict, total=False):
    title: str
    wip_limit: int | None


def list_update(*, board_list: BoardList, actor: User, **changes: Unpack[ListChanges]) -> BoardList:
    """Rename a list or change its WIP limit (member+). Lowering the limit below the
    number of tasks in the list is allowed; it only stops more moving in."""
    with board_write(board_id=board_list.board_id, actor=actor) as write:
        write.require(Action.LIST_CHANGE, not_found=BoardList.DoesNotExist)
        current = BoardList.objects.get(pk=board_list.pk, board=write.board)
        errors = FieldErrors()
        values: dict[str, object] = {}
        if "title" in changes:
            values["title"] = clean_required_text(errors, "title", changes["title"], max_length=200)
        if "wip_limit" in changes:
            values["wip_limit"] = clean_positive_int_or_none(errors, "wip_limit", changes["wip_limit"])
        errors.raise_if_any()
        changed = [field for field, value in values.items() if getattr(current, field) != value]
        if changed:
            for field in changed:
                setattr(current, field, values[field])
            current.updated_at = timezone.now()
            current.save(update_fields=[*changed, "updated_at"])
            write.record(
                verb="list.updated",
                target_id=current.pk,
                target_title=current.title,
                data=list_representation(current),
            )
    return current


def list_move(*, board_list: BoardList, actor: User, index: int) -> BoardList:
    """Move a list to 0-based `index` among the board's lists (member+)."""
    with board_write(board_id=board_list.board_id, actor=actor) as write:
        write.require(Action.LIST_CHANGE, not_found=BoardList.DoesNotExist)
        current = BoardList.objects.get(pk=board_list.pk, board=write.board)
        errors = FieldErrors()
        index = clean_index(errors, "index", index)
        errors.raise_if_any()
        siblings = ChildrenOf(
            BoardList, "board", write.board.pk, current.pk, using=router.db_for_write(BoardList)
        )
        placement = place_at_index(siblings, index, current_position=current.position)
        if placement.moves(current.position):
            current.position = placement.position
            current.updated_at = timezone.now()
            current.save(update_fields=["position", "updated_at"])
            data = list_representation(current)
            if placement.renumbered:
                data["positions"] = placement.event_positions()
            write.record(verb="list.moved", target_id=current.pk, target_title=current.title, data=data)
    return current


def list_delete(*, board_list: BoardList, actor: User) -> None:
    """Delete a list and its tasks (member+)."""
    with board_write(board_id=board_list.board_id, actor=actor) as write:
        write.require(Action.LIST_CHANGE, not_found=BoardList.DoesNotExist)
        current = BoardList.objects.get(pk=board_list.pk, board=write.board)
        data = list_representation(current)
        current.delete()
        write.record(verb="list.deleted", target_id=data["id"], target_title=current.title, data=data)


# Labels


def _check_label_name_free(errors: FieldErrors, board: Board, name: str, *, exclude_id: int | None) -> None:
    taken = Label.objects.filter(board=board, name__iexact=name)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if "name" not in errors and taken.exists():
        errors.add("name", "A label with this name already exists on this board.")


def label_create(*, board: Board, actor: User, name: str, color: str) -> Label:
    """Add a label to the board (admin+)."""
    with board_write(board_id=board.pk, actor=actor) as write:
        write.require(Action.LABEL_CHANGE)
        errors = FieldErrors()
        name = clean_required_text(errors, "name", name, max_length=50)
        color = clean_color(errors, "color", color)
        _check_label_name_free(errors, write.board, name, exclude_id=None)
        errors.raise_if_any()
        label = Label.objects.create(board=write.board, name=name, color=color)
        write.record(
            verb="label.created",
            target_id=label.pk,
            target_title=label.name,
            data=label_representation(label),
        )
    return label


class LabelChanges(TypedDict, total=False):
    name: str
    color: str


def label_update(*, label: Label, actor: User, **changes: Unpack[LabelChanges]) -> Label:
    """Rename or recolor a label (admin+)."""
    with board_write(board_id=label.board_id, actor=actor) as write:
        write.require(Action.LABEL_CHANGE, not_found=Label.DoesNotExist)
        current = Label.objects.get(pk=label.pk, board=write.board)
        errors = FieldErrors()
        values: dict[str, str] = {}
        if "name" in changes:
            values["name"] = clean_required_text(errors, "name", changes["name"], max_length=50)
            _check_label_name_free(errors, write.board, values["name"], exclude_id=current.pk)
        if "color" in changes:
            values["color"] = clean_color(errors, "color", changes["color"])
        errors.raise_if_any()
        changed = [field for field, value in values.items() if getattr(current, field) != value]
        if changed:
            for field in changed:
                setattr(current, field, values[field])
            current.save(update_fields=changed)
            write.record(
                verb="label.updated",
                target_id=current.pk,
                target_title=current.name,
                data=label_representation(current),
            )
    return current


def label_delete(*, label: Label, actor: User) -> None:
    """Delete a label; the tasks that had it lose it (admin+)."""
    with board_write(board_id=label.board_id, actor=actor) as write:
        write.require(Action.LABEL_CHANGE, not_found=Label.DoesNotExist)
        current = Label.objects.get(pk=label.pk, board=write.board)
        data = label_representation(current)
        tagged = Task.labels.through.objects.filter(label_id=current.pk).values("task_id")
        Task.objects.filter(pk__in=tagged).update(version=F("version") + 1, updated_at=timezone.now())
        current.delete()
        write.record(verb="label.deleted", target_id=data["id"], target_title=data["name"], data=data)
