"""The unsubscribe link of each notification mail, and its headers (RFC 2369
List-Unsubscribe, RFC 8058 List-Unsubscribe-Post).

The token names a user and a kind of mail and is signed with SECRET_KEY under a salt of its
own (no other signed value of the site passes for one): it can't be made for another user
or kind, and a changed character breaks it. It doesn't expire: the link sits in mail people
keep, mail providers may POST it (RFC 8058) long after it was sent, and unsubscribing must
keep working for as long as the mail exists; all it can do is turn one kind of mail off for
one user, which the user undoes in their settings. Only reading here; the write is
services.mail_kind_unsubscribe.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import User
from .notification_preferences import MailKind

SALT = "accounts.unsubscribe"
KIND_VALUES = frozenset(kind.value for kind in MailKind)


class InvalidUnsubscribeToken(Exception):
    """Not an unsubscribe token of this site (forged, changed, truncated, another kind)."""


def unsubscribe_token(*, user_id: int, kind: MailKind) -> str:
    return signing.Signer(salt=SALT).sign(f"{user_id}.{kind.value}")


def read_unsubscribe_token(token: str) -> tuple[int, MailKind]:
    """The (user id, kind) a token was made for; InvalidUnsubscribeToken otherwise."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature as exc:
        raise InvalidUnsubscribeToken() from exc
    user_id, _, kind = value.partition(".")
    if not (user_id.isascii() and user_id.isdigit()) or kind not in KIND_VALUES:
        raise InvalidUnsubscribeToken()
    return int(user_id), MailKind(kind)


def unsubscribe_link(*, user: User, kind: MailKind) -> str:
    token = unsubscribe_token(user_id=user.pk, kind=kind)
    return f"{settings.SITE_URL}{reverse('accounts:unsubscribe', kwargs={'token': token})}"


def unsubscribe_headers(*, user: User, kind: MailKind) -> dict[str, str]:
    """The headers of a notification mail of this kind to this user (RFC 8058: the URL is
    the one the mail's own link opens; a POST of `List-Unsubscribe=One-Click` to it
    unsubscribes without a page, a login or a CSRF token)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_link(user=user, kind=kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
