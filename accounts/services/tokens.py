"""JWT pairs: issued at login, rotated within a family, revoked one by one or all at once."""

from dataclasses import dataclass
from typing import TypeVar, cast

from django.db import transaction
from django.utils import timezone as django_timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts import selectors
from accounts.credentials import AUTH_EPOCH_CLAIM, token_epoch_matches
from accounts.login_limiter import security_log
from accounts.models import RefreshTokenLink, User


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


# The claim naming a refresh token's family: the jti of its login's first refresh token
# (absent on that first token itself). Access tokens don't carry it.
FAMILY_CLAIM = "fam"

_Refresh = TypeVar("_Refresh", bound=RefreshToken)


def _read(token_class: type[_Refresh], encoded: str) -> _Refresh:
    """`encoded` read as a `token_class` (signature, expiry and type verified).

    simplejwt annotates the constructor's argument as a Token, but what it reads is the
    encoded string (its own views pass one): the cast says what the library does."""
    return token_class(cast(Token, encoded))


class FamilyRefreshToken(RefreshToken):
    """A refresh token whose blacklist check is left to token_pair_refresh, which must tell
    a replayed rotated token (revoke its family) from a fresh one; everything else (the
    signature, expiry, type) is checked when it is read, as usual."""

    @property
    def access_token(self) -> AccessToken:
        access = super().access_token
        if FAMILY_CLAIM in access:
            del access[FAMILY_CLAIM]  # the family is the refresh tokens' business
        return access

    def check_blacklist(self) -> None:
        pass


class AlreadyBlacklisted(TokenError):
    """The refresh token was used before (rotated or revoked)."""


def _family_of(token: RefreshToken) -> str:
    return str(token.get(FAMILY_CLAIM) or token[jwt_settings.JTI_CLAIM])


def _outstanding(token: RefreshToken) -> OutstandingToken:
    """The token's OutstandingToken row, recorded now if it wasn't yet (normally it was:
    every token we issue is recorded when issued).

    simplejwt annotates outstand() as returning the row, but the blacklist app's version
    returns get_or_create's (row, created) pair: the cast says what it returns."""
    outstanding, _ = cast(tuple[OutstandingToken, bool], token.outstand())
    return outstanding


def token_pair_issue(*, user: User) -> TokenPair:
    """A new access + refresh pair; the refresh token is recorded as outstanding and starts
    a family (the tokens that rotation will derive from it)."""
    with transaction.atomic():
        refresh = RefreshToken.for_user(user)
        # Copied into the access token; "sign out everywhere" bumps the user's epoch.
        refresh[AUTH_EPOCH_CLAIM] = user.auth_epoch
        jti = refresh[jwt_settings.JTI_CLAIM]
        RefreshTokenLink.objects.create(token=OutstandingToken.objects.only("id").get(jti=jti), family=jti)
        return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def _blacklist_once(token: RefreshToken) -> None:
    """Blacklist `token`; AlreadyBlacklisted if it already was (someone else used it first).

    The blacklist row is unique per token, so of two concurrent uses exactly one creates it.
    """
    token.outstand()  # normally a no-op: every token we issue is recorded when issued
    outstanding = OutstandingToken.objects.get(jti=token[jwt_settings.JTI_CLAIM])
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    if not created:
        raise AlreadyBlacklisted("Token is blacklisted")


def _family_revoke_on_replay(token: RefreshToken) -> None:
    """A refresh token that was rotated came back: a copy of it is in someone else's hands
    (or the client retried a rotation it had already done). Which of the two holders is the
    owner can't be told, so the whole family stops working (OWASP); the owner logs in again.
    A token revoked by logout or a password change has no descendants to revoke."""
    jti = token[jwt_settings.JTI_CLAIM]
    if not RefreshTokenLink.objects.filter(parent_jti=jti).exists():
        return
    family = _family_of(token)
    with transaction.atomic():
        live = OutstandingToken.objects.filter(family_link__family=family, blacklistedtoken__isnull=True)
        rows = [BlacklistedToken(token=outstanding) for outstanding in live]
        BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    security_log.warning(
        "Refresh token replayed: family revoked: user=%s family=%s live_tokens_revoked=%s",
        token.get(jwt_settings.USER_ID_CLAIM),
        family,
        len(rows),
    )


def _token_user(token: RefreshToken) -> User:
    user = selectors.user_get_active(user_id=token.get(jwt_settings.USER_ID_CLAIM))
    if user is None:
        raise TokenError("No active account found for the given token.")
    # Tokens carry a hash of the password they were issued under: one made before a
    # password change (even one rotated concurrently with the change) is refused.
    if token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
        raise TokenError("The user's password has been changed.")
    if not token_epoch_matches(claims=token, user=user):
        raise TokenError("The user has signed out everywhere.")
    return user


def token_pair_refresh(*, refresh: str) -> TokenPair:
    """Rotate: a new pair for a valid refresh token, which is blacklisted (works once).

    The new token is of the same family; replaying a token that was already rotated
    revokes the whole family (`_family_revoke_on_replay`) and is refused."""
    token = _read(FamilyRefreshToken, refresh)
    try:
        with transaction.atomic():
            _blacklist_once(token)
            _token_user(token)
            parent_jti = token[jwt_settings.JTI_CLAIM]
            token[FAMILY_CLAIM] = _family_of(token)
            token.set_jti()
            token.set_exp()
            token.set_iat()
            RefreshTokenLink.objects.create(
                token=_outstanding(token), family=token[FAMILY_CLAIM], parent_jti=parent_jti
            )
            return TokenPair(access=str(token.access_token), refresh=str(token))
    except AlreadyBlacklisted:
        # After the refusal's transaction: the revocation must commit although we refuse.
        _family_revoke_on_replay(token)
        raise


def refresh_token_revoke(*, refresh: str) -> None:
    """Log out: this refresh token stops working."""
    with transaction.atomic():
        token = _read(RefreshToken, refresh)
        _blacklist_once(token)


def user_refresh_tokens_revoke(*, user: User) -> int:
    """Blacklist every unexpired refresh token of the user; how many were still live."""
    with transaction.atomic():
        live = OutstandingToken.objects.filter(
            user=user, expires_at__gt=django_timezone.now(), blacklistedtoken__isnull=True
        )
        rows = [BlacklistedToken(token=token) for token in live]
        BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)
