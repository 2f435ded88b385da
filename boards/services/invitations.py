"""Invitations to a board: the mailed link, revoking it, accepting it."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from accounts.services import user_email_verified_by_mail
from boards.models import Board, Invitation, Membership, Role, invitation_expiry
from boards.permissions import Action
from boards.representations import member_representation
from outbox.rendering import mail_render
from outbox.services import mail_cancel_pending, mail_enqueue
from writes import BoardWrite, board_write


def hash_invitation_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_mail_key(invitation_id: int) -> str:
    """The outbox key of an invitation's mail: one invitation, one address, one mail (a
    new invitation of the address is a new row, so a new key)."""
    return f"invitation:invitation:{invitation_id}"


def pending_invitations_withdraw(*, board: Board, email: str) -> None:
    """Delete the board's pending invitations of `email`, and their mails not yet sent:
    a link that no longer works is not mailed, nor kept in the outbox."""
    pending = Invitation.objects.filter(board=board, email=email, accepted_at__isnull=True)
    mail_cancel_pending(keys=[invitation_mail_key(pk) for pk in pending.values_list("pk", flat=True)])
    pending.delete()


def invite(write: BoardWrite, *, email: str, role: Role) -> Invitation:
    """A pending invitation of `email` to the board, its mail in the outbox (sent after the
    commit; member_add)."""
    # Inviting the same address again replaces the pending invitation (a fresh link).
    pending_invitations_withdraw(board=write.board, email=email)
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
    _invitation_mail_enqueue(invitation=invitation, token=token)
    return invitation


def invitation_accept_url(token: str) -> str:
    return f"{settings.SITE_URL}/invitations/{token}/"


def _invitation_mail_enqueue(*, invitation: Invitation, token: str) -> None:
    """The raw token exists only here and in the mail: the invitation keeps its hash, the
    outbox row is sensitive (its body blanked once sent or failed, never shown)."""
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "board": invitation.board,
        "inviter_name": (inviter.name or inviter.email) if inviter is not None else "Someone",
        "role_article": "an" if invitation.role == Role.ADMIN else "a",
        "accept_url": invitation_accept_url(token),
        "site_url": settings.SITE_URL,
    }
    mail = mail_render(template="boards/email/invitation", context=context)
    mail_enqueue(
        key=invitation_mail_key(invitation.pk),
        kind="invitation",
        to_address=invitation.email,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        sensitive=True,
    )


def invitation_revoke(
    *, actor: User, board_id: int, invitation_id: int, pending_only: bool = True
) -> Invitation:
    """Delete an invitation of the board (admin+): its link stops working. Only a pending
    one (not accepted), unless `pending_only` is False (the admin deletes past ones too).
    Answers the invitation as it was."""
    with board_write(board_id=board_id, actor=actor) as write:
        found = Invitation.objects.filter(pk=invitation_id, board=write.board)
        if pending_only:
            found = found.filter(accepted_at__isnull=True)
        invitation = found.first() if write.role is not None else None
        # A member learns that there is no such invitation before that their role is too low.
        if invitation is None:
            raise Invitation.DoesNotExist("Invitation not found.")
        write.require(Action.INVITATION_REVOKE, not_found=Invitation.DoesNotExist)
        mail_cancel_pending(keys=[invitation_mail_key(invitation.pk)])
        Invitation.objects.filter(pk=invitation.pk).delete()
        write.touch()
    return invitation


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
