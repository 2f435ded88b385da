"""Sign out everywhere: POST /api/v1/auth/logout-all/ and the profile page's button end
every credential of the user (refresh and access tokens, sessions) and nobody else's. The
sockets closing is tests/live/test_revocation.py."""

from typing import Any

import pytest
from django.test import Client
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD, UserFactory


def post(client: Client, path: str, body: Any = None, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"/api/v1/{path}", body, content_type="application/json", headers=headers)


def login(client: Client, email: str) -> dict[str, str]:
    response = post(client, "auth/token/", {"email": email, "password": KNOWN_PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def me(client: Client, token: str) -> int:
    return client.get("/api/v1/users/me/", headers={"Authorization": f"Bearer {token}"}).status_code


def signed_in_browser(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    assert browser.get("/accounts/profile/").status_code == 200
    return browser


@pytest.mark.django_db
def test_logout_all_ends_every_token_and_session_of_the_user_only(client: Client) -> None:
    user = UserFactory.create()
    stranger = UserFactory.create()
    pairs = [login(client, user.email), login(client, user.email)]
    strangers_pair = login(client, stranger.email)
    browser = signed_in_browser(user)
    strangers_browser = signed_in_browser(stranger)

    response = post(client, "auth/logout-all/", token=pairs[0]["access"])

    assert (response.status_code, response.content) == (204, b"")
    for pair in pairs:
        assert me(client, pair["access"]) == 401
        assert post(client, "auth/token/refresh/", {"refresh": pair["refresh"]}).status_code == 401
    assert BlacklistedToken.objects.filter(token__user=user).count() == 2
    assert browser.get("/accounts/profile/").status_code == 302  # to the login page
    # Nothing changed for anyone else.
    assert me(client, strangers_pair["access"]) == 200
    assert strangers_browser.get("/accounts/profile/").status_code == 200
    assert not BlacklistedToken.objects.filter(token__user=stranger).exists()
    # Signing in again works, and gives credentials that work.
    assert me(client, login(client, user.email)["access"]) == 200
    assert signed_in_browser(User.objects.get(pk=user.pk)).get("/accounts/profile/").status_code == 200


@pytest.mark.django_db
def test_logout_all_with_the_session_ends_that_session_too() -> None:
    user = UserFactory.create()
    browser = signed_in_browser(user)

    response = browser.post("/api/v1/auth/logout-all/")

    assert response.status_code == 204
    assert browser.get("/accounts/profile/").status_code == 302


@pytest.mark.django_db
def test_logout_all_needs_credentials(client: Client) -> None:
    response = post(client, "auth/logout-all/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_the_profile_page_signs_out_everywhere() -> None:
    user = UserFactory.create()
    here = signed_in_browser(user)
    elsewhere = signed_in_browser(user)
    pair = login(Client(), user.email)

    page = here.get("/accounts/profile/")
    response = here.post("/accounts/logout-everywhere/", follow=True)

    assert b'action="/accounts/logout-everywhere/"' in page.content
    assert b"Sign out everywhere" in page.content
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert b"You were signed out everywhere." in response.content
    assert here.get("/accounts/profile/").status_code == 302
    assert elsewhere.get("/accounts/profile/").status_code == 302
    assert me(Client(), pair["access"]) == 401


@pytest.mark.django_db
def test_the_page_refuses_get_and_anonymous(client: Client) -> None:
    user = UserFactory.create()
    browser = signed_in_browser(user)

    assert browser.get("/accounts/logout-everywhere/").status_code == 405
    assert client.post("/accounts/logout-everywhere/").status_code == 302
    assert browser.get("/accounts/profile/").status_code == 200
    assert User.objects.get(pk=user.pk).auth_epoch == 0
