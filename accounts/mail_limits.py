"""The cap on account mail per recipient: password-reset and verification mails together,
at most ACCOUNT_MAIL_LIMIT to one address in ACCOUNT_MAIL_WINDOW_SECONDS.

It protects the recipient (and the sender's reputation): the per-client throttles of the
API can't stop many clients from flooding one inbox, this does. Each mail reserves a slot
before it is queued, with `cache.add(key, 0)` + `cache.incr(key)`, both atomic in Redis,
so parallel requests can't queue more than the limit. The window is fixed, from the first
mail. Plain strings and the cache, nothing of DRF: services and pages use it alike.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

from .models import normalize_email

logger = logging.getLogger(__name__)


class MailLimitReached(Exception):
    """This address has had its account mails for now; the next slot in `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many emails to this address. Try again in {retry_after} seconds.")
        self.retry_after = retry_after


def _key(address: str) -> str:
    # Hashed: addresses stay out of Redis, and keys stay short.
    digest = hashlib.sha256(normalize_email(address).encode()).hexdigest()[:32]
    return f"account-mail:{digest}"


def _retry_after(key: str, window: int) -> int:
    ttl = getattr(cache, "ttl", None)
    remaining = ttl(key) if ttl is not None else None
    # Local memory can't tell a key's remaining time: the whole window is the safe bound.
    return remaining if isinstance(remaining, int) and remaining > 0 else window


def reserve_account_mail(*, address: str) -> None:
    """Take one of the address's mail slots, or raise MailLimitReached (and take none).

    Fail-open: when the cache (Redis) is unreachable django-redis answers None instead of
    raising (IGNORE_EXCEPTIONS) and the mail goes out uncounted. A Redis outage must not
    stop password resets; the per-client throttles and nginx still bound the rate.
    """
    limit = settings.ACCOUNT_MAIL_LIMIT
    window = settings.ACCOUNT_MAIL_WINDOW_SECONDS
    key = _key(address)
    for _ in range(3):
        try:
            cache.add(key, 0, timeout=window)
            count = cache.incr(key)
        except ValueError:
            continue  # the key expired between add and incr: a new window, try again
        if not isinstance(count, int):
            break
        if count > limit:
            raise MailLimitReached(retry_after=_retry_after(key, window))
        return
    logger.warning("Account mail limit: cache unavailable, mail not counted.")


def account_mail_allowed(*, address: str) -> bool:
    """Take a slot of the per-recipient cap for a mail about to be queued; False when the
    address has had its share (the mail is then not sent)."""
    try:
        reserve_account_mail(address=address)
    except MailLimitReached:
        logger.info("Account mail not sent: the recipient is at its hourly limit.")
        return False
    return True
