"""The per-recipient cap on password-reset and verification mail (accounts/mail_limits.py)."""

import socket

import pytest
from django.test import override_settings

from accounts.mail_limits import MailLimitReached, reserve_account_mail


def test_three_mails_an_hour_to_one_address_whatever_its_case() -> None:
    for address in ("ada@example.com", "ADA@example.com", " Ada@Example.com "):
        reserve_account_mail(address=address)

    with pytest.raises(MailLimitReached) as refused:
        reserve_account_mail(address="ada@example.com")

    assert 0 < refused.value.retry_after <= 3600
    reserve_account_mail(address="bob@example.com")  # another address counts apart


@override_settings(ACCOUNT_MAIL_LIMIT=1, ACCOUNT_MAIL_WINDOW_SECONDS=120)
def test_the_limit_and_window_come_from_the_settings() -> None:
    reserve_account_mail(address="ada@example.com")

    with pytest.raises(MailLimitReached) as refused:
        reserve_account_mail(address="ada@example.com")

    assert 0 < refused.value.retry_after <= 120


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_on_local_memory_it_counts_and_says_the_whole_window() -> None:
    for _ in range(3):
        reserve_account_mail(address="ada@example.com")

    with pytest.raises(MailLimitReached) as refused:
        reserve_account_mail(address="ada@example.com")

    assert refused.value.retry_after == 3600


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_redis_outage_lets_mail_through_uncounted() -> None:
    unreachable = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "IGNORE_EXCEPTIONS": True},
        }
    }
    with override_settings(CACHES=unreachable):
        for _ in range(5):
            reserve_account_mail(address="ada@example.com")  # never raises
