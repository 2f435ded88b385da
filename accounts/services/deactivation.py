"""Deactivation and deletion of accounts (the admin)."""

from django.db import transaction

from accounts.models import User
from live.revocation import close_user_sockets_on_commit
from outbox.services import mail_cancel_pending_for

from .tokens import user_refresh_tokens_revoke


def user_deactivate(*, user: User) -> None:
    """The account can't sign in any more; its refresh tokens are revoked and its live
    sockets close (sessions and access tokens are refused as the user is inactive); its
    mails not yet sent are dropped (a reset link must not reach an account shut down)."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        user_refresh_tokens_revoke(user=user)
        close_user_sockets_on_commit(user_id=user.pk)
        mail_cancel_pending_for(recipient_id=user.pk)


def user_delete(*, user: User) -> None:
    """Delete the account; its live sockets close once the deletion commits."""
    with transaction.atomic():
        # The id is gone from the instance after delete(): the message keeps its own copy.
        close_user_sockets_on_commit(user_id=user.pk)
        user.delete()
