"""The board pages: what each role sees, what the forms do, and that invalid input changes
nothing and says why next to the field."""

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from boards import services
from boards.models import Board, BoardList, Invitation, Label, Membership, Role
from boards.tests.factories import BoardListFactory, LabelFactory, board_with_roles
from boards.tests.snapshots import board_snapshot
from tasks.board_page import CARDS_PER_LIST
from tasks.models import Task
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def field_errors(html: str, field_id: str) -> list[str]:
    """The messages of the error list that belongs to the field with this id."""
    match = re.search(rf'<ul class="errorlist" id="{field_id}_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def card_titles(html: str, list_id: int) -> list[str]:
    match = re.search(
        rf'<div class="cards" id="cards-{list_id}"[^>]*>(.*?)</div>\s*<div class="more"', html, re.S
    )
    assert match, f"no cards container for list {list_id}"
    titles = re.findall(
        r'class="task-card-title"[^>]*>(?:<span[^>]*>[^<]*</span>)?([^<]*)</a>', match.group(1)
    )
    return [unescape(title) for title in titles]


def login(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]
    return client


# My boards


def test_boards_page_lists_my_active_boards_and_archived_on_request(client: Client) -> None:
    roles = board_with_roles(title="Launch")
    archived = board_with_roles(title="Old stuff", archived=True)
    Membership.objects.create(board=archived.board, user=roles.member, role=Role.MEMBER)
    board_with_roles(title="Not mine")
    login(client, roles.member)

    active = client.get("/boards/").content.decode()
    old = client.get("/boards/?archived=1").content.decode()

    assert re.findall(r'class="board-tile-title">([^<]*)<', active) == ["Launch"]
    assert re.findall(r'class="board-tile-title">([^<]*)<', old) == ["Old stuff"]


def test_creating_a_board_opens_it_with_the_default_lists(client: Client) -> None:
    user = UserFactory.create()
    login(client, user)

    response = client.post("/boards/", {"title": "  Roadmap ", "description": "Q3"})

    board = Board.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/boards/{board.pk}/"
    assert (board.title, board.description) == ("Roadmap", "Q3")
    assert list(board.lists.order_by("position").values_list("title", flat=True)) == [
        "To do",
        "In progress",
        "Done",
    ]


def test_creating_a_board_without_a_title_shows_the_error_and_creates_nothing(client: Client) -> None:
    login(client, UserFactory.create())

    response = client.post("/boards/", {"title": "   ", "description": ""})

    assert response.status_code == 200
    assert field_errors(response.content.decode(), "id_title") == ["This field is required."]
    assert Board.objects.count() == 0


def test_pages_send_strangers_to_log_in(client: Client) -> None:
    roles = board_with_roles()

    response = client.get(f"/boards/{roles.board.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/boards/{roles.board.pk}/"


# The board


def test_board_shows_lists_in_order_with_their_cards_in_order(client: Client) -> None:
    roles = board_with_roles()
    first, second = BoardListFactory.create_batch(2, board=roles.board)
    TaskFactory.create(list=second, title="B2", position=200)
    TaskFactory.create(list=second, title="B1", position=100)
    TaskFactory.create(list=first, title="A1", position=100)
    login(client, roles.member)

    html = client.get(f"/boards/{roles.board.pk}/").content.decode()

    assert re.findall(r'class="column-title" id="list-title-\d+">(?:<button[^>]*>)?([^<]*)<', html) == [
        first.title,
        second.title,
    ]
    assert card_titles(html, first.pk) == ["A1"]
    assert card_titles(html, second.pk) == ["B1", "B2"]


def test_a_card_shows_labels_assignee_initials_due_badge_and_comment_count(client: Client) -> None:
    roles = board_with_roles()
    board_list = BoardListFactory.create(board=roles.board)
    label = LabelFactory.create(board=roles.board, name="bug", color="#d03050")
    roles.member.name = "Grace Hopper"
    roles.member.save()
    task = TaskFactory.create(
        list=board_list, title="Fix it", due_at=timezone.now() - timedelta(days=1), comment_count=3
    )
    task.labels.add(label, through_defaults={"board_id": task.board_id})
    task.assignees.add(roles.member, through_defaults={"board_id": task.board_id})
    login(client, roles.member)

    html = client.get(f"/boards/{roles.board.pk}/").content.decode()
    card = re.search(r'<article class="task-card[^"]*"[^>]*>(.*?)</article>', html, re.S)

    assert card
    body = card.group(1)
    assert '<circle cx="5" cy="5" r="5" fill="#d03050"/></svg>bug</li>' in body
    assert re.search(r'<span class="avatar small tone-\d" title="Grace Hopper">GH</span>', body)
    assert 'class="badge due overdue"' in body
    assert re.search(
        r"</svg><span data-comment-count>3</span><span class=\"visually-hidden\"> comments</span>", body
    )


def test_a_viewer_sees_the_board_without_any_edit_control(client: Client) -> None:
    roles = board_with_roles()
    board_list = BoardListFactory.create(board=roles.board)
    TaskFactory.create(list=board_list, title="Read me")
    login(client, roles.viewer)

    html = client.get(f"/boards/{roles.board.pk}/").content.decode()

    assert "Read me" in html
    for control in (
        "data-sortable-cards",
        "data-sortable-lists",
        'class="add-card"',
        'class="add-list"',
        "card-move",
        "column-handle",
        "/edit/",
        "Settings",
        "Sortable.min.js",
    ):
        assert control not in html, control


def test_a_member_gets_drag_and_drop_and_the_inline_forms(client: Client) -> None:
    roles = board_with_roles()
    BoardListFactory.create(board=roles.board)
    login(client, roles.member)

    html = client.get(f"/boards/{roles.board.pk}/").content.decode()

    for control in ("data-sortable-cards", "data-sortable-lists", 'class="add-card"', 'class="add-list"'):
        assert control in html, control
    assert "Settings" not in html  # admin+


def test_a_non_member_gets_the_404_page(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.outsider)

    for path in (
        f"/boards/{roles.board.pk}/",
        f"/boards/{roles.board.pk}/members/",
        f"/boards/{roles.board.pk}/settings/",
        f"/boards/{roles.board.pk}/activity/",
        "/boards/999999/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.content.decode()


def test_a_long_list_renders_its_first_cards_and_loads_the_rest_on_demand(client: Client) -> None:
    roles = board_with_roles()
    board_list = BoardListFactory.create(board=roles.board)
    Task.objects.bulk_create(
        Task(board=roles.board, list=board_list, title=f"T{i}", position=(i + 1) * 10)
        for i in range(CARDS_PER_LIST + 5)
    )
    login(client, roles.member)

    html = client.get(f"/boards/{roles.board.pk}/").content.decode()
    more = re.search(r'hx-get="([^"]*/cards/\?after=\d+)"', html)
    assert more
    rest = client.get(more.group(1).replace("&amp;", "&"), headers=HTMX).content.decode()

    assert card_titles(html, board_list.pk) == [f"T{i}" for i in range(CARDS_PER_LIST)]
    assert re.findall(r'class="task-card-title"[^>]*>([^<]*)</a>', rest) == [
        f"T{i}" for i in range(CARDS_PER_LIST, CARDS_PER_LIST + 5)
    ]
    assert f'<div class="more" id="more-{board_list.pk}" hx-swap-oob="true"></div>' in rest


def test_the_board_page_query_count_does_not_grow_with_lists_or_tasks(client: Client) -> None:
    roles = board_with_roles()
    label = LabelFactory.create(board=roles.board)

    def add_lists(count: int) -> None:
        for _ in range(count):
            board_list = BoardListFactory.create(board=roles.board)
            for _ in range(3):
                task = TaskFactory.create(list=board_list, created_by=roles.member)
                task.labels.add(label, through_defaults={"board_id": task.board_id})
                task.assignees.add(roles.member, through_defaults={"board_id": task.board_id})

    login(client, roles.member)
    add_lists(1)
    with CaptureQueriesContext(connection) as small:
        client.get(f"/boards/{roles.board.pk}/")
    add_lists(4)
    with CaptureQueriesContext(connection) as large:
        response = client.get(f"/boards/{roles.board.pk}/")

    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_filters_run_on_the_server(client: Client) -> None:
    roles = board_with_roles()
    board_list = BoardListFactory.create(board=roles.board)
    label = LabelFactory.create(board=roles.board, name="bug")
    mine = TaskFactory.create(list=board_list, title="Mine to fix", priority=4)
    mine.assignees.add(roles.member, through_defaults={"board_id": mine.board_id})
    mine.labels.add(label, through_defaults={"board_id": mine.board_id})
    TaskFactory.create(list=board_list, title="Someone else's", priority=4)
    TaskFactory.create(list=board_list, title="Overdue thing", due_at=timezone.now() - timedelta(hours=1))
    login(client, roles.member)
    url = f"/boards/{roles.board.pk}/"

    def titles(query: str) -> list[str]:
        return card_titles(client.get(f"{url}?{query}").content.decode(), board_list.pk)

    assert titles("assignee=me") == ["Mine to fix"]
    assert titles(f"assignee={roles.member.pk}") == ["Mine to fix"]
    assert titles(f"label={label.pk}") == ["Mine to fix"]
    assert titles("priority=urgent") == ["Mine to fix", "Someone else's"]
    assert titles("due=overdue") == ["Overdue thing"]
    assert titles("q=fix") == ["Mine to fix"]
    assert titles("priority=bogus&label=abc") == ["Mine to fix", "Someone else's", "Overdue thing"]


# Lists


def test_adding_a_list_inline_returns_its_column(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.member)

    response = client.post(
        f"/boards/{roles.board.pk}/lists/",
        {"new-list-title": "Review", "new-list-wip_limit": ""},
        headers=HTMX,
    )

    board_list = BoardList.objects.get(board=roles.board)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-swap-oob="beforeend:#board-columns"' in html
    assert f'id="list-{board_list.pk}"' in html
    assert board_list.title == "Review"


def test_adding_a_list_without_a_title_shows_the_error_and_adds_nothing(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.member)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/boards/{roles.board.pk}/lists/", {"new-list-title": ""}, headers=HTMX)

    assert response.status_code == 200
    assert field_errors(response.content.decode(), "id_new-list-title") == ["This field is required."]
    assert board_snapshot(roles.board.pk) == before


def test_editing_a_list_with_a_bad_wip_limit_shows_the_error_and_changes_nothing(client: Client) -> None:
    roles = board_with_roles()
    board_list = BoardListFactory.create(board=roles.board, title="Doing")
    login(client, roles.member)
    before = board_snapshot(roles.board.pk)
    prefix = f"list-{board_list.pk}"

    response = client.post(
        f"/lists/{board_list.pk}/edit/",
        {f"{prefix}-title": "Doing", f"{prefix}-wip_limit": "0"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert field_errors(response.content.decode(), f"id_{prefix}-wip_limit") == [
        "Ensure this value is greater than or equal to 1."
    ]
    assert board_snapshot(roles.board.pk) == before


def test_editing_a_list_sets_its_wip_limit(client: Client) -> None:
    roles = board_with_roles()
    board_list = BoardListFactory.create(board=roles.board, title="Doing")
    login(client, roles.member)
    prefix = f"list-{board_list.pk}"

    response = client.post(
        f"/lists/{board_list.pk}/edit/", {f"{prefix}-title": "Doing now", f"{prefix}-wip_limit": "3"}
    )

    board_list.refresh_from_db()
    assert response.status_code == 303
    assert (board_list.title, board_list.wip_limit) == ("Doing now", 3)


def test_moving_a_list_by_drag_and_drop(client: Client) -> None:
    roles = board_with_roles()
    first, second, third = BoardListFactory.create_batch(3, board=roles.board)
    login(client, roles.member)

    response = client.post(f"/lists/{third.pk}/move/", {"index": "0"})

    assert response.status_code == 200
    assert list(
        BoardList.objects.filter(board=roles.board).order_by("position").values_list("pk", flat=True)
    ) == [
        third.pk,
        first.pk,
        second.pk,
    ]


def test_a_viewer_cannot_move_a_list(client: Client) -> None:
    roles = board_with_roles()
    _first, second = BoardListFactory.create_batch(2, board=roles.board)
    login(client, roles.viewer)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/lists/{second.pk}/move/", {"index": "0"})

    assert response.status_code == 403
    assert response.json() == {"error": {"message": "Your role on this board does not allow this."}}
    assert board_snapshot(roles.board.pk) == before


def list_ids(board: Board) -> list[int]:
    return list(BoardList.objects.filter(board=board).order_by("position").values_list("pk", flat=True))


def test_move_list_offers_every_position_and_moves_the_list_there(client: Client) -> None:
    roles = board_with_roles()
    first, second, third = BoardListFactory.create_batch(3, board=roles.board)
    login(client, roles.member)

    form = client.get(f"/lists/{first.pk}/move-to/", headers=HTMX)
    response = client.post(f"/lists/{first.pk}/move-to/", {"position": "3"}, headers=HTMX)

    html = unescape(form.content.decode())
    assert re.findall(r"<option [^>]*>([^<]*)</option>", html) == [
        "1 of 3 (current position)",
        f"2 of 3 (where “{second.title}” is)",
        "3 of 3 (last)",
    ]
    assert response.status_code == 204
    assert list_ids(roles.board) == [second.pk, third.pk, first.pk]
    trigger = json.loads(response["HX-Trigger"])["listMoved"]
    assert trigger["id"] == first.pk
    assert trigger["message"] == f"Moved list “{first.title}” to position 3 of 3."
    assert [each["id"] for each in trigger["lists"]] == [second.pk, third.pk, first.pk]


def test_move_list_to_a_position_that_does_not_exist_says_so_and_moves_nothing(client: Client) -> None:
    roles = board_with_roles()
    first, _second = BoardListFactory.create_batch(2, board=roles.board)
    login(client, roles.member)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/lists/{first.pk}/move-to/", {"position": "3"})

    assert response.status_code == 200
    assert field_errors(unescape(response.content.decode()), "id_position") == [
        "Select a valid choice. 3 is not one of the available choices."
    ]
    assert board_snapshot(roles.board.pk) == before


def test_a_viewer_gets_no_move_list_form(client: Client) -> None:
    roles = board_with_roles()
    board_list = BoardListFactory.create(board=roles.board)
    login(client, roles.viewer)

    response = client.get(f"/lists/{board_list.pk}/move-to/")

    assert response.status_code == 403
    assert 'name="position"' not in response.content.decode()


def test_deleting_a_list_deletes_its_cards(client: Client) -> None:
    roles = board_with_roles()
    board_list = BoardListFactory.create(board=roles.board)
    TaskFactory.create(list=board_list)
    login(client, roles.member)

    response = client.post(f"/lists/{board_list.pk}/delete/")

    assert response.status_code == 303
    assert not BoardList.objects.filter(pk=board_list.pk).exists()
    assert Task.objects.filter(board=roles.board).count() == 0


# Members and invitations


def test_members_page_offers_management_to_admins_only(client: Client) -> None:
    roles = board_with_roles()

    admin_html = login(Client(), roles.admin).get(f"/boards/{roles.board.pk}/members/").content.decode()
    member_html = login(client, roles.member).get(f"/boards/{roles.board.pk}/members/").content.decode()

    assert "Invite someone" in admin_html
    assert "Pending invitations" in admin_html
    assert 'name="role"' in admin_html
    assert "Invite someone" not in member_html
    assert 'name="role"' not in member_html
    assert "Leave board" in member_html
    assert member_html.count('class="row member-row"') == 4


def test_inviting_someone_with_an_account_makes_them_a_member(client: Client) -> None:
    roles = board_with_roles()
    friend = UserFactory.create(email="friend@example.com")
    login(client, roles.admin)

    response = client.post(
        f"/boards/{roles.board.pk}/members/", {"email": "Friend@Example.com", "role": "viewer"}
    )

    assert response.status_code == 303
    assert Membership.objects.get(board=roles.board, user=friend).role == Role.VIEWER


def test_inviting_a_new_address_creates_a_pending_invitation(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.admin)

    client.post(f"/boards/{roles.board.pk}/members/", {"email": "new@example.com", "role": "member"})
    html = client.get(f"/boards/{roles.board.pk}/members/").content.decode()

    invitation = Invitation.objects.get(board=roles.board)
    assert (invitation.email, invitation.role) == ("new@example.com", "member")
    assert "We&#x27;ve emailed an invitation to new@example.com." in html
    assert re.search(r'<span class="row-title">new@example.com</span>', html)


@pytest.mark.parametrize(
    ("data", "field", "errors"),
    [
        ({"email": "not-an-email", "role": "member"}, "id_email", ["Enter a valid email address."]),
        (
            {"email": "x@example.com", "role": "owner"},
            "id_role",
            ["Select a valid choice. owner is not one of the available choices."],
        ),
        (
            {"email": "{member}", "role": "member"},
            "id_email",
            ["This person is already a member of this board."],
        ),
    ],
)
def test_an_invalid_invitation_shows_the_error_and_changes_nothing(
    client: Client, data: dict[str, str], field: str, errors: list[str]
) -> None:
    roles = board_with_roles()
    login(client, roles.admin)
    before = board_snapshot(roles.board.pk)
    data = {key: value.replace("{member}", roles.member.email) for key, value in data.items()}

    response = client.post(f"/boards/{roles.board.pk}/members/", data)

    assert response.status_code == 200
    assert field_errors(response.content.decode(), field) == errors
    assert board_snapshot(roles.board.pk) == before


def test_a_member_cannot_invite(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.member)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/boards/{roles.board.pk}/members/", {"email": "x@example.com", "role": "member"})

    assert response.status_code == 403
    assert board_snapshot(roles.board.pk) == before


def test_an_admin_changes_a_role_and_removes_a_member(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.admin)

    client.post(f"/boards/{roles.board.pk}/members/{roles.viewer.pk}/role/", {"role": "member"})
    client.post(f"/boards/{roles.board.pk}/members/{roles.member.pk}/remove/")

    assert Membership.objects.get(board=roles.board, user=roles.viewer).role == Role.MEMBER
    assert not Membership.objects.filter(board=roles.board, user=roles.member).exists()


def test_a_member_leaves_the_board(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.member)

    response = client.post(f"/boards/{roles.board.pk}/members/{roles.member.pk}/remove/")

    assert response.status_code == 303
    assert response["Location"] == "/boards/"
    assert not Membership.objects.filter(board=roles.board, user=roles.member).exists()


def test_revoking_an_invitation(client: Client) -> None:
    roles = board_with_roles()
    invitation = services.member_add(
        board_id=roles.board.pk, actor=roles.admin, email="n@example.com", role="member"
    )
    login(client, roles.admin)

    response = client.post(f"/boards/{roles.board.pk}/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 303
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def _invite(roles: object, email: str = "newbie@example.com") -> str:
    """Invite by email and return the token from the mail."""
    board = roles.board  # type: ignore[attr-defined]
    admin = roles.admin  # type: ignore[attr-defined]
    invitation = services.member_add(board_id=board.pk, actor=admin, email=email, role="member")
    assert isinstance(invitation, Invitation)
    token = "token-for-" + email
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=services.hash_invitation_token(token))
    return token


def test_the_invitation_page_asks_strangers_to_sign_up_or_log_in(client: Client) -> None:
    roles = board_with_roles(title="Launch")
    token = _invite(roles)

    html = client.get(f"/invitations/{token}/").content.decode()

    assert "Join “Launch”" in html
    assert f'href="/accounts/register/?email=newbie%40example.com&amp;next=/invitations/{token}/"' in html
    assert f'href="/accounts/login/?next=/invitations/{token}/"' in html


def test_signing_up_from_an_invitation_comes_back_to_accept_it(client: Client) -> None:
    roles = board_with_roles(title="Launch")
    token = _invite(roles)
    password = "a long enough passphrase 7"

    signed_up = client.post(
        "/accounts/register/",
        {
            "name": "Newbie",
            "email": "newbie@example.com",
            "password1": password,
            "password2": password,
            "next": f"/invitations/{token}/",
        },
    )
    page = client.get(f"/invitations/{token}/").content.decode()
    accepted = client.post(f"/invitations/{token}/")

    assert signed_up["Location"] == f"/invitations/{token}/"
    assert "Accept and open the board" in page
    assert accepted.status_code == 303
    assert accepted["Location"] == f"/boards/{roles.board.pk}/"
    assert Membership.objects.get(board=roles.board, user__email="newbie@example.com").role == Role.MEMBER
    assert client.get(accepted["Location"]).status_code == 200
    del mail.outbox[:]


def test_a_used_invitation_says_so_and_changes_nothing(client: Client) -> None:
    roles = board_with_roles()
    token = _invite(roles)
    services.invitation_accept(token=token, user=UserFactory.create())
    login(client, UserFactory.create())
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/invitations/{token}/")

    assert response.status_code == 400
    assert "This invitation has already been used." in response.content.decode()
    assert board_snapshot(roles.board.pk) == before


def test_an_unknown_invitation_is_a_404(client: Client) -> None:
    response = client.get("/invitations/nope/")

    assert response.status_code == 404
    assert "This invitation link doesn" in response.content.decode()


# Settings


def test_settings_are_for_admins(client: Client) -> None:
    roles = board_with_roles()

    assert login(Client(), roles.admin).get(f"/boards/{roles.board.pk}/settings/").status_code == 200
    assert login(client, roles.member).get(f"/boards/{roles.board.pk}/settings/").status_code == 403


def test_only_the_owner_sees_transfer_and_delete(client: Client) -> None:
    roles = board_with_roles()

    owner_html = login(Client(), roles.owner).get(f"/boards/{roles.board.pk}/settings/").content.decode()
    admin_html = login(client, roles.admin).get(f"/boards/{roles.board.pk}/settings/").content.decode()

    assert "Transfer ownership" in owner_html
    assert "Delete this board" in owner_html
    assert "Transfer ownership" not in admin_html
    assert "Delete this board" not in admin_html


def test_renaming_the_board(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.admin)

    response = client.post(f"/boards/{roles.board.pk}/settings/", {"title": "New name", "description": "Hi"})

    roles.board.refresh_from_db()
    assert response.status_code == 303
    assert (roles.board.title, roles.board.description) == ("New name", "Hi")


def test_renaming_the_board_to_nothing_shows_the_error_and_changes_nothing(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.admin)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/boards/{roles.board.pk}/settings/", {"title": "", "description": "Hi"})

    assert response.status_code == 200
    assert field_errors(response.content.decode(), "id_title") == ["This field is required."]
    assert board_snapshot(roles.board.pk) == before


def test_labels_are_added_renamed_and_deleted(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.admin)

    client.post(f"/boards/{roles.board.pk}/labels/", {"new-label-name": "bug", "new-label-color": "#FF0000"})
    label = Label.objects.get(board=roles.board)
    client.post(
        f"/labels/{label.pk}/edit/",
        {f"label-{label.pk}-name": "defect", f"label-{label.pk}-color": "#00ff00"},
    )
    label.refresh_from_db()
    renamed = (label.name, label.color)
    client.post(f"/labels/{label.pk}/delete/")

    assert renamed == ("defect", "#00ff00")
    assert not Label.objects.filter(board=roles.board).exists()


@pytest.mark.parametrize(
    ("name", "color", "field", "errors"),
    [
        ("bug", "red", "id_new-label-color", ["Enter a color as #rrggbb."]),
        ("BUG", "#112233", "id_new-label-name", ["A label with this name already exists on this board."]),
        ("", "#112233", "id_new-label-name", ["This field is required."]),
    ],
)
def test_an_invalid_label_shows_the_error_and_changes_nothing(
    client: Client, name: str, color: str, field: str, errors: list[str]
) -> None:
    roles = board_with_roles()
    LabelFactory.create(board=roles.board, name="bug")
    login(client, roles.admin)
    before = board_snapshot(roles.board.pk)

    response = client.post(
        f"/boards/{roles.board.pk}/labels/", {"new-label-name": name, "new-label-color": color}
    )

    assert response.status_code == 200
    assert field_errors(response.content.decode(), field) == errors
    assert board_snapshot(roles.board.pk) == before


def test_archiving_and_unarchiving(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.admin)

    client.post(f"/boards/{roles.board.pk}/archive/", {"archived": "1"})
    roles.board.refresh_from_db()
    archived = roles.board.archived
    client.post(f"/boards/{roles.board.pk}/archive/", {"archived": "0"})
    roles.board.refresh_from_db()

    assert (archived, roles.board.archived) == (True, False)


def test_transferring_ownership(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.owner)

    response = client.post(f"/boards/{roles.board.pk}/transfer/", {"transfer-user_id": str(roles.member.pk)})

    assert response.status_code == 303
    roles_now = dict(Membership.objects.filter(board=roles.board).values_list("user_id", "role"))
    assert (roles_now[roles.member.pk], roles_now[roles.owner.pk]) == (Role.OWNER, Role.ADMIN)


def test_transferring_to_nobody_shows_the_error_and_changes_nothing(client: Client) -> None:
    roles = board_with_roles()
    login(client, roles.owner)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/boards/{roles.board.pk}/transfer/", {"transfer-user_id": ""})

    assert response.status_code == 200
    assert field_errors(response.content.decode(), "id_transfer-user_id") == ["This field is required."]
    assert board_snapshot(roles.board.pk) == before


def test_deleting_the_board_needs_its_title(client: Client) -> None:
    roles = board_with_roles(title="Launch")
    login(client, roles.owner)
    before = board_snapshot(roles.board.pk)

    refused = client.post(f"/boards/{roles.board.pk}/delete/", {"confirm_title": "Lunch"})
    unchanged = board_snapshot(roles.board.pk)
    deleted = client.post(f"/boards/{roles.board.pk}/delete/", {"confirm_title": "Launch"})

    assert refused.status_code == 200
    assert field_errors(refused.content.decode(), "id_confirm_title") == [
        "That is not the title of this board."
    ]
    assert unchanged == before
    assert deleted.status_code == 303
    assert not Board.objects.filter(pk=roles.board.pk).exists()


def test_an_admin_cannot_delete_the_board(client: Client) -> None:
    roles = board_with_roles(title="Launch")
    login(client, roles.admin)

    response = client.post(f"/boards/{roles.board.pk}/delete/", {"confirm_title": "Launch"})

    assert response.status_code == 403
    assert Board.objects.filter(pk=roles.board.pk).exists()


# Activity


def test_the_activity_panel_lists_what_happened_newest_first(client: Client) -> None:
    user = UserFactory.create(name="Ada")
    board = services.board_create(actor=user, title="Launch", list_titles=["Todo"])
    services.label_create(board_id=board.pk, actor=user, name="bug", color="#ff0000")
    login(client, user)

    html = client.get(f"/boards/{board.pk}/activity/", headers=HTMX).content.decode()

    sentences = [
        re.sub(r"\s+", " ", sentence).strip()
        for sentence in re.findall(r'<span class="activity-actor">Ada</span>(.*?)<br>', html, re.S)
    ]
    assert sentences == ["added the label “bug”", "created the board"]
