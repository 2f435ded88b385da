"""Every board, member, invitation, list and label endpoint for every kind of caller."""

import pytest

from tests.api.matrix import CALLERS, Endpoint, check, endpoint

ENDPOINTS = [
    endpoint("GET", "boards/", minimum="outsider"),
    endpoint("POST", "boards/", minimum="outsider", success=201, body=lambda w: {"title": "New"}),
    endpoint("GET", "boards/{w.board_id}/", minimum="viewer"),
    endpoint("PATCH", "boards/{w.board_id}/", minimum="admin", body=lambda w: {"title": "Renamed"}),
    endpoint("DELETE", "boards/{w.board_id}/", minimum="owner", success=204),
    endpoint(
        "POST", "boards/{w.board_id}/transfer/", minimum="owner", body=lambda w: {"user_id": w.roles.admin.pk}
    ),
    endpoint("GET", "boards/{w.board_id}/stats/", minimum="viewer"),
    endpoint("GET", "boards/{w.board_id}/members/", minimum="viewer"),
    endpoint(
        "POST",
        "boards/{w.board_id}/members/",
        minimum="admin",
        success=201,
        body=lambda w: {"email": w.newcomer.email, "role": "viewer"},
    ),
    endpoint(
        "POST",
        "boards/{w.board_id}/members/",
        minimum="admin",
        success=202,
        body=lambda w: {"email": "nobody-yet@example.com", "role": "member"},
    ),
    endpoint(
        "PATCH",
        "boards/{w.board_id}/members/{w.target.pk}/",
        minimum="admin",
        body=lambda w: {"role": "viewer"},
    ),
    endpoint("DELETE", "boards/{w.board_id}/members/{w.target.pk}/", minimum="admin", success=204),
    endpoint("GET", "boards/{w.board_id}/invitations/", minimum="admin"),
    endpoint("DELETE", "boards/{w.board_id}/invitations/{w.invitation.pk}/", minimum="admin", success=204),
    endpoint("POST", "invitations/{w.invitation_token}/accept/", minimum="outsider"),
    endpoint(
        "POST", "boards/{w.board_id}/lists/", minimum="member", success=201, body=lambda w: {"title": "L"}
    ),
    endpoint("PATCH", "lists/{w.board_list.pk}/", minimum="member", body=lambda w: {"title": "Renamed"}),
    endpoint("POST", "lists/{w.board_list.pk}/move/", minimum="member", body=lambda w: {"index": 5}),
    endpoint("DELETE", "lists/{w.board_list.pk}/", minimum="member", success=204),
    endpoint("GET", "boards/{w.board_id}/labels/", minimum="viewer"),
    endpoint(
        "POST",
        "boards/{w.board_id}/labels/",
        minimum="admin",
        success=201,
        body=lambda w: {"name": "ui", "color": "#00ff00"},
    ),
    endpoint("PATCH", "labels/{w.label.pk}/", minimum="admin", body=lambda w: {"color": "#000000"}),
    endpoint("DELETE", "labels/{w.label.pk}/", minimum="admin", success=204),
]


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_permission_matrix(endpoint: Endpoint, caller: str) -> None:
    check(endpoint, caller)
