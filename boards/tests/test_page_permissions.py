"""The permission matrix of the pages' writes: every page POST endpoint, sent an invalid
form by a caller whose role doesn't allow it, is refused (404 for a non-member, 403 for a
viewer) before the form is looked at, renders nothing of the page it would re-render, and
changes nothing. With a valid form the matrix is the same; the invalid one is what used
to slip through (a viewer got the settings page back, with its edit, archive and delete
forms, from an invalid label form)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.api.matrix import World, everything, make_world, viewers_may_comment

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class PagePost:
    path: str
    # An invalid form for it (empty where the endpoint takes no form).
    form: Callable[[World], dict[str, str]]
    # Drag and drop, answered in JSON for our script.
    json: bool = False

    def __str__(self) -> str:
        return self.path


def post(path: str, json: bool = False, **fields: str) -> PagePost:
    """`fields` and `path` are formatted with the World (`{w.label.pk}`)."""
    return PagePost(
        path,
        lambda w: {name.format(w=w): value for name, value in _form_names(fields).items()},
        json,
    )


def _form_names(fields: dict[str, str]) -> dict[str, str]:
    # Prefixed form fields ("label-3-name") can't be keyword names: "__" stands for "-".
    return {name.replace("__", "-"): value for name, value in fields.items()}


# Every page POST that needs more than the viewer role, with an invalid form.
PAGE_POSTS = [
    post("/boards/{w.board_id}/lists/", new__list__title=""),
    PagePost("/lists/{w.board_list.pk}/edit/", lambda w: {f"list-{w.board_list.pk}-title": ""}),
    post("/lists/{w.board_list.pk}/delete/"),
    post("/lists/{w.board_list.pk}/move/", json=True, index="x"),
    post("/lists/{w.board_list.pk}/move-to/", position="x"),
    post("/boards/{w.board_id}/members/", email="not an address", role="king"),
    post("/boards/{w.board_id}/members/{w.target.pk}/role/", role="king"),
    post("/boards/{w.board_id}/members/{w.target.pk}/remove/"),
    post("/boards/{w.board_id}/invitations/{w.invitation.pk}/revoke/"),
    post("/boards/{w.board_id}/settings/", title=""),
    post("/boards/{w.board_id}/archive/", archived="maybe"),
    post("/boards/{w.board_id}/transfer/", transfer__user_id="x"),
    post("/boards/{w.board_id}/delete/", confirm_title="not the title"),
    post("/boards/{w.board_id}/labels/", new__label__name="", new__label__color="red"),
    PagePost("/labels/{w.label.pk}/edit/", lambda w: {f"label-{w.label.pk}-name": ""}),
    post("/labels/{w.label.pk}/delete/"),
    post("/boards/{w.board_id}/tasks/new/", list_id="x", title=""),
    post("/tasks/{w.task.pk}/", title="", version="x"),
    post("/tasks/{w.task.pk}/complete/", completed="1"),
    post("/tasks/{w.task.pk}/move/", list_id="x"),
    post("/tasks/{w.task.pk}/drop/", json=True, list_id="x"),
    post("/tasks/{w.task.pk}/delete/"),
    post("/tasks/{w.task.pk}/comments/", body=""),
    PagePost("/comments/{w.member_comment.pk}/edit/", lambda w: {f"comment-{w.member_comment.pk}-body": ""}),
    post("/comments/{w.member_comment.pk}/delete/"),
]

MESSAGE = "Your role on this board does not allow this."


def caller_client(world: World, caller: str) -> Client:
    client = Client()
    client.force_login(world.roles.user(caller))
    return client


def assert_nothing_of_the_page(response: Any, form: dict[str, str]) -> None:
    html = response.content.decode()
    assert 'class="errorlist"' not in html
    for name in form:
        assert f'name="{name}"' not in html, name
    # The controls of the settings page (what the label form used to bring back).
    assert "/archive/" not in html
    assert "/delete/" not in html


@pytest.mark.parametrize(("caller", "status"), [("outsider", 404), ("viewer", 403)])
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("endpoint", PAGE_POSTS, ids=str)
def test_an_invalid_form_from_a_caller_who_may_not_is_refused_first(
    endpoint: PagePost, htmx: bool, caller: str, status: int
) -> None:
    world = make_world()
    client = caller_client(world, caller)
    before = everything(world)
    form = endpoint.form(world)
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.post(endpoint.path.format(w=world), form, headers=headers)

    assert response.status_code == status, response.content[:300]
    if endpoint.json:
        expected = MESSAGE if status == 403 else response.json()["error"]["message"]
        assert response.json() == {"error": {"message": expected}}
    else:
        assert_nothing_of_the_page(response, form)
    assert everything(world) == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_viewer_whom_the_board_lets_comment_gets_the_form_errors_not_the_refusal(htmx: bool) -> None:
    world = make_world()
    viewers_may_comment(world)
    client = caller_client(world, "viewer")
    before = everything(world)
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.post(f"/tasks/{world.task.pk}/comments/", {"body": ""}, headers=headers)

    assert response.status_code == 200, response.content[:300]
    assert 'class="errorlist"' in response.content.decode()
    assert everything(world) == before


# Page routes that are not in the matrix above, and why. A new page route must be added to
# one or the other. (The accounts pages are the caller's own; the admin is for staff.)
NOT_ROLE_GATED = {
    "": "the dashboard: reads the caller's own things",
    "boards/": "any signed-in user may create a board",
    "boards/<int:board_id>/": "a read (viewers see the board)",
    "boards/<int:board_id>/lists/<int:list_id>/cards/": "a read",
    "boards/<int:board_id>/cards/<int:task_id>/": "a read (live fragment)",
    "boards/<int:board_id>/lists/<int:list_id>/": "a read (live fragment)",
    "boards/<int:board_id>/counts/": "a read (live fragment)",
    "boards/<int:board_id>/activity/": "a read",
    "invitations/<str:token>/": "the invitee accepts by token, a member of nothing yet",
    "tasks/preview/": "renders the caller's own text, no board",
    "notifications/": "the caller's own notifications",
    "notifications/read/": "the caller's own notifications",
    "notifications/<int:notification_id>/open/": "the caller's own notification, by a link signed for them",
    "tasks/<int:task_id>/watch/": "any member may watch, viewers too (tasks/tests/test_watches.py)",
}
# Operations, not pages: /metrics has its own matrix (taskboard/tests/test_metrics_access.py).
NOT_PAGES = ("api/", "^api/", "admin/", "accounts/", "healthz", "readyz", "metrics")


def page_routes() -> set[str]:

    def walk(patterns: list[Any], prefix: str) -> set[str]:
        found = set()
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                found |= walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found.add(route)
        return found

    return {route for route in walk(get_resolver().url_patterns, "") if not route.startswith(NOT_PAGES)}


def test_every_page_route_is_in_the_matrix_or_says_why_not() -> None:
    world = make_world()
    in_matrix = {resolve(endpoint.path.format(w=world)).route for endpoint in PAGE_POSTS}

    assert page_routes() - in_matrix == set(NOT_ROLE_GATED)
    assert in_matrix.isdisjoint(NOT_ROLE_GATED)
