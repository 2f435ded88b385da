"""Signing out: one session, or everywhere (every session, token and live socket)."""

from django.db import transaction
from django.db.models import F

from accounts.models import User
from live.revocation import close_session_sockets_on_commit, close_user_sockets_on_commit

from .tokens import user_refresh_tokens_revoke


def user_logout_everywhere(*, user: User) -> None:
    """Sign out everywhere: every refresh token is revoked, every session and access token
    made before stops working (the user's auth_epoch is in both), and every live socket of
    the user closes."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(auth_epoch=F("auth_epoch") + 1)
        user.refresh_from_db(fields=["auth_epoch"])
        user_refresh_tokens_revoke(user=user)
        close_user_sockets_on_commit(user_id=user.pk)


def session_sockets_close(*, session_key: str) -> None:
    """A logged-out session: the sockets it opened close (the other sessions' stay)."""
    close_session_sockets_on_commit(session_key=session_key)
