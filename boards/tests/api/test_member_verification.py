"""Adding a member by email gives the role to the person who controls the address (issue 12,
item 7): an account whose address is not verified gets an invitation mailed to that
address, exactly as an address with no account; only a verified account joins at once."""

import re
from typing import Any

import pytest
from django.test import Client

from accounts import email_verification
from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD, UserFactory
from boards.models import Invitation, Membership
from boards.tests.factories import BoardWithRoles, board_with_roles
from boards.tests.snapshots import board_snapshot
from tests.api.http import Api, error_of

INVITE_LINK = re.compile(r"/invitations/(?P<token>[\w-]+)/")
VERIFY_LINK = re.compile(r"/accounts/verify-email/(?P<token>[^/\s]+)/")


def roles_on(given: BoardWithRoles) -> dict[int, str]:
    return dict(Membership.objects.filter(board=given.board).values_list("user_id", "role"))


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_an_attacker_who_registered_the_new_hires_address_first_gets_no_access(
    client: Client, celery_worker: Any, mailbox: Any
) -> None:
    given = board_with_roles(title="Payroll")
    # The attacker signs up with the address the owner is about to add.
    registered = client.post(
        "/api/v1/auth/register/",
        {"email": "newhire@company.example", "password": KNOWN_PASSWORD, "name": "Not the new hire"},
        content_type="application/json",
    )
    assert registered.status_code == 201
    attacker = User.objects.get(email="newhire@company.example")
    [welcome] = mailbox.wait_for(count=1)  # goes to the real mailbox, which the attacker can't read
    before = roles_on(given)

    added = Api(given.owner).post(
        f"boards/{given.board.pk}/members/", {"email": "newhire@company.example", "role": "admin"}
    )

    assert added.status_code == 202
    invitation = Invitation.objects.get(board=given.board)
    assert added.json()["id"] == invitation.pk
    assert (invitation.email, invitation.role, invitation.accepted_at) == (
        "newhire@company.example",
        "admin",
        None,
    )
    assert roles_on(given) == before
    assert attacker.pk not in roles_on(given)
    assert Api(attacker).get(f"boards/{given.board.pk}/").status_code == 404
    messages = mailbox.wait_for(count=2)
    [mailed] = [m for m in messages if m["Subject"] != "Welcome to Taskboard"]
    assert mailed["To"] == "newhire@company.example"
    assert INVITE_LINK.search(mailbox.body(mailed))

    # Whoever reads that mailbox verifies the address; from then on the account is added directly.
    link = VERIFY_LINK.search(mailbox.body(welcome))
    assert link is not None
    verified = Api(None).post("auth/verify-email/", {"token": link["token"]})
    assert verified.status_code == 204
    Invitation.objects.all().delete()

    added_again = Api(given.owner).post(
        f"boards/{given.board.pk}/members/", {"email": "newhire@company.example", "role": "member"}
    )

    assert added_again.status_code == 201
    assert roles_on(given)[attacker.pk] == "member"


@pytest.mark.django_db
def test_an_unverified_account_is_invited_like_an_address_without_one() -> None:
    given = board_with_roles()
    unverified = UserFactory.create(email="nina@example.com", email_verified=False)
    before = roles_on(given)

    response = Api(given.admin).post(
        f"boards/{given.board.pk}/members/", {"email": "NINA@example.com", "role": "viewer"}
    )

    assert response.status_code == 202
    invitation = Invitation.objects.get()
    assert response.json() == {
        "id": invitation.pk,
        "email": "nina@example.com",
        "role": "viewer",
        "invited_by": {"id": given.admin.pk, "name": given.admin.name},
        "expires_at": invitation.expires_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    assert roles_on(given) == before
    assert unverified.pk not in roles_on(given)


@pytest.mark.django_db
def test_an_unverified_account_already_on_the_board_is_still_refused_as_a_member() -> None:
    given = board_with_roles()
    User.objects.filter(pk=given.member.pk).update(email_verified=False)
    before = board_snapshot(given.board.pk)

    response = Api(given.owner).post(
        f"boards/{given.board.pk}/members/", {"email": given.member.email, "role": "admin"}
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"email": ["This person is already a member of this board."]}
    assert board_snapshot(given.board.pk) == before


@pytest.mark.django_db
def test_unverified_accounts_use_their_own_boards() -> None:
    user = UserFactory.create(email_verified=False)
    friend = UserFactory.create(email="friend@example.com")
    api = Api(user)

    board = api.post("boards/", {"title": "Mine"})
    assert board.status_code == 201
    board_id = board.json()["id"]
    list_id = api.get(f"boards/{board_id}/").json()["lists"][0]["id"]
    task = api.post(f"boards/{board_id}/tasks/", {"list_id": list_id, "title": "Do it"})
    added = api.post(f"boards/{board_id}/members/", {"email": friend.email, "role": "member"})

    assert task.status_code == 201
    assert added.status_code == 201


@pytest.mark.django_db
def test_accepting_an_invitation_to_ones_own_address_verifies_it() -> None:
    given = board_with_roles()
    invitee = UserFactory.create(email="nina@example.com", email_verified=False)
    stranger = UserFactory.create(email="someone@example.com", email_verified=False)
    Api(given.owner).post(
        f"boards/{given.board.pk}/members/", {"email": "nina@example.com", "role": "member"}
    )
    Api(given.owner).post(f"boards/{given.board.pk}/members/", {"email": "x@example.com", "role": "member"})
    # The mailed tokens: the database keeps only their hashes, so make known ones.
    from boards.services import hash_invitation_token

    Invitation.objects.filter(email="nina@example.com").update(token_hash=hash_invitation_token("for-nina"))
    Invitation.objects.filter(email="x@example.com").update(token_hash=hash_invitation_token("for-x"))

    mine = Api(invitee).post("invitations/for-nina/accept/")
    someone_elses = Api(stranger).post("invitations/for-x/accept/")

    assert (mine.status_code, someone_elses.status_code) == (200, 200)
    invitee.refresh_from_db()
    stranger.refresh_from_db()
    assert invitee.email_verified is True
    assert stranger.email_verified is False  # joined through a link, but of another address


@pytest.mark.django_db
def test_the_members_page_invites_an_unverified_account(client: Client) -> None:
    given = board_with_roles()
    unverified = UserFactory.create(email="nina@example.com", email_verified=False)
    client.force_login(given.admin)

    response = client.post(
        f"/boards/{given.board.pk}/members/", {"email": "nina@example.com", "role": "member"}
    )
    html = client.get(f"/boards/{given.board.pk}/members/").content.decode()

    assert response.status_code == 303
    assert "We&#x27;ve emailed an invitation to nina@example.com." in html
    assert unverified.pk not in roles_on(given)
    assert Invitation.objects.get().email == "nina@example.com"


@pytest.mark.django_db
def test_the_verification_token_of_one_user_does_not_verify_another() -> None:
    mine = UserFactory.create(email_verified=False)
    other = UserFactory.create(email_verified=False)

    response = Api(None).post("auth/verify-email/", {"token": email_verification.make_token(user=mine)})

    assert response.status_code == 204
    other.refresh_from_db()
    assert other.email_verified is False
