"""What a credential issued to a user carries, so that it can be revoked: JWTs hold a hash
of the password (simplejwt's CHECK_REVOKE_TOKEN) and the user's `auth_epoch`, sessions hold
`get_session_auth_hash()` (which includes the epoch). A password change, a password reset
or "sign out everywhere" changes one of them, and every credential made before stops
matching."""

from typing import Any

from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from .models import User

AUTH_EPOCH_CLAIM = "auth_epoch"


def token_epoch_matches(*, claims: Any, user: User) -> bool:
    # Tokens without the claim were made at epoch 0 (before the claim existed).
    return bool(claims.get(AUTH_EPOCH_CLAIM, 0) == user.auth_epoch)


def token_password_matches(*, claims: Any, user: User) -> bool:
    return bool(claims.get(jwt_settings.REVOKE_TOKEN_CLAIM) == get_md5_hash_password(user.password))


def user_stamp(user: User) -> str:
    """Changes whenever the user's credentials are revoked (password or epoch): a socket
    keeps the stamp it was opened with and compares it on every resync."""
    return f"{get_md5_hash_password(user.password)}:{user.auth_epoch}"
