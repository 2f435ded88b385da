"""An outbox row as an email message, and a failure as a line safe to keep and show."""

import hashlib
import re
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from .models import OutboxMail

MAX_ERROR_LENGTH = 500
# Links in an error (a body echoed back, a URL with credentials) may carry a token.
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


def message_id_for(key: str) -> str:
    """The same key gives the same Message-ID, so a copy sent again after a lost claim is
    recognisably the same message (mail clients and providers fold such duplicates)."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "taskboard.local"
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<outbox.{digest}@{domain}>"


def build_message(mail: OutboxMail) -> EmailMultiAlternatives:
    headers = {**mail.headers, "Message-ID": message_id_for(mail.key)}
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to_address],
        headers=headers,
    )
    if mail.html_body:
        message.attach_alternative(mail.html_body, "text/html")
    return message


def describe_error(exc: BaseException) -> str:
    """What went wrong, for the admin: the exception's class and the SMTP code and reply,
    without the SMTP password, the user name or any link (links in mail carry tokens)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = f"{type(exc).__name__}: " + "; ".join(
            f"{code} {_text(reply)}" for code, reply in exc.recipients.values()
        )
    else:
        text = f"{type(exc).__name__}: {exc}"
    for secret in (getattr(settings, "EMAIL_HOST_PASSWORD", ""), getattr(settings, "EMAIL_HOST_USER", "")):
        if secret:
            text = text.replace(secret, "[hidden]")
    text = _URL.sub("[link]", text)
    return " ".join(text.split())[:MAX_ERROR_LENGTH]


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
