"""LazyMessageMiddleware: messages work as before on pages; requests that never use them
don't pay for the storage."""

from typing import Any

import pytest
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from taskboard.lazy_messages import LazyMessageMiddleware


def middleware_around(view: Any) -> Any:
    return LazyMessageMiddleware(view)


def with_session(request: HttpRequest) -> HttpRequest:
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    request.session = SessionStore()
    return request


def test_a_request_that_never_touches_messages_builds_no_storage(monkeypatch: Any) -> None:
    built: list[HttpRequest] = []

    def counting_storage(request: HttpRequest) -> Any:
        built.append(request)
        raise AssertionError("built")

    monkeypatch.setattr("taskboard.lazy_messages.default_storage", counting_storage)
    response = middleware_around(lambda request: HttpResponse("ok"))(with_session(RequestFactory().get("/")))

    assert response.status_code == 200
    assert built == []
    assert "messages" not in response.cookies


def test_a_message_added_by_a_view_is_stored_and_shown_on_the_next_request() -> None:
    def adding(request: HttpRequest) -> HttpResponse:
        messages.success(request, "The card was saved.")
        return HttpResponse("ok")

    first = middleware_around(adding)(with_session(RequestFactory().get("/")))
    assert "messages" in first.cookies

    shown: list[str] = []

    def showing(request: HttpRequest) -> HttpResponse:
        shown.extend(str(message) for message in messages.get_messages(request))
        return HttpResponse("ok")

    request = with_session(
        RequestFactory().get("/", HTTP_COOKIE=f"messages={first.cookies['messages'].value}")
    )
    second = middleware_around(showing)(request)

    assert shown == ["The card was saved."]
    # Shown once: the cookie is cleared.
    assert second.cookies["messages"].value == ""


@pytest.mark.django_db
def test_the_pages_still_show_messages(client: Any) -> None:
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory.create(name="Ada"))
    response = client.post(
        "/accounts/profile/",
        {"name": "Ada Lovelace", "timezone": "UTC", "email_notifications": "on"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Your profile was saved." in response.content.decode()
    # Shown once.
    assert "Your profile was saved." not in client.get("/accounts/profile/").content.decode()
