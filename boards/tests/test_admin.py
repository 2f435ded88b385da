"""Boards, memberships, invitations, lists and labels in the admin: pages in a fixed
number of queries, every write through the services, refusals shown, never a 500."""

from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory
from activity.models import Activity
from boards import services
from boards.models import Board, BoardList, Invitation, Label, Membership, Role
from boards.tests.admin_support import (
    ADMIN_PAGE_QUERY_BUDGET,
    admin_url,
    change_form_data,
    grow_board,
    inline_prefix,
    queries_of_get,
)
from boards.tests.snapshots import board_snapshot
from tasks import services as task_services

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script>"
XSS_ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


def activities(board: Board) -> list[tuple[int, str, int | None]]:
    return list(Activity.objects.filter(board=board).order_by("seq").values_list("seq", "verb", "actor_id"))


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def bob() -> User:
    return UserFactory.create(email="bob@example.com", name="Bob")


@pytest.fixture
def owned_board(admin_user: User, bob: User) -> Board:
    """A board the superuser owns, with Bob as a member."""
    board = services.board_create(actor=admin_user, title="Launch")
    services.member_add(board_id=board.pk, actor=admin_user, email=bob.email, role=Role.MEMBER)
    return board


# Pages and their query counts


def first_of(model: type[Any], board: Board) -> Any:
    rows = Board.objects.filter(pk=board.pk) if model is Board else model.objects.filter(board=board)
    return rows.order_by("pk").first()


@pytest.mark.parametrize("model", [Board, Membership, Invitation, BoardList, Label], ids=lambda m: m.__name__)
@pytest.mark.parametrize("superuser_on_board", [True, False], ids=["owner", "not-a-member"])
def test_the_changelist_and_change_page_have_a_fixed_query_count(
    admin_client: Client,
    admin_user: User,
    model: type[Any],
    superuser_on_board: bool,
    django_assert_max_num_queries: Any,
) -> None:
    owner = admin_user if superuser_on_board else UserFactory.create()
    board = services.board_create(actor=owner, title="Measured")
    grow_board(board, owner=owner, size=1)
    pages = [admin_url(model), admin_url(first_of(model, board), "change")]
    small = [queries_of_get(admin_client, url) for url in pages]

    grow_board(board, owner=owner, size=3)
    other = services.board_create(actor=owner, title="Another")
    grow_board(other, owner=owner, size=2)
    large = [queries_of_get(admin_client, url) for url in pages]

    assert large == small
    for url in pages:
        with django_assert_max_num_queries(ADMIN_PAGE_QUERY_BUDGET):
            assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("model", [Board, Membership, BoardList, Label], ids=lambda m: m.__name__)
def test_the_add_page_renders(admin_client: Client, model: type[Any]) -> None:
    assert admin_client.get(admin_url(model, "add")).status_code == 200


def test_search_and_filters_narrow_the_board_list(admin_client: Client, admin_user: User) -> None:
    services.board_create(actor=admin_user, title="Launch")
    archived = services.board_create(actor=admin_user, title="Old launch")
    services.board_update(board_id=archived.pk, actor=admin_user, archived=True)
    services.board_create(actor=admin_user, title="Hiring")

    found = admin_client.get(admin_url(Board), {"q": "launch"})
    filtered = admin_client.get(admin_url(Board), {"archived__exact": "1"})

    assert sorted(board.title for board in found.context["cl"].result_list) == ["Launch", "Old launch"]
    assert [board.title for board in filtered.context["cl"].result_list] == ["Old launch"]


# Boards


def test_adding_a_board_makes_the_staff_user_its_owner(admin_client: Client, admin_user: User) -> None:
    response = admin_client.post(admin_url(Board, "add"), {"title": "  Roadmap  ", "description": "Q3"})

    assert response.status_code == 302
    board = Board.objects.get()
    assert (board.title, board.description, board.version, board.event_seq) == ("Roadmap", "Q3", 1, 1)
    assert list(Membership.objects.filter(board=board).values_list("user_id", "role")) == [
        (admin_user.pk, "owner")
    ]
    assert list(
        BoardList.objects.filter(board=board).order_by("position").values_list("title", flat=True)
    ) == [
        "To do",
        "In progress",
        "Done",
    ]
    assert activities(board) == [(1, "board.created", admin_user.pk)]
    assert LogEntry.objects.get().object_id == str(board.pk)


def test_a_board_edit_records_activity_and_bumps_the_version(
    admin_client: Client, admin_user: User, owned_board: Board
) -> None:
    page = admin_client.get(admin_url(owned_board, "change"))
    data = change_form_data(page)
    data.update(title="Launch v2", archived="on")

    response = admin_client.post(admin_url(owned_board, "change"), data)

    assert response.status_code == 302
    owned_board.refresh_from_db()
    assert (owned_board.title, owned_board.archived, owned_board.version) == ("Launch v2", True, 3)
    assert activities(owned_board)[-1] == (3, "board.updated", admin_user.pk)
    assert Activity.objects.get(board=owned_board, seq=3).data["title"] == "Launch v2"


def test_saving_an_unchanged_board_writes_nothing(admin_client: Client, owned_board: Board) -> None:
    page = admin_client.get(admin_url(owned_board, "change"))
    before = board_snapshot(owned_board.pk)

    response = admin_client.post(admin_url(owned_board, "change"), change_form_data(page))

    assert response.status_code == 302
    assert board_snapshot(owned_board.pk) == before


def test_the_list_and_label_inlines_go_through_the_services(
    admin_client: Client, admin_user: User, owned_board: Board
) -> None:
    page = admin_client.get(admin_url(owned_board, "change"))
    data = change_form_data(page)
    lists = inline_prefix(page, BoardList)
    labels = inline_prefix(page, Label)
    data[f"{lists}-0-title"] = "Backlog"
    data[f"{lists}-2-DELETE"] = "on"
    data[f"{lists}-TOTAL_FORMS"] = "4"
    data.update({f"{lists}-3-id": "", f"{lists}-3-title": "Shipped", f"{lists}-3-wip_limit": "5"})
    # After the six labels every new board starts with.
    data[f"{labels}-TOTAL_FORMS"] = "7"
    data.update({f"{labels}-6-id": "", f"{labels}-6-name": "bug", f"{labels}-6-color": "#FF0000"})

    response = admin_client.post(admin_url(owned_board, "change"), data)

    assert response.status_code == 302
    assert list(
        BoardList.objects.filter(board=owned_board).order_by("position").values_list("title", "wip_limit")
    ) == [("Backlog", None), ("In progress", None), ("Shipped", 5)]
    assert list(Label.objects.filter(board=owned_board, name="bug").values_list("name", "color")) == [
        ("bug", "#ff0000")
    ]
    assert Label.objects.filter(board=owned_board).count() == 7
    assert [verb for _, verb, _ in activities(owned_board)] == [
        "board.created",
        "member.added",
        "list.deleted",
        "list.updated",
        "list.created",
        "label.created",
    ]
    assert [seq for seq, _, _ in activities(owned_board)] == [1, 2, 3, 4, 5, 6]
    owned_board.refresh_from_db()
    assert (owned_board.version, owned_board.event_seq) == (6, 6)


def test_the_membership_inline_changes_roles_and_removes_members(
    admin_client: Client, admin_user: User, owned_board: Board, bob: User
) -> None:
    carol = UserFactory.create()
    services.member_add(board_id=owned_board.pk, actor=admin_user, email=carol.email, role=Role.VIEWER)
    page = admin_client.get(admin_url(owned_board, "change"))
    data = change_form_data(page)
    members = inline_prefix(page, Membership)
    # Rows in the order people joined: the owner, Bob, Carol.
    data[f"{members}-1-role"] = "admin"
    data[f"{members}-2-DELETE"] = "on"

    response = admin_client.post(admin_url(owned_board, "change"), data)

    assert response.status_code == 302
    assert sorted(Membership.objects.filter(board=owned_board).values_list("user_id", "role")) == sorted(
        [(admin_user.pk, "owner"), (bob.pk, "admin")]
    )
    assert [verb for _, verb, _ in activities(owned_board)][-2:] == ["member.removed", "member.role_changed"]


def test_a_refusal_in_an_inline_undoes_the_whole_save_and_shows_the_form_again(
    admin_client: Client, admin_user: User, owned_board: Board
) -> None:
    page = admin_client.get(admin_url(owned_board, "change"))
    data = change_form_data(page)
    members = inline_prefix(page, Membership)
    data["title"] = "Renamed"
    # The first row is the owner's: the service won't let the owner leave.
    data[f"{members}-0-DELETE"] = "on"
    owners_row = Membership.objects.get(board=owned_board, user=admin_user)
    before = board_snapshot(owned_board.pk)

    response = admin_client.post(admin_url(owned_board, "change"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        f"Membership “{owners_row}”: The owner can't leave; transfer the board first."
    ]
    assert response.context["adminform"].form["title"].value() == "Renamed"
    assert board_snapshot(owned_board.pk) == before
    assert LogEntry.objects.count() == 0


def test_a_member_who_is_not_admin_sees_the_board_read_only(admin_client: Client, admin_user: User) -> None:
    owner = UserFactory.create()
    board = services.board_create(actor=owner, title="Theirs")
    services.member_add(board_id=board.pk, actor=owner, email=admin_user.email, role=Role.MEMBER)
    before = board_snapshot(board.pk)

    page = admin_client.get(admin_url(board, "change"))
    response = admin_client.post(admin_url(board, "change"), {"title": "Mine now"})

    assert page.status_code == 200
    assert page.context["title"] == "View board"
    assert response.status_code == 403
    assert board_snapshot(board.pk) == before


def test_a_staff_user_who_is_not_a_member_can_look_but_not_change(admin_client: Client) -> None:
    owner = UserFactory.create()
    board = services.board_create(actor=owner, title="Theirs")
    board_list = BoardList.objects.filter(board=board).first()
    assert board_list is not None
    before = board_snapshot(board.pk)

    page = admin_client.get(admin_url(board, "change"))
    changes = [
        admin_client.post(admin_url(board, "change"), {"title": "Mine now"}),
        admin_client.post(admin_url(board_list, "change"), {"title": "Mine now"}),
        admin_client.post(admin_url(board, "delete"), {"post": "yes"}),
    ]

    assert page.status_code == 200
    assert 'name="title"' not in page.content.decode()
    assert [response.status_code for response in changes] == [403, 403, 403]
    assert board_snapshot(board.pk) == before


def test_deleting_a_board_goes_through_the_service(
    admin_client: Client, admin_user: User, owned_board: Board
) -> None:
    board_list = BoardList.objects.filter(board=owned_board).first()
    assert board_list is not None
    task_services.task_create(board=owned_board, actor=admin_user, list_id=board_list.pk, title="T")

    confirmation = admin_client.get(admin_url(owned_board, "delete"))
    response = admin_client.post(admin_url(owned_board, "delete"), {"post": "yes"})

    assert dict(confirmation.context["model_count"]) == {
        "boards": 1,
        "lists": 3,
        "tasks": 1,
        "memberships": 2,
        "labels": 6,
        "activities": 3,
    }
    assert response.status_code == 302
    assert Board.objects.filter(pk=owned_board.pk).exists() is False
    assert Activity.objects.filter(board_id=owned_board.pk).exists() is False


def test_only_the_owner_may_delete_a_board(admin_client: Client, admin_user: User) -> None:
    owner = UserFactory.create()
    board = services.board_create(actor=owner, title="Theirs")
    services.member_add(board_id=board.pk, actor=owner, email=admin_user.email, role=Role.ADMIN)
    before = board_snapshot(board.pk)

    response = admin_client.post(admin_url(board, "delete"), {"post": "yes"})

    assert response.status_code == 403
    assert board_snapshot(board.pk) == before


# Memberships


def test_adding_a_membership_uses_member_add(
    admin_client: Client, admin_user: User, owned_board: Board
) -> None:
    carol = UserFactory.create()

    response = admin_client.post(
        admin_url(Membership, "add"), {"board": owned_board.pk, "user": carol.pk, "role": "viewer"}
    )

    assert response.status_code == 302
    assert Membership.objects.get(board=owned_board, user=carol).role == "viewer"
    assert activities(owned_board)[-1] == (3, "member.added", admin_user.pk)


def test_adding_a_membership_of_an_unverified_account_is_refused_on_the_form(
    admin_client: Client, owned_board: Board
) -> None:
    carol = UserFactory.create(email_verified=False)
    before = board_snapshot(owned_board.pk)

    response = admin_client.post(
        admin_url(Membership, "add"), {"board": owned_board.pk, "user": carol.pk, "role": "viewer"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"] == [
        "This account's email address is not verified. Add them by email on the board's members "
        "page: they get an invitation at that address."
    ]
    assert board_snapshot(owned_board.pk) == before
    assert not Invitation.objects.exists()


def test_a_membership_on_a_board_where_the_staff_user_has_no_role_is_refused_on_the_form(
    admin_client: Client,
) -> None:
    owner = UserFactory.create()
    board = services.board_create(actor=owner, title="Theirs")
    carol = UserFactory.create()
    before = board_snapshot(board.pk)

    response = admin_client.post(
        admin_url(Membership, "add"), {"board": board.pk, "user": carol.pk, "role": "member"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Board not found. Admin edits act with your own role on the board."
    ]
    assert board_snapshot(board.pk) == before


def test_removing_the_owner_is_refused_with_a_message(admin_client: Client, admin_user: User) -> None:
    owner = UserFactory.create()
    board = services.board_create(actor=owner, title="Theirs")
    services.member_add(board_id=board.pk, actor=owner, email=admin_user.email, role=Role.ADMIN)
    owners_row = Membership.objects.get(board=board, user=owner)
    before = board_snapshot(board.pk)

    response = admin_client.post(admin_url(owners_row, "delete"), {"post": "yes"}, follow=True)

    assert response.redirect_chain == [(admin_url(owners_row, "change"), 302)]
    assert messages_of(response) == [
        f"Not deleted. Membership “{owners_row}”: The owner can't be removed from the board."
    ]
    assert board_snapshot(board.pk) == before


def test_a_bulk_delete_is_all_or_nothing(admin_client: Client, admin_user: User, bob: User) -> None:
    owner = UserFactory.create()
    board = services.board_create(actor=owner, title="Theirs")
    services.member_add(board_id=board.pk, actor=owner, email=admin_user.email, role=Role.ADMIN)
    services.member_add(board_id=board.pk, actor=owner, email=bob.email, role=Role.MEMBER)
    selected = Membership.objects.filter(board=board, user__in=[owner, bob]).order_by("-id")
    before = board_snapshot(board.pk)

    response = admin_client.post(
        admin_url(Membership),
        {"action": "delete_selected", "_selected_action": [m.pk for m in selected], "post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    [message] = messages_of(response)
    assert message.startswith("Nothing was deleted. Membership “")
    assert message.endswith("”: The owner can't be removed from the board.")
    assert board_snapshot(board.pk) == before
    assert LogEntry.objects.count() == 0


def test_a_bulk_delete_removes_each_through_the_service(
    admin_client: Client, admin_user: User, owned_board: Board, bob: User
) -> None:
    carol = UserFactory.create()
    services.member_add(board_id=owned_board.pk, actor=admin_user, email=carol.email, role=Role.VIEWER)
    selected = Membership.objects.filter(board=owned_board, user__in=[bob, carol])

    response = admin_client.post(
        admin_url(Membership),
        {"action": "delete_selected", "_selected_action": [m.pk for m in selected], "post": "yes"},
    )

    assert response.status_code == 302
    assert list(Membership.objects.filter(board=owned_board).values_list("user_id", flat=True)) == [
        admin_user.pk
    ]
    assert [verb for _, verb, _ in activities(owned_board)][-2:] == ["member.removed", "member.removed"]
    assert LogEntry.objects.count() == 2


def test_the_transfer_action_makes_the_member_the_owner(
    admin_client: Client, admin_user: User, owned_board: Board, bob: User
) -> None:
    bobs_row = Membership.objects.get(board=owned_board, user=bob)

    response = admin_client.post(
        admin_url(Membership),
        {"action": "transfer_ownership", "_selected_action": [bobs_row.pk]},
        follow=True,
    )

    assert messages_of(response) == [f"{bob} now owns “Launch”."]
    assert sorted(Membership.objects.filter(board=owned_board).values_list("user_id", "role")) == sorted(
        [(admin_user.pk, "admin"), (bob.pk, "owner")]
    )
    assert [verb for _, verb, _ in activities(owned_board)][-2:] == [
        "member.role_changed",
        "member.role_changed",
    ]


def test_the_owners_role_is_not_editable_and_owner_is_not_offered(
    admin_client: Client, admin_user: User, owned_board: Board, bob: User
) -> None:
    owner_page = admin_client.get(
        admin_url(Membership.objects.get(board=owned_board, user=admin_user), "change")
    )
    bob_page = admin_client.get(admin_url(Membership.objects.get(board=owned_board, user=bob), "change"))

    assert owner_page.context["adminform"].form.fields["role"].disabled is True
    assert [value for value, _ in bob_page.context["adminform"].form.fields["role"].choices] == [
        "admin",
        "member",
        "viewer",
    ]


# Invitations, lists, labels


def test_deleting_an_invitation_revokes_it(
    admin_client: Client, admin_user: User, owned_board: Board
) -> None:
    invitation = services.member_add(
        board_id=owned_board.pk, actor=admin_user, email="new@example.com", role="member"
    )
    assert isinstance(invitation, Invitation)
    version = Board.objects.get(pk=owned_board.pk).version

    page = admin_client.get(admin_url(invitation, "change"))
    response = admin_client.post(admin_url(invitation, "delete"), {"post": "yes"})

    assert "token_hash" not in page.content.decode()
    assert response.status_code == 302
    assert Invitation.objects.filter(pk=invitation.pk).exists() is False
    assert Board.objects.get(pk=owned_board.pk).version == version + 1


def test_a_list_edit_goes_through_the_service(
    admin_client: Client, admin_user: User, owned_board: Board
) -> None:
    board_list = BoardList.objects.filter(board=owned_board).order_by("position").first()
    assert board_list is not None

    response = admin_client.post(admin_url(board_list, "change"), {"title": "Ideas", "wip_limit": "2"})

    assert response.status_code == 302
    board_list.refresh_from_db()
    assert (board_list.title, board_list.wip_limit) == ("Ideas", 2)
    assert activities(owned_board)[-1] == (3, "list.updated", admin_user.pk)


def test_adding_a_list_and_a_label(admin_client: Client, admin_user: User, owned_board: Board) -> None:
    list_response = admin_client.post(
        admin_url(BoardList, "add"), {"board": owned_board.pk, "title": "Later"}
    )
    label_response = admin_client.post(
        admin_url(Label, "add"), {"board": owned_board.pk, "name": "ux", "color": "#00AA00"}
    )

    assert (list_response.status_code, label_response.status_code) == (302, 302)
    assert BoardList.objects.filter(board=owned_board).order_by("-position").values_list("title", flat=True)[
        0
    ] == ("Later")
    assert list(Label.objects.filter(board=owned_board, name="ux").values_list("name", "color")) == [
        ("ux", "#00aa00")
    ]
    assert [verb for _, verb, _ in activities(owned_board)][-2:] == ["list.created", "label.created"]


def test_a_bad_color_is_refused_on_the_form(admin_client: Client, owned_board: Board) -> None:
    before = board_snapshot(owned_board.pk)

    response = admin_client.post(
        admin_url(Label, "add"), {"board": owned_board.pk, "name": "ux", "color": "red"}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"color": ["Enter a color as #rrggbb."]}
    assert board_snapshot(owned_board.pk) == before


# XSS


def test_titles_and_names_are_escaped(admin_client: Client, admin_user: User) -> None:
    board = services.board_create(actor=admin_user, title=XSS, description=XSS)
    label = services.label_create(board_id=board.pk, actor=admin_user, name="<b>x</b>", color="#ff0000")
    board_list = services.list_create(board_id=board.pk, actor=admin_user, title=XSS)

    pages = [
        admin_client.get(url).content.decode()
        for url in (
            admin_url(Board),
            admin_url(board, "change"),
            admin_url(board, "delete"),
            admin_url(BoardList),
            admin_url(board_list, "change"),
            admin_url(Label),
            admin_url(label, "change"),
        )
    ]

    for html in pages:
        assert XSS not in html
        assert "<b>x</b>" not in html
    assert all(XSS_ESCAPED in html for html in pages[:5])
