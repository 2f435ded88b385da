"""The User in Django admin, with email as the login."""

import pytest
from django.test import Client
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts import services
from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD, UserFactory


@pytest.fixture
def admin_client_for_staff(client: Client) -> Client:
    client.force_login(UserFactory.create(email="root@example.com", is_staff=True, is_superuser=True))
    return client


@pytest.mark.django_db
def test_the_user_list_searches_and_filters(admin_client_for_staff: Client) -> None:
    UserFactory.create(email="ada@example.com", name="Ada Lovelace")
    UserFactory.create(email="bob@example.com", name="Bob", is_active=False)

    found = admin_client_for_staff.get("/admin/accounts/user/", {"q": "lovelace"})
    inactive = admin_client_for_staff.get("/admin/accounts/user/", {"is_active__exact": "0"})

    assert found.status_code == 200
    assert [user.email for user in found.context["cl"].result_list] == ["ada@example.com"]
    assert [user.email for user in inactive.context["cl"].result_list] == ["bob@example.com"]


@pytest.mark.django_db
def test_the_add_form_creates_a_user_who_can_log_in(admin_client_for_staff: Client) -> None:
    response = admin_client_for_staff.post(
        "/admin/accounts/user/add/",
        {
            "email": "New@Example.com",
            "name": "New",
            "usable_password": "true",
            "password1": KNOWN_PASSWORD,
            "password2": KNOWN_PASSWORD,
        },
    )

    assert response.status_code == 302
    user = User.objects.get(name="New")
    assert user.email == "new@example.com"
    assert user.check_password(KNOWN_PASSWORD)


@pytest.mark.django_db
def test_the_add_form_refuses_an_address_in_use_whatever_its_case(admin_client_for_staff: Client) -> None:
    UserFactory.create(email="ada@example.com")

    response = admin_client_for_staff.post(
        "/admin/accounts/user/add/",
        {
            "email": "ADA@example.com",
            "name": "Other",
            "usable_password": "true",
            "password1": KNOWN_PASSWORD,
            "password2": KNOWN_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "email": ["An account with this email address already exists."]
    }
    assert User.objects.filter(name="Other").count() == 0


@pytest.mark.django_db
def test_the_change_form_edits_the_profile(admin_client_for_staff: Client) -> None:
    user = UserFactory.create(email="ada@example.com", name="Ada")
    page = admin_client_for_staff.get(f"/admin/accounts/user/{user.id}/change/")
    assert page.status_code == 200

    response = admin_client_for_staff.post(
        f"/admin/accounts/user/{user.id}/change/",
        {
            "email": "ada@example.com",
            "name": "Ada King",
            "timezone": "Europe/London",
            "email_notifications": "on",
            "is_active": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.name, user.timezone, user.email_notifications) == ("Ada King", "Europe/London", True)
    assert user.check_password(KNOWN_PASSWORD)


@pytest.mark.django_db
def test_the_change_form_refuses_an_unknown_time_zone(admin_client_for_staff: Client) -> None:
    user = UserFactory.create(email="ada@example.com", name="Ada")

    response = admin_client_for_staff.post(
        f"/admin/accounts/user/{user.id}/change/",
        {"email": "ada@example.com", "name": "Changed", "timezone": "Mars/Base", "is_active": "on"},
    )

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["timezone"]
    user.refresh_from_db()
    assert user.name == "Ada"


@pytest.mark.django_db
def test_deactivating_in_the_admin_revokes_the_users_refresh_tokens(
    admin_client_for_staff: Client,
) -> None:
    user = UserFactory.create(email="ada@example.com", name="Ada")
    pair = services.token_pair_issue(user=user)

    response = admin_client_for_staff.post(
        f"/admin/accounts/user/{user.id}/change/",
        {"email": "ada@example.com", "name": "Ada", "timezone": "UTC"},  # is_active unticked
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active is False
    assert BlacklistedToken.objects.filter(token__user=user).count() == 1
    with pytest.raises(TokenError):
        services.token_pair_refresh(refresh=pair.refresh)


@pytest.mark.django_db
def test_deleting_in_the_admin_deletes_through_the_service(admin_client_for_staff: Client) -> None:
    user = UserFactory.create(email="ada@example.com")
    other = UserFactory.create(email="bob@example.com")

    one = admin_client_for_staff.post(f"/admin/accounts/user/{user.id}/delete/", {"post": "yes"})
    assert one.status_code == 302
    bulk = admin_client_for_staff.post(
        "/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [other.id], "post": "yes"}
    )

    assert bulk.status_code == 302
    assert not User.objects.filter(email__in=["ada@example.com", "bob@example.com"]).exists()
