"""The token in the verification link: the account and the address it was mailed to,
signed with SECRET_KEY (a salt of its own, so no other signed value of the site passes for
one) and timestamped (it expires after EMAIL_VERIFICATION_TIMEOUT).

The link works once: it stands for "this address, not yet verified"; once the account is
verified it has nothing left to do and is refused as used. A link mailed to an address
the account no longer has is refused too. Only reading here; the write is
services.email_verify.
"""

from typing import Any

from django.conf import settings
from django.core import signing

from .models import User

SALT = "accounts.email-verification"


class InvalidToken(Exception):
    """Not a verification token of this site (forged, truncated, for another purpose)."""


class ExpiredToken(Exception):
    """A genuine verification token, older than EMAIL_VERIFICATION_TIMEOUT."""


def token_payload(user: User) -> dict[str, Any]:
    return {"u": user.pk, "e": user.email}


def make_token(*, user: User) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(token_payload(user))


def read_token(token: str) -> tuple[int, str]:
    """The (user id, address) a token was made for; InvalidToken or ExpiredToken."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        payload = signer.unsign_object(token, max_age=settings.EMAIL_VERIFICATION_TIMEOUT)
    except signing.SignatureExpired as exc:
        raise ExpiredToken() from exc
    except (signing.BadSignature, ValueError) as exc:
        raise InvalidToken() from exc
    if not isinstance(payload, dict):
        raise InvalidToken()
    user_id, email = payload.get("u"), payload.get("e")
    if isinstance(user_id, bool) or not isinstance(user_id, int) or not isinstance(email, str):
        raise InvalidToken()
    return user_id, email
