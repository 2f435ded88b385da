"""Invitations to a board: the mailed link, revoking it, accepting it."""

import hashlib
import secrets
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.services import user_email_verified_by_mail
from boards import tasks as board_mail
from boards.models import Invitation, Membership, Role, invitation_expiry
from boards.permissions import Action
from boards.representations import member_representation
from writes import BoardWrite, board_write


def hash_invitation_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(write: BoardWrite, *, email: str, role: Role) -> Invitation:
    """A pending invitation of `email` to the board, mailed after the commit (member_add)."""
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
