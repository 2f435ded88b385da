"""Fixtures the accounts tests share."""

import threading

import pytest

from accounts.models import User


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every real password check, by email: a spy around User.check_password."""
    checks: list[str] = []
    lock = threading.Lock()
    check_password = User.check_password

    def counting_check_password(self: User, raw_password: str) -> bool:
        with lock:
            checks.append(self.email)
        return check_password(self, raw_password)

    monkeypatch.setattr(User, "check_password", counting_check_password)
    return checks
