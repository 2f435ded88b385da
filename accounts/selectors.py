"""Reads on accounts. User rows are always read on the primary (DATABASE_PRIMARY_ONLY_APPS):
a lagging replica must not bring back a revoked credential."""

from .models import User, normalize_email


def user_get_active(*, user_id: int | str | None) -> User | None:
    if user_id is None:
        return None
    return User.objects.filter(id=user_id, is_active=True).first()


def user_get_active_by_email(*, email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email), is_active=True).first()


def user_email_taken(*, email: str) -> bool:
    return User.objects.filter(email=normalize_email(email)).exists()
