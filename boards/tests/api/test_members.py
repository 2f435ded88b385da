"""Members and invitations: boards/{id}/members/, boards/{id}/invitations/, invitations/{token}/accept/."""

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from boards.models import Invitation, Membership
from boards.tests.factories import BoardWithRoles, InvitationFactory, board_with_roles
from boards.tests.snapshots import board_snapshot
from tests.api.http import Api, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles(title="Launch")


def roles_on(given: BoardWithRoles) -> dict[int, str]:
    return dict(Membership.objects.filter(board=given.board).values_list("user_id", "role"))


def test_members_in_the_order_they_joined(given: BoardWithRoles) -> None:
    response = Api(given.viewer).get(f"boards/{given.board.pk}/members/")

    assert response.status_code == 200
    memberships = (
        Membership.objects.filter(board=given.board).select_related("user").order_by("joined_at", "id")
    )
    assert response.json() == [
        {
            "user": {"id": m.user.pk, "email": m.user.email, "name": m.user.name},
            "role": m.role,
            "joined_at": m.joined_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        for m in memberships
    ]
    assert [row["role"] for row in response.json()] == ["owner", "admin", "member", "viewer"]


def test_adding_someone_with_an_account_makes_them_a_member(given: BoardWithRoles) -> None:
    newcomer = UserFactory.create(email="nina@example.com", name="Nina")

    response = Api(given.admin).post(
        f"boards/{given.board.pk}/members/", {"email": "NINA@example.com", "role": "member"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {
        "user": {"id": newcomer.pk, "email": "nina@example.com", "name": "Nina"},
        "role": "member",
        "joined_at": body["joined_at"],
    }
    assert roles_on(given)[newcomer.pk] == "member"
    assert Invitation.objects.count() == 0


def test_adding_an_address_without_an_account_invites_it(given: BoardWithRoles) -> None:
    response = Api(given.admin).post(
        f"boards/{given.board.pk}/members/", {"email": "new@example.com", "role": "viewer"}
    )

    assert response.status_code == 202
    invitation = Invitation.objects.get()
    assert response.json() == {
        "id": invitation.pk,
        "email": "new@example.com",
        "role": "viewer",
        "invited_by": {"id": given.admin.pk, "name": given.admin.name},
        "expires_at": invitation.expires_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    assert (invitation.board_id, invitation.accepted_at) == (given.board.pk, None)
    assert len(roles_on(given)) == 4


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"email": "new@example.com", "role": "owner"}, {"role"}),
        ({"email": "new@example.com", "role": "boss"}, {"role"}),
        ({"email": "new@example.com", "role": 1}, {"role"}),
        ({"email": "new@example.com"}, {"role"}),
        ({"email": "not-an-address", "role": "member"}, {"email"}),
        ({"email": 5, "role": "member"}, {"email"}),
        ({"email": ["a@example.com"], "role": ["member"]}, {"email", "role"}),
        ({"role": "member"}, {"email"}),
        ({"email": "member", "role": "member"}, {"email"}),  # already on the board (replaced below)
    ],
)
def test_adding_refuses_invalid_input(given: BoardWithRoles, body: dict[str, Any], fields: set[str]) -> None:
    if body.get("email") == "member":
        body = {**body, "email": given.member.email}
    before = board_snapshot(given.board.pk)

    response = Api(given.owner).post(f"boards/{given.board.pk}/members/", body)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == fields
    assert board_snapshot(given.board.pk) == before


def test_changing_a_role(given: BoardWithRoles) -> None:
    response = Api(given.admin).patch(
        f"boards/{given.board.pk}/members/{given.viewer.pk}/", {"role": "admin"}
    )

    assert response.status_code == 200
    assert response.json()["user"]["id"] == given.viewer.pk
    assert response.json()["role"] == "admin"
    assert roles_on(given)[given.viewer.pk] == "admin"


@pytest.mark.parametrize(
    ("target", "body", "status"),
    [
        ("owner", {"role": "viewer"}, 403),
        ("outsider", {"role": "viewer"}, 404),
        ("missing", {"role": "viewer"}, 404),
        ("viewer", {"role": "owner"}, 400),
        ("viewer", {"role": None}, 400),
        ("viewer", {}, 400),
    ],
)
def test_changing_a_role_is_refused(
    given: BoardWithRoles, target: str, body: dict[str, Any], status: int
) -> None:
    user_id = 999999 if target == "missing" else given.user(target).pk
    before = board_snapshot(given.board.pk)

    response = Api(given.admin).patch(f"boards/{given.board.pk}/members/{user_id}/", body)

    assert response.status_code == status
    assert board_snapshot(given.board.pk) == before


def test_an_admin_removes_a_member(given: BoardWithRoles) -> None:
    response = Api(given.admin).delete(f"boards/{given.board.pk}/members/{given.member.pk}/")

    assert response.status_code == 204
    assert given.member.pk not in roles_on(given)
    assert Api(given.member).get(f"boards/{given.board.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["viewer", "member", "admin"])
def test_a_member_may_leave(given: BoardWithRoles, who: str) -> None:
    user = given.user(who)

    response = Api(user).delete(f"boards/{given.board.pk}/members/{user.pk}/")

    assert response.status_code == 204
    assert user.pk not in roles_on(given)


@pytest.mark.parametrize(("caller", "target"), [("owner", "owner"), ("admin", "owner"), ("member", "viewer")])
def test_removing_is_refused(given: BoardWithRoles, caller: str, target: str) -> None:
    before = board_snapshot(given.board.pk)

    response = Api(given.user(caller)).delete(f"boards/{given.board.pk}/members/{given.user(target).pk}/")

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert board_snapshot(given.board.pk) == before


# --- invitations ----------------------------------------------------------------------------


def invite(given: BoardWithRoles, token: str, **fields: Any) -> Invitation:
    return InvitationFactory.create(
        board=given.board,
        invited_by=given.owner,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        **fields,
    )


def test_pending_invitations(given: BoardWithRoles) -> None:
    pending = invite(given, "a", email="a@example.com", role="admin")
    invite(given, "b", accepted_at=timezone.now())
    invite(given, "c", expires_at=timezone.now() - timedelta(seconds=1))

    response = Api(given.admin).get(f"boards/{given.board.pk}/invitations/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": pending.pk,
            "email": "a@example.com",
            "role": "admin",
            "invited_by": {"id": given.owner.pk, "name": given.owner.name},
            "expires_at": pending.expires_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
    ]


def test_revoking_an_invitation(given: BoardWithRoles) -> None:
    invitation = invite(given, "secret")

    response = Api(given.admin).delete(f"boards/{given.board.pk}/invitations/{invitation.pk}/")

    assert response.status_code == 204
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert Api(given.outsider).post("invitations/secret/accept/").status_code == 404
    again = Api(given.admin).delete(f"boards/{given.board.pk}/invitations/{invitation.pk}/")
    assert again.status_code == 404


def test_an_invitation_of_another_board_is_not_found(given: BoardWithRoles) -> None:
    elsewhere = board_with_roles()
    invitation = invite(elsewhere, "other")

    response = Api(given.owner).delete(f"boards/{given.board.pk}/invitations/{invitation.pk}/")

    assert response.status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_accepting_joins_with_the_invited_role_once(given: BoardWithRoles) -> None:
    invite(given, "welcome", role="admin")
    api = Api(given.outsider)

    response = api.post("invitations/welcome/accept/")
    again = api.post("invitations/welcome/accept/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["title"], body["role"], body["member_count"]) == (
        given.board.pk,
        "Launch",
        "admin",
        5,
    )
    assert roles_on(given)[given.outsider.pk] == "admin"
    assert again.status_code == 400
    assert error_of(again)["fields"] == {"token": ["This invitation has already been used."]}


def test_an_expired_invitation_is_refused(given: BoardWithRoles) -> None:
    invite(given, "late", expires_at=timezone.now() - timedelta(seconds=1))
    before = board_snapshot(given.board.pk)

    response = Api(given.outsider).post("invitations/late/accept/")

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"token": ["This invitation has expired."]}
    assert board_snapshot(given.board.pk) == before


def test_an_unknown_token_is_a_404_and_anonymous_a_401(given: BoardWithRoles) -> None:
    invite(given, "known")

    unknown = Api(given.outsider).post("invitations/unknown/accept/")
    anonymous = Api(None).post("invitations/known/accept/")

    assert unknown.status_code == 404
    assert anonymous.status_code == 401
    assert given.outsider.pk not in roles_on(given)
