"""Calling the API in tests as a given user, the way clients do: a Bearer access token."""

from typing import Any

from django.test import Client
from django.test.client import RequestFactory
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User

BASE = "/api/v1/"


def access_token(user: User) -> str:
    # Made without the database (only refresh tokens are recorded), so query counts
    # measure the request alone.
    return str(AccessToken.for_user(user))


class Api:
    """`Api(user)` calls as that user; `Api(None)` anonymously. Paths are relative to /api/v1/."""

    def __init__(self, user: User | None, client: Client | None = None) -> None:
        self.user = user
        self.client = client or Client()
        self.headers = {"Authorization": f"Bearer {access_token(user)}"} if user is not None else {}

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        """`headers` by their HTTP names ({"If-Match": '"3"'})."""
        kwargs: dict[str, Any] = {"headers": {**self.headers, **(headers or {})}}
        if body is not None:
            kwargs["data"] = body
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method.lower())(BASE + path, **kwargs)

    def get(
        self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        query = RequestFactory().get("/", params or {}).META["QUERY_STRING"]
        return self.request("GET", f"{path}?{query}" if query else path, headers=headers)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.request("POST", path, {} if body is None else body, headers)

    def patch(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.request("PATCH", path, {} if body is None else body, headers)

    def delete(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self.request("DELETE", path, headers=headers)


def error_of(response: Any) -> dict[str, Any]:
    """The `error` object of an envelope answer."""
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]
