"""Every response carries the strict Content-Security-Policy and the Permissions-Policy
(docs/security.md "Content-Security-Policy"): pages, API answers, error pages, static files."""

import pytest
from csp.decorators import csp_update
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

from tests.policies import PERMISSIONS_POLICY, directives, strict_policy


def _crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


@csp_update({"img-src": "https://images.example.com"})
def _with_an_image_host(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>images from elsewhere</p>")


urlpatterns = [
    path("test/crash/", _crash),
    path("test/images/", _with_an_image_host),
    path("", include("taskboard.urls")),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("what", "url", "status"),
    [
        ("a page", "/accounts/login/", 200),
        ("an API answer", "/api/v1/users/me/", 401),
        ("the API's 404", "/api/v1/no/such/thing/", 404),
        ("the 404 page", "/no/such/page/", 404),
        ("the 500 page", "/test/crash/", 500),
        ("Swagger UI", "/api/v1/docs/", 200),
        ("a static file", "/static/css/app.css", 200),
    ],
)
def test_every_response_carries_the_strict_policy(what: str, url: str, status: int) -> None:
    client = Client(raise_request_exception=False)

    response = client.get(url)

    assert response.status_code == status, what
    assert directives(response["Content-Security-Policy"]) == strict_policy("ws://testserver"), what
    assert "unsafe" not in response["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in response
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY, what


@pytest.mark.django_db
def test_over_https_the_socket_origin_is_wss(client: Client) -> None:
    response = client.get("/accounts/login/", secure=True)

    assert directives(response["Content-Security-Policy"]) == strict_policy("wss://testserver")


@pytest.mark.django_db
def test_the_socket_origin_keeps_the_port_the_page_was_served_on(client: Client) -> None:
    response = client.get("/accounts/login/", HTTP_HOST="localhost:8000")

    assert directives(response["Content-Security-Policy"]) == strict_policy("ws://localhost:8000")


def test_a_host_outside_allowed_hosts_gets_the_policy_without_a_socket_origin(client: Client) -> None:
    response = client.get("/accounts/login/", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert directives(response["Content-Security-Policy"]) == strict_policy(None)
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


@pytest.mark.django_db
def test_the_csrf_failure_page_carries_the_strict_policy() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "a@example.com", "password": "x"})

    assert response.status_code == 403
    assert directives(response["Content-Security-Policy"]) == strict_policy("ws://testserver")
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_a_view_that_adds_a_source_keeps_the_rest_of_the_policy(client: Client) -> None:
    response = client.get("/test/images/")

    expected = strict_policy("ws://testserver")
    expected["img-src"].append("https://images.example.com")
    assert directives(response["Content-Security-Policy"]) == expected
