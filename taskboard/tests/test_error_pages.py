"""Errors outside DRF: a bad Host header, unknown pages, crashes in HTML views."""

import json

import pytest
from django.test import Client


def test_disallowed_host_under_api_is_a_400_envelope(client: Client) -> None:
    response = client.get("/api/v1/users/me/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "validation_error", "message": "Bad request."}}


@pytest.mark.django_db
def test_unknown_page_is_the_html_404_page(client: Client) -> None:
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Page not found" in response.content


def test_500_page_renders_without_a_request_context() -> None:
    from django.test import RequestFactory

    from taskboard.views import server_error

    response = server_error(RequestFactory().get("/boards/1/"))

    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_a_crash_outside_a_view_under_api_is_a_500_envelope() -> None:
    from django.test import RequestFactory

    from taskboard.views import server_error

    response = server_error(RequestFactory().get("/api/v1/boards/"))

    assert response.status_code == 500
    assert json.loads(response.content) == {
        "error": {"code": "server_error", "message": "Something went wrong on our side; it has been logged."}
    }


@pytest.mark.parametrize(
    ("path", "content_type"), [("/api/v1/boards/", "application/json"), ("/boards/", "text/html")]
)
def test_a_body_django_finds_too_large_is_a_413(path: str, content_type: str) -> None:
    from django.core.exceptions import RequestDataTooBig
    from django.test import RequestFactory

    from taskboard.views import bad_request

    response = bad_request(RequestFactory().post(path), RequestDataTooBig("too big"))

    assert response.status_code == 413
    assert response["Content-Type"].startswith(content_type)
