"""Access-token authentication for the API and the WebSocket handshake.

simplejwt's JWTAuthentication, made cheaper where a warm board read spent its CPU
(docs/benchmarks.md):

- the token's user is read by a compiled query: the ORM's `get()` cost about a third of the
  CPU of a warm board read. The checks are simplejwt's: an unknown or inactive user, or a
  token issued before the password changed (CHECK_REVOKE_TOKEN) or before the user
  signed out everywhere (accounts.credentials), is refused;
- a token whose signature checked out is remembered by its exact bytes for the rest of its
  life (per process, the most recent VALIDATED_TOKENS_CACHED): a client sends the same
  token on every request for its 5 minutes, and decoding and verifying it cost an eighth
  of a warm board read. The expiry is checked again on every use; the user checks above
  are not cached, so a deactivation or password change takes effect on the next request.
"""

import functools
from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow, get_md5_hash_password

from accounts.credentials import token_epoch_matches
from accounts.models import User
from accounts.selectors import user_get_by_id

VALIDATED_TOKENS_CACHED = 1024

# Raises for a bad token (nothing is cached then); thread-safe (the ASGI servers use it too).
_validated_token = functools.lru_cache(maxsize=VALIDATED_TOKENS_CACHED)(
    JWTAuthentication().get_validated_token
)


class AccessTokenAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token: bytes) -> Token:
        token = _validated_token(raw_token)
        try:
            # A token is constructed with its own "now": pass the time of this use.
            token.check_exp(current_time=aware_utcnow())
        except TokenError:
            # Expired since it was cached: simplejwt's own validation gives the error.
            return super().get_validated_token(raw_token)
        return token

    def get_user(self, validated_token: Token) -> Any:
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken("Token contained no recognizable user identification") from exc
        user: User | None = user_get_by_id(user_id=user_id)
        if user is None:
            raise AuthenticationFailed("User not found", code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed("The user's password has been changed.", code="password_changed")
        if not token_epoch_matches(claims=validated_token, user=user):
            raise AuthenticationFailed("The user has signed out everywhere.", code="signed_out")
        return user


class AccessTokenScheme(SimpleJWTScheme):
    """The OpenAPI security scheme: the same bearer JWT as simplejwt's (registered on import)."""

    target_class = "accounts.api.authentication.AccessTokenAuthentication"
