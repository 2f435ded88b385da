"""Access-token authentication (accounts/api/authentication.py): the token's user read by
a compiled query, with simplejwt's checks kept."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils.timezone import now
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.selectors import user_get_by_id
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def me(client: Client, token: str) -> Any:
    return client.get("/api/v1/users/me/", headers={"Authorization": f"Bearer {token}"})


def token_with(user: User, **claims: Any) -> str:
    token = AccessToken.for_user(user)
    for name, value in claims.items():
        token[name] = value
    return str(token)


def test_a_valid_token_authenticates_its_user_in_one_query(
    client: Client, django_assert_num_queries: Any
) -> None:
    user = UserFactory.create(name="Ada")
    token = str(AccessToken.for_user(user))

    with django_assert_num_queries(1):
        response = me(client, token)

    assert response.status_code == 200
    assert response.json()["name"] == "Ada"


@pytest.mark.parametrize("used_before", [False, True], ids=["new", "remembered"])
def test_a_token_of_a_user_deactivated_since_it_was_issued_is_refused(
    client: Client, used_before: bool
) -> None:
    """Also when the token was used (and remembered) before: the user checks aren't cached."""
    user = UserFactory.create()
    token = str(AccessToken.for_user(user))
    if used_before:
        assert me(client, token).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = me(client, token)

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "User is inactive"


def test_a_token_of_a_deleted_user_is_refused(client: Client) -> None:
    user = UserFactory.create()
    token = str(AccessToken.for_user(user))
    user.delete()

    response = me(client, token)

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "User not found"


@pytest.mark.parametrize("user_id", ["abc", "-1", "0", "99999999999999999999999", True, None, 3.5, [1]])
def test_a_token_with_a_user_id_that_names_nobody_is_refused(client: Client, user_id: Any) -> None:
    user = UserFactory.create()

    response = me(client, token_with(user, user_id=user_id))

    assert response.status_code == 401


def test_a_token_issued_before_the_password_changed_is_refused(client: Client) -> None:
    user = UserFactory.create()
    token = str(AccessToken.for_user(user))
    user.set_password("another long secret 42")
    user.save()

    response = me(client, token)

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The user's password has been changed."


def test_user_get_by_id_reads_the_same_user_as_the_orm() -> None:
    user = UserFactory.create(name="Grace", timezone="Europe/Paris")

    read = user_get_by_id(user_id=str(user.pk))

    assert read is not None
    expected = User.objects.get(pk=user.pk)
    assert {f.attname: getattr(read, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields
    }
    assert read._state.adding is False
    assert read._state.db == "default"
    assert user_get_by_id(user_id=user.pk + 1000) is None


def test_a_token_is_decoded_once_and_then_recognized_by_its_bytes(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = str(AccessToken.for_user(UserFactory.create()))
    decodes = []
    decode = TokenBackend.decode

    def counting_decode(backend: TokenBackend, raw: Any, verify: bool = True) -> Any:
        decodes.append(raw)
        return decode(backend, raw, verify)

    monkeypatch.setattr(TokenBackend, "decode", counting_decode)

    assert me(client, token).status_code == 200
    assert me(client, token).status_code == 200
    assert len(decodes) == 1


def test_a_remembered_token_is_refused_once_it_expires(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = str(AccessToken.for_user(UserFactory.create()))
    assert me(client, token).status_code == 200

    def a_day_later() -> datetime:
        return now() + timedelta(days=1)

    monkeypatch.setattr("accounts.api.authentication.aware_utcnow", a_day_later)
    monkeypatch.setattr("rest_framework_simplejwt.tokens.aware_utcnow", a_day_later)
    response = me(client, token)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_tampered_token_is_refused_even_when_the_genuine_one_is_remembered(client: Client) -> None:
    genuine = token_with(UserFactory.create())
    assert me(client, genuine).status_code == 200
    other = UserFactory.create()
    header, _payload, signature = genuine.split(".")
    forged_payload = token_with(other).split(".")[1]

    response = me(client, f"{header}.{forged_payload}.{signature}")

    assert response.status_code == 401
