"""An API path that matches no route (`/api/v1/boards/abc/`) is a 404 in the envelope,
whatever the method: found by schemathesis, whose ids that are not numbers got Django's HTML
CSRF page (403) on POST, PATCH and DELETE."""

import pytest
from django.test import Client

from tests.api.http import error_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/boards/abc/", "/api/v1/tasks/-1/move/", "/api/v1/nothing/"])
def test_an_unknown_api_path_is_a_404_in_the_envelope_for_every_method(method: str, path: str) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.generic(method.upper(), path, data="{}", content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response) == {"code": "not_found", "message": "No such endpoint."}
