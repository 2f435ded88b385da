"""taskboard/api/negotiation.py: the shortcut answers exactly what DRF's negotiation would."""

from typing import Any

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from taskboard.api.negotiation import ContentNegotiation

CASES = [
    ("", ""),
    ("*/*", ""),
    ("application/json", ""),
    (" application/json ", ""),
    ("text/html", ""),
    ("application/json; indent=4", ""),
    ("text/html, application/json;q=0.9", ""),
    ("application/xml", ""),
    ("*/*", "format=json"),
    ("*/*", "format=xml"),
    ("", "page=2"),
]


def request_with(accept: str, query: str) -> Request:
    factory = APIRequestFactory()
    path = f"/api/v1/boards/?{query}"
    return Request(factory.get(path, HTTP_ACCEPT=accept) if accept else factory.get(path))


def outcome(negotiation: Any, request: Request, renderers: list[Any]) -> Any:
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers)
    except Exception as exc:
        return type(exc)
    return type(renderer), media_type


@pytest.mark.parametrize(("accept", "query"), CASES)
@pytest.mark.parametrize("renderer_classes", [[JSONRenderer], [JSONRenderer, BrowsableAPIRenderer]])
def test_the_answer_is_drfs_answer(accept: str, query: str, renderer_classes: list[type]) -> None:
    renderers = [cls() for cls in renderer_classes]

    ours = outcome(ContentNegotiation(), request_with(accept, query), renderers)
    drfs = outcome(DefaultContentNegotiation(), request_with(accept, query), renderers)

    assert ours == drfs


@pytest.mark.parametrize("accept", ["", "*/*", "application/json"])
def test_plain_requests_skip_the_negotiation(accept: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def negotiating(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("negotiated")

    monkeypatch.setattr(DefaultContentNegotiation, "select_renderer", negotiating)

    renderer, media_type = ContentNegotiation().select_renderer(request_with(accept, ""), [JSONRenderer()])

    assert (type(renderer), media_type) == (JSONRenderer, "application/json")


@pytest.mark.django_db
def test_the_api_refuses_what_it_cannot_render_with_406(client: Any) -> None:
    response = client.get("/api/v1/users/me/", headers={"Accept": "application/xml"})

    assert response.status_code == 406
    # docs/api.md's closed list of codes has no "not_acceptable": a 406 is the client's error.
    assert response.json()["error"]["code"] == "validation_error"
