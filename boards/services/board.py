"""Writes to a board itself: create, change, delete, transfer its ownership."""

from collections.abc import Sequence
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from boards.models import Board, BoardList, Invitation, Label, Membership, Role
from boards.permissions import Action
from boards.representations import board_representation, member_representation
from live.publishing import publish_board_deleted_on_commit
from outbox.services import mail_cancel_pending
from taskboard.markdown_rendering import render_markdown
from taskboard.metrics import count_on_commit
from taskboard.metrics.families import boards_created
from writes import (
    POSITION_STEP,
    BoardWrite,
    FieldErrors,
    board_write,
    clean_optional_text,
    clean_required_text,
    new_board_write,
)

from .changes import apply_changes
from .invitations import invitation_mail_key

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
        count_on_commit(boards_created)
    return board


class BoardChanges(TypedDict, total=False):
    title: str
    description: str
    archived: bool
    viewers_can_comment: bool


def _clean_board_changes(changes: BoardChanges) -> dict[str, object]:
    errors = FieldErrors()
    values: dict[str, object] = {}
    if "title" in changes:
        values["title"] = clean_required_text(errors, "title", changes["title"], max_length=200)
    if "description" in changes:
        values["description"] = clean_optional_text(
            errors, "description", changes["description"], max_length=BOARD_DESCRIPTION_MAX_LENGTH
        )
    if "archived" in changes:
        values["archived"] = _clean_flag(errors, "archived", changes["archived"])
    if "viewers_can_comment" in changes:
        values["viewers_can_comment"] = _clean_flag(
            errors, "viewers_can_comment", changes["viewers_can_comment"]
        )
    errors.raise_if_any()
    return values


def _clean_flag(errors: FieldErrors, field: str, value: object) -> object:
    if not isinstance(value, bool):
        errors.add(field, "Must be a valid boolean.")
    return value


def board_update(*, actor: User, board_id: int, **changes: Unpack[BoardChanges]) -> Board:
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
    with board_write(board_id=board_id, actor=actor) as write:
        write.require(Action.BOARD_UPDATE)
        values = _clean_board_changes(changes)
        board = write.board
        changed = apply_changes(board, values)
        if changed:
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


def board_delete(*, actor: User, board_id: int) -> Board:
    """Delete the board with everything on it (owner only); answers the board as it was."""
    with board_write(board_id=board_id, actor=actor) as write:
        write.require(Action.BOARD_DELETE)
        # Its invitations go with it (cascade): their mails not yet sent go first, as a
        # revoked invitation's do (the link would lead nowhere, and is not kept).
        pending_invitations = Invitation.objects.filter(board_id=board_id, accepted_at__isnull=True)
        mail_cancel_pending(
            keys=[invitation_mail_key(pk) for pk in pending_invitations.values_list("pk", flat=True)]
        )
        Board.objects.filter(pk=board_id).delete()
        publish_board_deleted_on_commit(board_id)
        # Nothing is left to save the counters on.
        write.touched = False
    return write.board


def board_transfer(*, actor: User, board_id: int, to_user_id: int) -> Board:
    """Make the member `to_user_id` the owner; the old owner becomes an admin (owner only).

    Takes the user id, as the API does: a user who is not a member is a validation error
    on `user_id`, not a lookup of somebody else's account.
    """
    with board_write(board_id=board_id, actor=actor) as write:
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
        _record_roles(write, ((old_owner, actor), (target, target.user)))
    return write.board


def _record_roles(write: BoardWrite, changes: Sequence[tuple[Membership, User]]) -> None:
    for membership, user in changes:
        write.record(
            verb="member.role_changed",
            target_id=user.pk,
            target_title=user.name or user.email,
            data=member_representation(membership, user),
        )
