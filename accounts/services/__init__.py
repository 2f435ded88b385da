"""Writes on accounts: registration, login, JWT pairs, passwords, profile, account mail.

The API views, the HTML pages and the admin all come through here: callers use the
names below (`from accounts import services`, `services.user_register`), never a module of
this package, so what lives where inside it can change.
"""

from .account_mail import (
    email_verification_link,
    password_reset_link,
    password_reset_mail_enqueue,
    verification_days,
    verification_mail_enqueue,
    welcome_mail_enqueue,
)
from .deactivation import user_deactivate, user_delete
from .notification_settings import mail_kind_unsubscribe, notification_settings_update
from .passwords import (
    INVALID_RESET_LINK,
    password_reset_confirm,
    password_reset_confirm_counted,
    password_reset_request,
    password_reset_user,
    user_password_change,
)
from .profile import user_update
from .registration import InvalidCredentials, user_authenticate, user_register
from .sessions import session_sockets_close, user_logout_everywhere
from .tokens import (
    FAMILY_CLAIM,
    AlreadyBlacklisted,
    FamilyRefreshToken,
    TokenPair,
    refresh_token_revoke,
    token_pair_issue,
    token_pair_refresh,
    user_refresh_tokens_revoke,
)
from .verification import (
    ALREADY_VERIFIED,
    EXPIRED_VERIFICATION_LINK,
    INVALID_VERIFICATION_LINK,
    USED_VERIFICATION_LINK,
    email_verification_resend,
    email_verify,
    user_email_verified_by_mail,
)

__all__ = [
    "ALREADY_VERIFIED",
    "EXPIRED_VERIFICATION_LINK",
    "FAMILY_CLAIM",
    "INVALID_RESET_LINK",
    "INVALID_VERIFICATION_LINK",
    "USED_VERIFICATION_LINK",
    "AlreadyBlacklisted",
    "FamilyRefreshToken",
    "InvalidCredentials",
    "TokenPair",
    "email_verification_link",
    "email_verification_resend",
    "email_verify",
    "mail_kind_unsubscribe",
    "notification_settings_update",
    "password_reset_confirm",
    "password_reset_confirm_counted",
    "password_reset_link",
    "password_reset_mail_enqueue",
    "password_reset_request",
    "password_reset_user",
    "refresh_token_revoke",
    "session_sockets_close",
    "token_pair_issue",
    "token_pair_refresh",
    "user_authenticate",
    "user_deactivate",
    "user_delete",
    "user_email_verified_by_mail",
    "user_logout_everywhere",
    "user_password_change",
    "user_refresh_tokens_revoke",
    "user_register",
    "user_update",
    "verification_days",
    "verification_mail_enqueue",
    "welcome_mail_enqueue",
]
