"""Every status >= 400 under /api/ answers in the docs/api.md envelope."""

import pytest
from django.test import Client
from django.urls import include, path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from taskboard.errors import ConflictError, PreconditionFailedError


class _EchoSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=5)
    count = serializers.IntegerField()


class _EchoView(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        serializer = _EchoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class _DomainErrorView(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        kind = request.data.get("kind")
        if kind == "conflict":
            raise ConflictError("The list is full.")
        if kind == "precondition":
            raise PreconditionFailedError()
        from django.core.exceptions import ValidationError

        raise ValidationError({"title": ["Too short."]})


class _CrashView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("boom")


class _SuspiciousView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        from django.core.exceptions import SuspiciousOperation

        raise SuspiciousOperation("A header we don't believe.")


def _plain_view(request):
    """A Django view under /api/ that is not DRF's (not exempt from Django's CSRF check)."""
    from django.http import JsonResponse

    return JsonResponse({"ok": True})


class _PrivateView(APIView):
    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("api/v1/test/echo/", _EchoView.as_view()),
    path("api/v1/test/domain/", _DomainErrorView.as_view()),
    path("api/v1/test/crash/", _CrashView.as_view()),
    path("api/v1/test/private/", _PrivateView.as_view()),
    path("api/v1/test/suspicious/", _SuspiciousView.as_view()),
    path("api/v1/test/plain/", _plain_view),
    path("", include("taskboard.urls")),
]

# The project's error handlers, as in taskboard.urls.
handler400 = "taskboard.views.bad_request"
handler403 = "taskboard.views.permission_denied"
handler404 = "taskboard.views.page_not_found"
handler500 = "taskboard.views.server_error"

pytestmark = pytest.mark.urls(__name__)


def test_unknown_api_path_is_a_404_envelope(client: Client) -> None:
    response = client.get("/api/v1/no/such/thing/")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "No such endpoint."}}


def test_unknown_path_outside_api_version_is_a_404_envelope(client: Client) -> None:
    response = client.post("/api/v2/boards/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_validation_error_lists_fields(client: Client) -> None:
    response = client.post(
        "/api/v1/test/echo/", {"title": "too long", "count": "many"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "Invalid input: title, count.",
            "fields": {
                "title": ["Ensure this field has no more than 5 characters."],
                "count": ["A valid integer is required."],
            },
        }
    }


def test_malformed_json_is_a_validation_error(client: Client) -> None:
    response = client.post("/api/v1/test/echo/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_method_not_allowed(client: Client) -> None:
    response = client.delete("/api/v1/test/echo/")

    assert response.status_code == 405
    assert response.json() == {
        "error": {"code": "method_not_allowed", "message": 'Method "DELETE" not allowed.'}
    }


def test_not_authenticated(client: Client) -> None:
    response = client.get("/api/v1/test/private/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_bearer_token_is_authentication_failed(client: Client) -> None:
    response = client.get("/api/v1/test/private/", HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.parametrize(
    ("kind", "status", "code", "message"),
    [
        ("conflict", 409, "conflict", "The list is full."),
        ("precondition", 412, "precondition_failed", "The resource has changed since you read it."),
    ],
)
def test_domain_errors_map_to_statuses(
    client: Client, kind: str, status: int, code: str, message: str
) -> None:
    response = client.post("/api/v1/test/domain/", {"kind": kind}, content_type="application/json")

    assert response.status_code == status
    assert response.json() == {"error": {"code": code, "message": message}}


def test_django_validation_error_from_a_service_is_a_400(client: Client) -> None:
    response = client.post("/api/v1/test/domain/", {"kind": "other"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"title": ["Too short."]}


def test_crash_is_a_500_envelope_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/test/crash/")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "boom" not in response.content.decode()
    assert any("Unhandled error on GET /api/v1/test/crash/" in r.getMessage() for r in caplog.records)


def test_a_suspicious_operation_in_a_view_is_a_400_envelope() -> None:
    response = Client(raise_request_exception=False).get("/api/v1/test/suspicious/")

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "validation_error", "message": "Bad request."}}


def test_errors_of_a_view_that_renders_yaml_are_json() -> None:
    response = Client().post("/api/v1/schema/")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {"code": "method_not_allowed", "message": 'Method "POST" not allowed.'}
    }


def test_errors_of_a_view_that_renders_html_are_json() -> None:
    response = Client().delete("/api/v1/docs/")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


# CSRF: a session cookie without the token


@pytest.fixture
def session_client(django_user_model) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_user("csrf@example.com", "not-used-1234"))
    return client


@pytest.mark.django_db
def test_a_write_without_the_csrf_token_is_a_403_envelope(session_client: Client) -> None:
    response = session_client.post("/api/v1/boards/", {"title": "x"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "permission_denied", "message": "CSRF Failed: CSRF cookie not set."}
    }


@pytest.mark.django_db
def test_an_unknown_path_is_a_404_envelope_without_the_csrf_token_too(session_client: Client) -> None:
    # The board's path without its slash: an unknown path.
    response = session_client.patch("/api/v1/boards/1", {"title": "x"}, content_type="application/json")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "No such endpoint."}}


@pytest.mark.django_db
def test_django_s_csrf_refusal_under_api_is_the_envelope(session_client: Client) -> None:
    response = session_client.post("/api/v1/test/plain/", {}, content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "permission_denied", "message": "CSRF Failed: CSRF cookie not set."}
    }


@pytest.mark.django_db
def test_django_s_csrf_refusal_of_a_page_is_our_403_page(session_client: Client) -> None:
    response = session_client.post("/boards/", {"title": "x"})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert b"This form has expired" in response.content
