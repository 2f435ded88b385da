"""Account mail, sent by the worker. Thin: ids in, a service does the work.

Queued only from services through transaction.on_commit, so a rolled-back registration
sends nothing and the worker always finds the committed row.

SMTP trouble is usually brief (a server restarting, greylisting, a dropped connection), so
each retries on SMTP and socket errors with exponential backoff and jitter (5 s, 10 s, ...
capped at 10 minutes; about an hour in all).
"""

from typing import Any

from celery import shared_task

from . import services

RETRY_ON = (OSError,)  # smtplib.SMTPException and socket errors are all OSErrors
# The retry policy of every account mail (the module's docstring says why).
MAIL_RETRY: dict[str, Any] = {
    "autoretry_for": RETRY_ON,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(name="accounts.send_welcome_email", **MAIL_RETRY)
def send_welcome_email(*, user_id: int) -> bool:
    return services.welcome_email_send(user_id=user_id)


@shared_task(name="accounts.send_password_reset_email", **MAIL_RETRY)
def send_password_reset_email(*, user_id: int) -> bool:
    return services.password_reset_email_send(user_id=user_id)


@shared_task(name="accounts.send_verification_email", **MAIL_RETRY)
def send_verification_email(*, user_id: int) -> bool:
    return services.verification_email_send(user_id=user_id)
