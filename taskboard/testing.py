"""Helpers the test settings name by dotted path."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import PBKDF2PasswordHasher

# Told every password the hasher below sees, set or checked: the suite registers them as
# secrets no log line may hold (tests/plugins/log_secrets.py).
password_listeners: list[Callable[[str], None]] = []


def _seen(password: Any) -> None:
    if isinstance(password, str):
        for listener in password_listeners:
            listener(password)


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Real hashing with few rounds: tests check behaviour, not hash strength."""

    algorithm = "pbkdf2_sha256_fast"
    iterations = 1000

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        _seen(password)
        return super().encode(password, salt, iterations)

    def verify(self, password: str, encoded: str) -> bool:
        _seen(password)
        return super().verify(password, encoded)
