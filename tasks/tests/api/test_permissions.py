"""Every task and comment endpoint for every kind of caller."""

import pytest

from tests.api.matrix import CALLERS, ROLES, Endpoint, check, endpoint

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
    endpoint("GET", "tasks/{w.task.pk}/comments/", minimum="viewer"),
    endpoint(
        "POST", "tasks/{w.task.pk}/comments/", minimum="member", success=201, body=lambda w: {"body": "Hi"}
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
]


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_permission_matrix(endpoint: Endpoint, caller: str) -> None:
    check(endpoint, caller)


def test_the_matrix_covers_every_role() -> None:
    assert ["anonymous", "outsider", *ROLES] == CALLERS
