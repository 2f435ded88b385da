"""The account pages: forms render with CSRF, errors sit next to their field, invalid input
changes nothing, and they use the same services as the API."""

import re
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD, UserFactory

NEW_PASSWORD = "a brand new secret 42"
PAGES = {
    "/accounts/login/": ["email", "password"],
    "/accounts/register/": ["name", "email", "password1", "password2"],
    "/accounts/password-reset/": ["email"],
}


def field_errors(html: str, field: str) -> list[str]:
    """The messages in the error list right after the field's input."""
    match = re.search(
        rf'<input[^>]*name="{field}"[^>]*>\s*<ul class="errorlist" id="id_{field}_error">(.*?)</ul>',
        html,
        re.S,
    )
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def form_errors(html: str) -> list[str]:
    match = re.search(r'<ul class="errorlist nonfield"[^>]*>(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "fields"), PAGES.items())
def test_each_form_renders_with_its_fields_and_a_csrf_token(
    client: Client, path: str, fields: list[str]
) -> None:
    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    for field in fields:
        assert re.search(rf'<label for="id_{field}">', html), field
        assert re.search(rf'<input[^>]*name="{field}"', html), field


@pytest.mark.django_db
@pytest.mark.parametrize("path", [*PAGES, "/accounts/password-reset/sent/", "/accounts/reset/done/"])
def test_pages_have_no_inline_script_or_style_and_no_third_party_urls(client: Client, path: str) -> None:
    html = client.get(path).content.decode()

    assert not re.search(r"<script(?![^>]*\ssrc=)", html)
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"""(src|href|action)=["']?(https?:)?//""", html)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_forms_refuse_a_post_without_the_csrf_token(path: str) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(path, {"email": "ada@example.com"})

    assert response.status_code == 403


# --- login and logout -----------------------------------------------------------------


@pytest.mark.django_db
def test_login_signs_in_and_goes_to_next(client: Client) -> None:
    user = UserFactory.create(email="ada@example.com")

    response = client.post(
        "/accounts/login/", {"email": "ADA@example.com", "password": KNOWN_PASSWORD, "next": "/?board=1"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/?board=1"
    assert client.session["_auth_user_id"] == str(user.id)


@pytest.mark.django_db
def test_login_with_a_wrong_password_shows_an_error_and_signs_nobody_in(client: Client) -> None:
    UserFactory.create(email="ada@example.com")

    response = client.post("/accounts/login/", {"email": "ada@example.com", "password": "wrong password!"})

    assert response.status_code == 200
    html = response.content.decode()
    assert form_errors(html) == ["That email and password don&#x27;t match an active account."]
    assert 'value="ada@example.com"' in html
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_with_a_missing_field_shows_the_error_next_to_it(client: Client) -> None:
    response = client.post("/accounts/login/", {"email": "ada@example.com", "password": ""})

    assert response.status_code == 200
    assert field_errors(response.content.decode(), "password") == ["This field is required."]


@pytest.mark.django_db
def test_logout_is_a_post_that_ends_the_session(client: Client) -> None:
    client.force_login(UserFactory.create())

    refused = client.get("/accounts/logout/")
    response = client.post("/accounts/logout/")

    assert refused.status_code == 405
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_home_page_sends_strangers_to_log_in(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


# --- register -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_register_signs_in_and_sends_the_welcome_mail(
    client: Client, celery_worker: Any, mailbox: Any
) -> None:
    response = client.post(
        "/accounts/register/",
        {"name": "Ada", "email": "Ada@Example.com", "password1": KNOWN_PASSWORD, "password2": KNOWN_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get()
    assert (user.email, user.name) == ("ada@example.com", "Ada")
    assert client.session["_auth_user_id"] == str(user.id)
    assert "Welcome, Ada" in client.get("/").content.decode()
    [message] = mailbox.wait_for(count=1)
    assert (message["To"], message["Subject"]) == ("ada@example.com", "Welcome to Taskboard")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "errors"),
    [
        (
            {"password1": KNOWN_PASSWORD, "password2": "something else 1"},
            "password2",
            ["The two passwords don&#x27;t match."],
        ),
        (
            {"password1": "12345678", "password2": "12345678"},
            "password1",
            ["This password is too common.", "This password is entirely numeric."],
        ),
        ({"email": "not-an-email"}, "email", ["Enter a valid email address."]),
        ({"email": "TAKEN@example.com"}, "email", ["An account with this email address already exists."]),
        ({"name": ""}, "name", ["This field is required."]),
    ],
)
def test_register_shows_errors_next_to_the_field_and_creates_nothing(
    client: Client, data: dict[str, str], field: str, errors: list[str]
) -> None:
    UserFactory.create(email="taken@example.com")
    form = {
        "name": "Ada",
        "email": "ada@example.com",
        "password1": KNOWN_PASSWORD,
        "password2": KNOWN_PASSWORD,
    }

    response = client.post("/accounts/register/", form | data)

    assert response.status_code == 200
    assert field_errors(response.content.decode(), field) == errors
    assert list(User.objects.values_list("email", flat=True)) == ["taken@example.com"]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_register_page_sends_signed_in_people_home(client: Client) -> None:
    client.force_login(UserFactory.create())

    response = client.get("/accounts/register/")

    assert response.status_code == 302
    assert response["Location"] == "/"


# --- password reset -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_password_reset_through_the_pages(client: Client, celery_worker: Any, mailbox: Any) -> None:
    user = UserFactory.create(email="ada@example.com")

    unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})
    asked = client.post("/accounts/password-reset/", {"email": "ada@example.com"})

    assert unknown.status_code == asked.status_code == 302
    assert unknown["Location"] == asked["Location"] == "/accounts/password-reset/sent/"
    assert "Check your email" in client.get(asked["Location"]).content.decode()
    [message] = mailbox.wait_for(count=1)
    assert message["To"] == "ada@example.com"
    link = re.search(r"http://\S+(/accounts/reset/\S+/)", mailbox.body(message))
    assert link is not None
    # The link moves the token into the session and out of the address bar.
    opened = client.get(link.group(1))
    assert opened.status_code == 302
    form_url = opened["Location"]
    assert form_url.endswith("/set-password/")
    assert "Choose a new password" in client.get(form_url).content.decode()

    mismatch = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": "other one 1"})
    weak = client.post(form_url, {"new_password1": "abcdefgh", "new_password2": "abcdefgh"})
    user.refresh_from_db()
    assert user.check_password(KNOWN_PASSWORD)
    assert field_errors(mismatch.content.decode(), "new_password2") == ["The two passwords don&#x27;t match."]
    assert field_errors(weak.content.decode(), "new_password1") == ["This password is too common."]

    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done["Location"] == "/accounts/reset/done/"
    assert "Your password has been changed" in client.get(done["Location"]).content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    login = client.post("/accounts/login/", {"email": "ada@example.com", "password": NEW_PASSWORD})
    assert login.status_code == 302
    # The link worked once.
    client.post("/accounts/logout/")
    reopened = client.get(link.group(1))
    assert reopened.status_code == 200
    assert "This link doesn" in reopened.content.decode()
    assert len(mailbox.messages) == 1


@pytest.mark.django_db
def test_password_reset_request_with_a_bad_email_shows_the_error(client: Client) -> None:
    response = client.post("/accounts/password-reset/", {"email": "nope"})

    assert response.status_code == 200
    assert field_errors(response.content.decode(), "email") == ["Enter a valid email address."]
