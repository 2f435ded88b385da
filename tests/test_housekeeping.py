"""Beat's housekeeping of accounts and boards (accounts/housekeeping.py, boards/housekeeping.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.housekeeping import flush_expired_tokens
from accounts.tests.factories import UserFactory
from boards.housekeeping import delete_expired_invitations
from boards.models import Invitation
from boards.tests.factories import BoardFactory

pytestmark = pytest.mark.django_db


def test_expired_refresh_tokens_are_flushed() -> None:
    user = UserFactory.create()
    RefreshToken.for_user(user)
    expired = RefreshToken.for_user(user)
    past = timezone.now() - timedelta(seconds=1)
    OutstandingToken.objects.filter(jti=expired["jti"]).update(expires_at=past)

    flush_expired_tokens()

    assert OutstandingToken.objects.count() == 1
    assert not OutstandingToken.objects.filter(jti=expired["jti"]).exists()


def test_invitations_expired_a_month_ago_are_deleted_recent_ones_kept() -> None:
    board = BoardFactory.create()
    now = timezone.now()
    rows = {
        "old": now - timedelta(days=31),
        "recent": now - timedelta(days=2),
        "open": now + timedelta(days=3),
    }
    for name, expires_at in rows.items():
        Invitation.objects.create(
            board=board, email=f"{name}@example.com", token_hash=name, expires_at=expires_at,
            invited_by=board.created_by,
        )  # fmt: skip

    assert delete_expired_invitations() == 1
    kept = set(Invitation.objects.values_list("email", flat=True))
    assert kept == {"recent@example.com", "open@example.com"}
