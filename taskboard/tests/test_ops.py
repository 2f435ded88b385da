import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext


@pytest.mark.django_db
def test_healthz_answers_ok_without_touching_the_database(client: Client) -> None:
    with CaptureQueriesContext(connections["default"]) as queries:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(queries) == 0


def test_healthz_refuses_writes(client: Client) -> None:
    response = client.post("/healthz")

    assert response.status_code == 405
