"""Writes to a board's members: add (or invite), change a role, remove or leave."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db.models import F
from django.utils import timezone

from accounts.models import User, normalize_email
from boards.models import Invitation, Membership, Role
from boards.permissions import Action
from boards.representations import member_representation
from tasks.models import Task, TaskAssignee
from writes import FieldErrors, board_write

from .invitations import invite, pending_invitations_withdraw

ASSIGNABLE_ROLES = (Role.ADMIN, Role.MEMBER, Role.VIEWER)


def member_add(*, actor: User, board_id: int, email: str, role: str) -> Membership | Invitation:
    """Add the person with `email` with `role` (admin+). An address whose account is
    verified becomes a Membership at once; any other (no account, or an account whose owner
    never proved they read that address) gets an Invitation mailed there after the commit:
    the role goes to whoever reads the address's mail, not to whoever registered it first."""
    with board_write(board_id=board_id, actor=actor) as write:
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
            return invite(write, email=address, role=new_role)
        if Membership.objects.filter(board=write.board, user=user).exists():
            raise ValidationError({"email": ["This person is already a member of this board."]})
        if not user.email_verified:
            return invite(write, email=address, role=new_role)
        membership = Membership.objects.create(board=write.board, user=user, role=new_role)
        # An earlier invitation of the address has nothing left to do.
        pending_invitations_withdraw(board=write.board, email=address)
        write.record(
            verb="member.added",
            target_id=user.pk,
            target_title=user.name or user.email,
            data=member_representation(membership, user),
        )
        return membership


def _clean_assignable_role(errors: FieldErrors, role: object) -> Role:
    if role == Role.OWNER:
        errors.add("role", "Ownership is transferred, not granted: choose admin, member or viewer.")
        return Role.VIEWER
    if role not in ASSIGNABLE_ROLES:
        errors.add("role", f'"{role}" is not a valid choice.')
        return Role.VIEWER
    return Role(str(role))


def member_update_role(*, actor: User, board_id: int, user_id: int, role: str) -> Membership:
    """Change a member's role (admin+; the owner's role changes only by a transfer)."""
    with board_write(board_id=board_id, actor=actor) as write:
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


def member_remove(*, actor: User, board_id: int, user_id: int) -> None:
    """Remove a member (admin+), or leave the board (any member but the owner). The
    member's task assignments on the board go with them."""
    with board_write(board_id=board_id, actor=actor) as write:
        leaving = user_id == actor.pk
        write.require(Action.BOARD_VIEW if leaving else Action.MEMBER_MANAGE)
        membership = Membership.objects.select_related("user").get(board=write.board, user_id=user_id)
        if membership.role == Role.OWNER:
            raise PermissionDenied(
                "The owner can't leave; transfer the board first."
                if leaving
                else "The owner can't be removed from the board."
            )
        assignments = TaskAssignee.objects.filter(board_id=write.board.pk, user_id=user_id)
        Task.objects.filter(board_id=write.board.pk, pk__in=assignments.values("task_id")).update(
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
