"""Board mail, sent by the worker. Thin: ids in, a service does the work.

Queued only through transaction.on_commit, so the worker always finds the committed
invitation. SMTP trouble is usually brief: retry on SMTP and socket errors with
exponential backoff and jitter.
"""

from celery import shared_task

from . import services

RETRY_ON = (OSError,)  # smtplib.SMTPException and socket errors are all OSErrors


@shared_task(
    name="boards.send_invitation_email",
    autoretry_for=RETRY_ON,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)
def send_invitation_email(*, invitation_id: int, token: str) -> bool:
    # The token rides in the message because the database keeps only its hash.
    return services.invitation_email_send(invitation_id=invitation_id, token=token)
