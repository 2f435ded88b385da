"""Board, member, invitation, list and label services against the real database."""

import re
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from activity.models import Activity
from boards import services
from boards.models import Board, BoardList, Invitation, Label, Membership, Role
from boards.services import hash_invitation_token
from boards.tests.factories import (
    BoardListFactory,
    InvitationFactory,
    LabelFactory,
    MembershipFactory,
    board_with_roles,
)
from boards.tests.snapshots import board_snapshot
from outbox import services as outbox_services
from outbox.models import OutboxMail
from outbox.services import SendOutcome
from tasks.models import Task
from tasks.tests.factories import TaskFactory
from writes.ordering import POSITION_STEP

pytestmark = pytest.mark.django_db


def activities(board: Board) -> list[tuple[int, str, int]]:
    return list(Activity.objects.filter(board=board).order_by("seq").values_list("seq", "verb", "target_id"))


def list_titles(board: Board) -> list[str]:
    return list(BoardList.objects.filter(board=board).order_by("position").values_list("title", flat=True))


# Boards


def test_board_create_makes_the_caller_owner_with_the_default_lists() -> None:
    ada = UserFactory.create(name="Ada")

    board = services.board_create(actor=ada, title="  Launch  ", description="Q3")

    board.refresh_from_db()
    assert (board.title, board.description, board.version, board.event_seq) == ("Launch", "Q3", 1, 1)
    assert list(Membership.objects.filter(board=board).values_list("user_id", "role")) == [(ada.pk, "owner")]
    assert list(
        BoardList.objects.filter(board=board).order_by("position").values_list("title", "position")
    ) == [
        ("To do", POSITION_STEP),
        ("In progress", 2 * POSITION_STEP),
        ("Done", 3 * POSITION_STEP),
    ]
    activity = Activity.objects.get(board=board)
    assert (activity.seq, activity.verb, activity.actor_id, activity.target_type) == (
        1,
        "board.created",
        ada.pk,
        "board",
    )
    assert activity.data["title"] == "Launch"
    assert activity.data["version"] == 1


def test_board_create_with_given_lists() -> None:
    board = services.board_create(actor=UserFactory.create(), title="B", list_titles=["Backlog", "Doing"])

    assert list_titles(board) == ["Backlog", "Doing"]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"title": "   "}, {"title": ["This field may not be blank."]}),
        ({"title": "x" * 201}, {"title": ["Ensure this field has no more than 200 characters."]}),
        (
            {"title": "ok", "description": "x" * 5001},
            {"description": ["Ensure this field has no more than 5000 characters."]},
        ),
        ({"title": "ok", "list_titles": ["To do", ""]}, {"lists": ["This field may not be blank."]}),
    ],
)
def test_board_create_validation_creates_nothing(
    fields: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    with pytest.raises(ValidationError) as raised:
        services.board_create(actor=UserFactory.create(), **fields)

    assert raised.value.message_dict == errors
    assert (Board.objects.count(), BoardList.objects.count(), Activity.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_board_update_by_admin_and_owner(role: str) -> None:
    given = board_with_roles(title="Old")
    actor = given.user(role)

    board = services.board_update(board_id=given.board.pk, actor=actor, title="New", archived=True)

    board.refresh_from_db()
    assert (board.title, board.archived, board.version, board.event_seq) == ("New", True, 2, 1)
    [activity] = Activity.objects.filter(board=board)
    assert (activity.seq, activity.verb, activity.actor_id) == (1, "board.updated", actor.pk)
    assert (activity.data["title"], activity.data["archived"], activity.data["version"]) == ("New", True, 2)


def test_board_update_without_a_change_records_nothing() -> None:
    given = board_with_roles(title="Same")

    services.board_update(board_id=given.board.pk, actor=given.admin, title="Same")

    given.board.refresh_from_db()
    assert (given.board.version, given.board.event_seq) == (1, 0)
    assert Activity.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "error"),
    [("member", PermissionDenied), ("viewer", PermissionDenied), ("outsider", Board.DoesNotExist)],
)
def test_board_update_refused_changes_nothing(role: str, error: type[Exception]) -> None:
    given = board_with_roles(title="Old")
    before = board_snapshot(given.board.pk)

    with pytest.raises(error):
        services.board_update(board_id=given.board.pk, actor=given.user(role), title="New")

    assert board_snapshot(given.board.pk) == before


def test_board_delete_by_the_owner_removes_everything_on_it() -> None:
    given = board_with_roles()
    task = TaskFactory.create(list=BoardListFactory.create(board=given.board))

    services.board_delete(board_id=given.board.pk, actor=given.owner)

    assert not Board.objects.filter(pk=given.board.pk).exists()
    assert not Task.objects.filter(pk=task.pk).exists()
    assert not Membership.objects.filter(board_id=given.board.pk).exists()


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("admin", PermissionDenied),
        ("member", PermissionDenied),
        ("viewer", PermissionDenied),
        ("outsider", Board.DoesNotExist),
    ],
)
def test_board_delete_refused_changes_nothing(role: str, error: type[Exception]) -> None:
    given = board_with_roles()
    before = board_snapshot(given.board.pk)

    with pytest.raises(error):
        services.board_delete(board_id=given.board.pk, actor=given.user(role))

    assert board_snapshot(given.board.pk) == before


def test_board_transfer_makes_the_member_owner_and_the_old_owner_admin() -> None:
    given = board_with_roles()

    services.board_transfer(board_id=given.board.pk, actor=given.owner, to_user_id=given.member.pk)

    roles = dict(Membership.objects.filter(board=given.board).values_list("user_id", "role"))
    assert roles == {
        given.owner.pk: "admin",
        given.admin.pk: "admin",
        given.member.pk: "owner",
        given.viewer.pk: "viewer",
    }
    assert activities(given.board) == [
        (1, "member.role_changed", given.owner.pk),
        (2, "member.role_changed", given.member.pk),
    ]
    given.board.refresh_from_db()
    assert (given.board.version, given.board.event_seq) == (2, 2)


def test_board_transfer_to_a_non_member_is_a_validation_error() -> None:
    given = board_with_roles()
    before = board_snapshot(given.board.pk)

    with pytest.raises(ValidationError) as raised:
        services.board_transfer(board_id=given.board.pk, actor=given.owner, to_user_id=given.outsider.pk)

    assert raised.value.message_dict == {"user_id": ["The new owner must be a member of this board."]}
    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize(
    ("role", "error"),
    [("admin", PermissionDenied), ("viewer", PermissionDenied), ("outsider", Board.DoesNotExist)],
)
def test_board_transfer_refused_changes_nothing(role: str, error: type[Exception]) -> None:
    given = board_with_roles()
    before = board_snapshot(given.board.pk)

    with pytest.raises(error):
        services.board_transfer(board_id=given.board.pk, actor=given.user(role), to_user_id=given.member.pk)

    assert board_snapshot(given.board.pk) == before


# Members


def test_member_add_with_an_account_adds_the_member_at_once() -> None:
    given = board_with_roles()
    InvitationFactory.create(board=given.board, email="bob@example.com")
    bob = UserFactory.create(email="bob@example.com", name="Bob")

    membership = services.member_add(
        board_id=given.board.pk, actor=given.admin, email=" BOB@example.com ", role="viewer"
    )

    assert isinstance(membership, Membership)
    assert (membership.user_id, membership.role) == (bob.pk, "viewer")
    [activity] = Activity.objects.filter(board=given.board)
    assert (activity.verb, activity.target_id, activity.target_title) == ("member.added", bob.pk, "Bob")
    assert activity.data == {
        "user": {"id": bob.pk, "email": "bob@example.com", "name": "Bob"},
        "role": "viewer",
        "joined_at": activity.data["joined_at"],
    }
    assert not Invitation.objects.exists()


def test_member_add_without_an_account_invites_and_stores_only_the_token_hash(
    django_capture_on_commit_callbacks: Any,
) -> None:
    given = board_with_roles()

    with django_capture_on_commit_callbacks() as callbacks:
        invitation = services.member_add(
            board_id=given.board.pk, actor=given.admin, email="New@Example.com", role="member"
        )

    assert isinstance(invitation, Invitation)
    invitation.refresh_from_db()
    assert (invitation.email, invitation.role, invitation.invited_by_id) == (
        "new@example.com",
        "member",
        given.admin.pk,
    )
    assert re.fullmatch(r"[0-9a-f]{64}", invitation.token_hash)
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    # The mail task is queued after the commit, and only then.
    assert len(callbacks) == 1
    assert Activity.objects.count() == 0
    assert Membership.objects.filter(board=given.board).count() == 4


def test_inviting_the_same_address_again_replaces_the_pending_invitation() -> None:
    given = board_with_roles()
    first = services.member_add(
        board_id=given.board.pk, actor=given.admin, email="new@example.com", role="member"
    )

    second = services.member_add(
        board_id=given.board.pk, actor=given.admin, email="new@example.com", role="viewer"
    )

    assert list(Invitation.objects.values_list("pk", "role")) == [(second.pk, "viewer")]
    assert first.pk != second.pk


@pytest.mark.parametrize(
    ("email", "role", "errors"),
    [
        ("not-an-address", "member", {"email": ["Enter a valid email address."]}),
        (
            "x@example.com",
            "owner",
            {"role": ["Ownership is transferred, not granted: choose admin, member or viewer."]},
        ),
        ("x@example.com", "boss", {"role": ['"boss" is not a valid choice.']}),
    ],
)
def test_member_add_validation_changes_nothing(email: str, role: str, errors: dict[str, list[str]]) -> None:
    given = board_with_roles()
    before = board_snapshot(given.board.pk)

    with pytest.raises(ValidationError) as raised:
        services.member_add(board_id=given.board.pk, actor=given.admin, email=email, role=role)

    assert raised.value.message_dict == errors
    assert board_snapshot(given.board.pk) == before


def test_member_add_of_a_member_is_a_validation_error() -> None:
    given = board_with_roles()

    with pytest.raises(ValidationError) as raised:
        services.member_add(
            board_id=given.board.pk, actor=given.admin, email=given.viewer.email, role="admin"
        )

    assert raised.value.message_dict == {"email": ["This person is already a member of this board."]}
    assert Membership.objects.get(board=given.board, user=given.viewer).role == "viewer"


@pytest.mark.parametrize(
    ("role", "error"),
    [("member", PermissionDenied), ("viewer", PermissionDenied), ("outsider", Board.DoesNotExist)],
)
def test_member_add_refused_changes_nothing(role: str, error: type[Exception]) -> None:
    given = board_with_roles()
    UserFactory.create(email="bob@example.com")
    before = board_snapshot(given.board.pk)

    with pytest.raises(error):
        services.member_add(
            board_id=given.board.pk, actor=given.user(role), email="bob@example.com", role="member"
        )
    with pytest.raises(error):
        services.member_add(
            board_id=given.board.pk, actor=given.user(role), email="nobody@example.com", role="member"
        )

    assert board_snapshot(given.board.pk) == before


def test_member_update_role_by_an_admin() -> None:
    given = board_with_roles()

    membership = services.member_update_role(
        board_id=given.board.pk, actor=given.admin, user_id=given.member.pk, role="admin"
    )

    assert membership.role == "admin"
    assert Membership.objects.get(board=given.board, user=given.member).role == "admin"
    assert activities(given.board) == [(1, "member.role_changed", given.member.pk)]


def test_nobody_changes_the_owners_role_but_by_a_transfer() -> None:
    given = board_with_roles()
    before = board_snapshot(given.board.pk)

    with pytest.raises(PermissionDenied):
        services.member_update_role(
            board_id=given.board.pk, actor=given.admin, user_id=given.owner.pk, role="viewer"
        )
    with pytest.raises(PermissionDenied):
        services.member_update_role(
            board_id=given.board.pk, actor=given.owner, user_id=given.owner.pk, role="admin"
        )

    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize(
    ("role", "error"),
    [("member", PermissionDenied), ("viewer", PermissionDenied), ("outsider", Board.DoesNotExist)],
)
def test_member_update_role_refused_changes_nothing(role: str, error: type[Exception]) -> None:
    given = board_with_roles()
    before = board_snapshot(given.board.pk)

    with pytest.raises(error):
        services.member_update_role(
            board_id=given.board.pk, actor=given.user(role), user_id=given.viewer.pk, role="admin"
        )

    assert board_snapshot(given.board.pk) == before


def test_member_remove_by_an_admin_unassigns_the_member() -> None:
    given = board_with_roles()
    task = TaskFactory.create(list=BoardListFactory.create(board=given.board))
    task.assignees.add(given.member, given.viewer, through_defaults={"board_id": task.board_id})

    services.member_remove(board_id=given.board.pk, actor=given.admin, user_id=given.member.pk)

    assert not Membership.objects.filter(board=given.board, user=given.member).exists()
    assert list(task.assignees.values_list("pk", flat=True)) == [given.viewer.pk]
    task.refresh_from_db()
    assert task.version == 2
    assert activities(given.board) == [(1, "member.removed", given.member.pk)]


@pytest.mark.parametrize("role", ["admin", "member", "viewer"])
def test_a_member_may_leave(role: str) -> None:
    given = board_with_roles()

    services.member_remove(board_id=given.board.pk, actor=given.user(role), user_id=given.user(role).pk)

    assert not Membership.objects.filter(board=given.board, user=given.user(role)).exists()


@pytest.mark.parametrize(
    ("role", "target", "error"),
    [
        ("owner", "owner", PermissionDenied),
        ("admin", "owner", PermissionDenied),
        ("member", "viewer", PermissionDenied),
        ("viewer", "member", PermissionDenied),
        ("outsider", "member", Board.DoesNotExist),
        ("outsider", "outsider", Board.DoesNotExist),
    ],
)
def test_member_remove_refused_changes_nothing(role: str, target: str, error: type[Exception]) -> None:
    given = board_with_roles()
    before = board_snapshot(given.board.pk)

    with pytest.raises(error):
        services.member_remove(board_id=given.board.pk, actor=given.user(role), user_id=given.user(target).pk)

    assert board_snapshot(given.board.pk) == before


# Invitations


def test_invitation_accept_joins_with_the_invited_role_once() -> None:
    given = board_with_roles()
    InvitationFactory.create(board=given.board, role="viewer", token_hash=hash_invitation_token("the-token"))
    newcomer = UserFactory.create()

    membership = services.invitation_accept(token="the-token", user=newcomer)

    assert (membership.board_id, membership.user_id, membership.role) == (
        given.board.pk,
        newcomer.pk,
        "viewer",
    )
    invitation = Invitation.objects.get()
    assert invitation.accepted_by_id == newcomer.pk
    assert invitation.accepted_at is not None
    assert activities(given.board) == [(1, "member.added", newcomer.pk)]
    with pytest.raises(ValidationError) as raised:
        services.invitation_accept(token="the-token", user=UserFactory.create())
    assert raised.value.message_dict == {"token": ["This invitation has already been used."]}
    assert Membership.objects.filter(board=given.board).count() == 5


def test_an_expired_invitation_is_refused() -> None:
    given = board_with_roles()
    InvitationFactory.create(
        board=given.board,
        token_hash=hash_invitation_token("old"),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    before = board_snapshot(given.board.pk)

    with pytest.raises(ValidationError) as raised:
        services.invitation_accept(token="old", user=UserFactory.create())

    assert raised.value.message_dict == {"token": ["This invitation has expired."]}
    assert board_snapshot(given.board.pk) == before


def test_an_unknown_token_is_not_found() -> None:
    with pytest.raises(Invitation.DoesNotExist):
        services.invitation_accept(token="nope", user=UserFactory.create())


def test_a_member_accepting_keeps_their_role() -> None:
    given = board_with_roles()
    InvitationFactory.create(board=given.board, role="viewer", token_hash=hash_invitation_token("t"))

    membership = services.invitation_accept(token="t", user=given.admin)

    assert membership.role == "admin"
    assert Activity.objects.count() == 0


def test_invitation_revoke_by_an_admin_kills_the_link() -> None:
    given = board_with_roles()
    invitation = InvitationFactory.create(board=given.board, token_hash=hash_invitation_token("t"))

    services.invitation_revoke(board_id=invitation.board_id, invitation_id=invitation.pk, actor=given.admin)

    with pytest.raises(Invitation.DoesNotExist):
        services.invitation_accept(token="t", user=UserFactory.create())


@pytest.mark.parametrize(
    ("role", "error"),
    [("member", PermissionDenied), ("viewer", PermissionDenied), ("outsider", Invitation.DoesNotExist)],
)
def test_invitation_revoke_refused_changes_nothing(role: str, error: type[Exception]) -> None:
    given = board_with_roles()
    invitation = InvitationFactory.create(board=given.board)
    before = board_snapshot(given.board.pk)

    with pytest.raises(error):
        services.invitation_revoke(
            board_id=invitation.board_id, invitation_id=invitation.pk, actor=given.user(role)
        )

    assert board_snapshot(given.board.pk) == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.celery
def test_the_invitation_mail_arrives_and_its_link_lets_the_invitee_join(
    celery_worker: Any, mailbox: Any
) -> None:
    given = board_with_roles(title="Launch")
    given.admin.name = "Ada"
    given.admin.save()

    services.member_add(
        board_id=given.board.pk, actor=given.admin, email="newcomer@example.com", role="member"
    )

    [message] = mailbox.wait_for(count=1)
    assert message["To"] == "newcomer@example.com"
    assert message["Subject"] == "Ada invited you to “Launch” on Taskboard"
    token = re.search(r"/invitations/([A-Za-z0-9_-]+)/", mailbox.body(message))
    assert token is not None
    newcomer = UserFactory.create(email="newcomer@example.com")
    membership = services.invitation_accept(token=token.group(1), user=newcomer)
    assert (membership.board_id, membership.role) == (given.board.pk, "member")


def test_an_invitation_revoked_or_replaced_before_its_mail_went_out_is_not_mailed(
    mailoutbox: list[Any],
) -> None:
    given = board_with_roles()
    invite = partial(services.member_add, board_id=given.board.pk, actor=given.admin, role="member")
    replaced = invite(email="new@example.com")
    revoked = invite(email="other@example.com")
    assert isinstance(replaced, Invitation)
    assert isinstance(revoked, Invitation)
    mail_ids = dict(OutboxMail.objects.values_list("key", "id"))

    fresh = invite(email="new@example.com")  # a fresh link replaces the pending one
    services.invitation_revoke(actor=given.admin, board_id=given.board.pk, invitation_id=revoked.pk)

    assert list(OutboxMail.objects.values_list("key", flat=True)) == [services.invitation_mail_key(fresh.pk)]
    for invitation in (replaced, revoked):
        mail_id = mail_ids[services.invitation_mail_key(invitation.pk)]
        assert outbox_services.mail_send(mail_id=mail_id) == SendOutcome.SKIPPED
    assert mailoutbox == []


def test_a_deleted_board_takes_its_unsent_invitation_mail_and_leaves_the_rest(mailoutbox: list[Any]) -> None:
    given = board_with_roles()
    other = board_with_roles()
    doomed = services.member_add(
        board_id=given.board.pk, actor=given.owner, email="new@example.com", role="member"
    )
    kept = services.member_add(
        board_id=other.board.pk, actor=other.owner, email="new@example.com", role="member"
    )
    assert isinstance(doomed, Invitation)
    assert isinstance(kept, Invitation)
    doomed_mail = OutboxMail.objects.get(key=services.invitation_mail_key(doomed.pk))

    services.board_delete(board_id=given.board.pk, actor=given.owner)

    assert list(OutboxMail.objects.values_list("key", flat=True)) == [services.invitation_mail_key(kept.pk)]
    assert outbox_services.mail_send(mail_id=doomed_mail.pk) == SendOutcome.SKIPPED
    assert mailoutbox == []


# Lists


def test_list_create_appends_the_list() -> None:
    given = board_with_roles()
    services.board_update(board_id=given.board.pk, actor=given.owner, title="touch")  # seq 1
    first = BoardListFactory.create(board=given.board, position=5 * POSITION_STEP)

    board_list = services.list_create(board_id=given.board.pk, actor=given.member, title="Later", wip_limit=3)

    assert (board_list.position, board_list.wip_limit) == (6 * POSITION_STEP, 3)
    assert first.position < board_list.position
    assert activities(given.board)[-1] == (2, "list.created", board_list.pk)
    assert Activity.objects.get(seq=2, board=given.board).data == {
        "id": board_list.pk,
        "board_id": given.board.pk,
        "title": "Later",
        "position": 6 * POSITION_STEP,
        "wip_limit": 3,
    }


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        ({"title": "x" * 201}, {"title": ["Ensure this field has no more than 200 characters."]}),
        (
            {"title": "ok", "wip_limit": 0},
            {"wip_limit": ["Ensure this value is a whole number from 1 to 2147483647, or null."]},
        ),
        (
            {"title": "ok", "wip_limit": 2**31},
            {"wip_limit": ["Ensure this value is a whole number from 1 to 2147483647, or null."]},
        ),
    ],
)
def test_list_create_validation_changes_nothing(fields: dict[str, Any], errors: dict[str, list[str]]) -> None:
    given = board_with_roles()
    before = board_snapshot(given.board.pk)

    with pytest.raises(ValidationError) as raised:
        services.list_create(board_id=given.board.pk, actor=given.member, **fields)

    assert raised.value.message_dict == errors
    assert board_snapshot(given.board.pk) == before


def test_list_update_changes_title_and_limit() -> None:
    given = board_with_roles()
    board_list = BoardListFactory.create(board=given.board, title="A")

    services.list_update(list_id=board_list.pk, actor=given.member, title="B", wip_limit=None)
    services.list_update(list_id=board_list.pk, actor=given.member, wip_limit=2)

    board_list.refresh_from_db()
    assert (board_list.title, board_list.wip_limit) == ("B", 2)
    assert [verb for _, verb, _ in activities(given.board)] == ["list.updated", "list.updated"]


def titles_after_move(given: Any, lists: list[BoardList], moved: int, index: int) -> list[str]:
    services.list_move(list_id=lists[moved].pk, actor=given.member, index=index)
    return list_titles(given.board)


@pytest.mark.parametrize(
    ("moved", "index", "expected"),
    [
        (0, 2, ["B", "C", "A", "D"]),
        (0, 3, ["B", "C", "D", "A"]),
        (0, 99, ["B", "C", "D", "A"]),
        (3, 0, ["D", "A", "B", "C"]),
        (2, 1, ["A", "C", "B", "D"]),
        (1, 1, ["A", "B", "C", "D"]),
    ],
)
def test_list_move_puts_the_list_at_the_index(moved: int, index: int, expected: list[str]) -> None:
    given = board_with_roles()
    lists = [
        BoardListFactory.create(board=given.board, title=t, position=(i + 1) * POSITION_STEP)
        for i, t in enumerate("ABCD")
    ]

    assert titles_after_move(given, lists, moved, index) == expected


def test_list_move_to_where_it_is_records_nothing() -> None:
    given = board_with_roles()
    lists = [BoardListFactory.create(board=given.board, title=t) for t in "AB"]

    services.list_move(list_id=lists[1].pk, actor=given.member, index=1)

    assert Activity.objects.count() == 0


@pytest.mark.postgresql  # the deferred WITH statement (boards/writes.py)
def test_list_move_writes_one_list_row() -> None:
    given = board_with_roles()
    lists = [BoardListFactory.create(board=given.board, position=(i + 1) * POSITION_STEP) for i in range(30)]

    with CaptureQueriesContext(connection) as queries:
        services.list_move(list_id=lists[0].pk, actor=given.member, index=15)

    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT", "WITH"))]
    assert len(writes) == 2
    assert writes[0].startswith('UPDATE "boards_list"')
    # The write's Activity and the board's new version, in one statement (writes/board_transaction.py).
    assert writes[1].startswith('WITH w0 AS (INSERT INTO "activity_activity"')
    assert 'UPDATE "boards_board"' in writes[1]


def test_list_delete_removes_its_tasks() -> None:
    given = board_with_roles()
    board_list = BoardListFactory.create(board=given.board)
    TaskFactory.create(list=board_list)

    services.list_delete(list_id=board_list.pk, actor=given.member)

    assert not BoardList.objects.filter(pk=board_list.pk).exists()
    assert not Task.objects.filter(board=given.board).exists()
    assert activities(given.board) == [(1, "list.deleted", board_list.pk)]


@pytest.mark.parametrize(
    ("role", "error"), [("viewer", PermissionDenied), ("outsider", BoardList.DoesNotExist)]
)
def test_list_changes_refused_change_nothing(role: str, error: type[Exception]) -> None:
    given = board_with_roles()
    board_list = BoardListFactory.create(board=given.board)
    BoardListFactory.create(board=given.board)
    actor = given.user(role)
    before = board_snapshot(given.board.pk)

    with pytest.raises(error):
        services.list_update(list_id=board_list.pk, actor=actor, title="x")
    with pytest.raises(error):
        services.list_move(list_id=board_list.pk, actor=actor, index=1)
    with pytest.raises(error):
        services.list_delete(list_id=board_list.pk, actor=actor)
    with pytest.raises(PermissionDenied if role == "viewer" else Board.DoesNotExist):
        services.list_create(board_id=given.board.pk, actor=actor, title="x")

    assert board_snapshot(given.board.pk) == before


# Labels


def test_label_create_update_delete_by_an_admin() -> None:
    given = board_with_roles()

    label = services.label_create(board_id=given.board.pk, actor=given.admin, name=" Bug ", color="#FF0000")
    services.label_update(label_id=label.pk, actor=given.admin, name="Defect", color="#00ff00")
    label.refresh_from_db()
    assert (label.name, label.color) == ("Defect", "#00ff00")
    services.label_delete(label_id=label.pk, actor=given.admin)

    assert not Label.objects.exists()
    assert [verb for _, verb, _ in activities(given.board)] == [
        "label.created",
        "label.updated",
        "label.deleted",
    ]
    assert Activity.objects.get(board=given.board, seq=1).data == {
        "id": label.pk,
        "name": "Bug",
        "color": "#ff0000",
    }


def test_deleting_a_label_takes_it_off_tasks_and_bumps_their_version() -> None:
    given = board_with_roles()
    label = LabelFactory.create(board=given.board)
    task = TaskFactory.create(list=BoardListFactory.create(board=given.board))
    task.labels.add(label, through_defaults={"board_id": task.board_id})

    services.label_delete(label_id=label.pk, actor=given.admin)

    task.refresh_from_db()
    assert (task.version, list(task.labels.all())) == (2, [])


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": "", "color": "#ffffff"}, {"name": ["This field may not be blank."]}),
        (
            {"name": "x" * 51, "color": "#ffffff"},
            {"name": ["Ensure this field has no more than 50 characters."]},
        ),
        ({"name": "ok", "color": "red"}, {"color": ["Enter a color as #rrggbb."]}),
        ({"name": "ok", "color": "#fff"}, {"color": ["Enter a color as #rrggbb."]}),
        ({"name": "ok", "color": "#gggggg"}, {"color": ["Enter a color as #rrggbb."]}),
        (
            {"name": "BUG", "color": "#ffffff"},
            {"name": ["A label with this name already exists on this board."]},
        ),
    ],
)
def test_label_validation_changes_nothing(fields: dict[str, Any], errors: dict[str, list[str]]) -> None:
    given = board_with_roles()
    label = LabelFactory.create(board=given.board, name="bug")
    other = LabelFactory.create(board=given.board, name="other")
    before = board_snapshot(given.board.pk)

    with pytest.raises(ValidationError) as created:
        services.label_create(board_id=given.board.pk, actor=given.admin, **fields)
    with pytest.raises(ValidationError) as updated:
        services.label_update(label_id=other.pk, actor=given.admin, **fields)

    assert created.value.message_dict == errors
    assert updated.value.message_dict == errors
    assert board_snapshot(given.board.pk) == before
    assert label.pk != other.pk


@pytest.mark.parametrize(
    ("role", "error"),
    [("member", PermissionDenied), ("viewer", PermissionDenied), ("outsider", Label.DoesNotExist)],
)
def test_label_changes_refused_change_nothing(role: str, error: type[Exception]) -> None:
    given = board_with_roles()
    label = LabelFactory.create(board=given.board)
    actor = given.user(role)
    before = board_snapshot(given.board.pk)

    with pytest.raises(PermissionDenied if role != "outsider" else Board.DoesNotExist):
        services.label_create(board_id=given.board.pk, actor=actor, name="x", color="#000000")
    with pytest.raises(error):
        services.label_update(label_id=label.pk, actor=actor, name="x")
    with pytest.raises(error):
        services.label_delete(label_id=label.pk, actor=actor)

    assert board_snapshot(given.board.pk) == before


def test_a_member_of_another_board_is_an_outsider_here() -> None:
    given = board_with_roles()
    elsewhere = MembershipFactory.create(role=Role.ADMIN)
    before = board_snapshot(given.board.pk)

    with pytest.raises(Board.DoesNotExist):
        services.board_update(board_id=given.board.pk, actor=elsewhere.user, title="x")

    assert board_snapshot(given.board.pk) == before
