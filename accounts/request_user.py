"""The signed-in caller of a view, typed as our User: API views after DRF's
IsAuthenticated, page views after taskboard.pages.page (which sends anyone else to the
login). Here, not in the project package, which imports no app."""

from typing import cast

from django.http import HttpRequest
from rest_framework.request import Request

from .models import User


def request_user(request: Request) -> User:
    """The authenticated caller of an API view (the default IsAuthenticated permission ran
    first)."""
    user = request.user
    assert isinstance(user, User)
    return user


def page_user(request: HttpRequest) -> User:
    """The signed-in user of a page view (the `page` decorator has checked there is one)."""
    return cast(User, request.user)
