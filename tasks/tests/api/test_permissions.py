"""Every task and comment endpoint for every kind of caller."""

import pytest

from tests.api.http import Api
from tests.api.matrix import (
    CALLERS,
    ROLES,
    Endpoint,
    check,
    endpoint,
    everything,
    make_world,
    viewers_may_comment,
)

ENDPOINTS = [
    endpoint("GET", "boards/{w.board_id}/tasks/", minimum="viewer"),
    endpoint(
        "POST",
        "boards/{w.board_id}/tasks/",
        minimum="member",
        success=201,
        body=lambda w: {"list_id": w.board_list.pk, "title": "New"},
    ),
    # Anybody may list their own tasks; an outsider sees none of this board's (asserted below).
    endpoint("GET", "tasks/", minimum="outsider"),
    endpoint("GET", "tasks/{w.task.pk}/", minimum="viewer"),
    endpoint("PATCH", "tasks/{w.task.pk}/", minimum="member", body=lambda w: {"title": "Renamed"}),
    endpoint("DELETE", "tasks/{w.task.pk}/", minimum="member", success=204),
    endpoint(
        "POST",
        "tasks/{w.task.pk}/move/",
        minimum="member",
        body=lambda w: {"list_id": w.other_list.pk, "index": 0},
    ),
    # Watching is per user and changes nothing on the board: viewers may. (added: issue 13)
    endpoint("GET", "tasks/{w.task.pk}/watch/", minimum="viewer"),
    endpoint("PUT", "tasks/{w.task.pk}/watch/", minimum="viewer", success=204),
    endpoint("DELETE", "tasks/{w.task.pk}/watch/", minimum="viewer", success=204),
    endpoint("GET", "tasks/{w.task.pk}/comments/", minimum="viewer"),
    # Viewers comment only where the board lets them (viewers_can_comment, off by default).
    endpoint(
        "POST",
        "tasks/{w.task.pk}/comments/",
        minimum="member",
        success=201,
        body=lambda w: {"body": "Hi"},
        case="viewers may not comment",
    ),
    endpoint(
        "POST",
        "tasks/{w.task.pk}/comments/",
        minimum="viewer",
        success=201,
        body=lambda w: {"body": "Hi"},
        prepare=viewers_may_comment,
        case="viewers may comment",
    ),
    # The member wrote this one: its author may change it, and admins.
    endpoint(
        "PATCH",
        "comments/{w.member_comment.pk}/",
        allowed={"member", "admin", "owner"},
        body=lambda w: {"body": "Edited"},
    ),
    endpoint("DELETE", "comments/{w.member_comment.pk}/", allowed={"member", "admin", "owner"}, success=204),
    # An admin wrote this one: a member may not touch it.
    endpoint(
        "PATCH",
        "comments/{w.admin_comment.pk}/",
        allowed={"admin", "owner"},
        body=lambda w: {"body": "Edited"},
    ),
    endpoint("DELETE", "comments/{w.admin_comment.pk}/", allowed={"admin", "owner"}, success=204),
    # Viewers who may comment still touch nobody else's comments.
    endpoint(
        "PATCH",
        "comments/{w.member_comment.pk}/",
        allowed={"member", "admin", "owner"},
        body=lambda w: {"body": "Edited"},
        prepare=viewers_may_comment,
        case="viewers may comment",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_permission_matrix(endpoint: Endpoint, caller: str) -> None:
    check(endpoint, caller)


def test_the_matrix_covers_every_role() -> None:
    assert ["anonymous", "outsider", *ROLES] == CALLERS


# The writes to a task and its comments authorize in the service, as it locks the board;
# the view validates first and authorizes only when it refuses the body
# (validated_for_write()). The order of the answers stays: 404 for a non-member, 403 for a
# viewer, then 400 / 415.
REFUSED_BODIES = {
    "invalid": ({"list_id": "x", "body": 1}, "application/json", 400),
    "not parseable": ('{"list_id": ', "application/json", 400),
    "not JSON": ("list_id=1", "application/x-www-form-urlencoded", 415),
}
WRITES_WITH_A_BODY = [
    ("post", "boards/{w.board_id}/tasks/"),
    ("post", "tasks/{w.task.pk}/move/"),
    ("patch", "tasks/{w.task.pk}/"),
    ("post", "tasks/{w.task.pk}/comments/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ["outsider", "viewer", "member"])
@pytest.mark.parametrize("body", REFUSED_BODIES, ids=str)
@pytest.mark.parametrize(("method", "path"), WRITES_WITH_A_BODY, ids=str)
def test_a_refused_body_is_answered_after_the_callers_role(
    caller: str, body: str, method: str, path: str
) -> None:
    world = make_world()
    api = Api(world.caller(caller))
    before = everything(world)
    content, content_type, status = REFUSED_BODIES[body]

    response = getattr(api.client, method)(
        "/api/v1/" + path.format(w=world), content, content_type=content_type, headers=api.headers
    )

    expected = {"outsider": 404, "viewer": 403}.get(caller, status)
    assert response.status_code == expected, response.content[:300]
    assert everything(world) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "boards/{id}/tasks/"),
        ("post", "tasks/{id}/move/"),
        ("patch", "tasks/{id}/"),
        ("delete", "tasks/{id}/"),
        ("post", "tasks/{id}/comments/"),
    ],
    ids=str,
)
@pytest.mark.parametrize("missing", [0, 999_999_999, 2**63, 10**30])
def test_a_write_to_a_board_or_task_that_does_not_exist_is_a_404(
    method: str, path: str, missing: int
) -> None:
    world = make_world()
    before = everything(world)
    api = Api(world.roles.member)
    body = {"list_id": world.board_list.pk, "title": "New", "index": 0, "body": "Hi"}

    response = (
        api.delete(path.format(id=missing))
        if method == "delete"
        else getattr(api, method)(path.format(id=missing), body)
    )

    assert response.status_code == 404, response.content[:300]
    assert everything(world) == before
