"""The fragments the board page fetches to apply live events (live/views.py): one
card, one column, the column counters. Members of any role read them; anyone else gets
404, as for the board page."""

import re
from html import unescape

import pytest
from django.test import Client

from boards.tests.factories import BoardListFactory, BoardWithRoles, board_with_roles
from tasks.board_page import CARDS_PER_LIST
from tasks.models import Priority
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles() -> BoardWithRoles:
    return board_with_roles(title="Launch")


def card_titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'class="task-card-title"[^>]*>([^<]*)</a>', html)]


# One card


def test_the_card_fragment_is_the_card_as_the_board_page_renders_it(
    client: Client, roles: BoardWithRoles
) -> None:
    board_list = BoardListFactory.create(board=roles.board)
    task = TaskFactory.create(list=board_list, title="Fix <it>", position=300, comment_count=2)
    client.force_login(roles.member)

    fragment = client.get(f"/boards/{roles.board.pk}/cards/{task.pk}/")
    page = client.get(f"/boards/{roles.board.pk}/").content.decode()

    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert html.startswith(
        f'<article class="task-card movable" id="card-{task.pk}" data-task-id="{task.pk}" '
        f'data-list-id="{board_list.pk}" data-position="300">'
    )
    assert card_titles(html) == ["Fix <it>"]
    assert html.strip() in page


def test_a_viewer_reads_the_card_fragment_without_edit_controls(
    client: Client, roles: BoardWithRoles
) -> None:
    task = TaskFactory.create(list__board=roles.board, title="Read me")
    client.force_login(roles.viewer)

    response = client.get(f"/boards/{roles.board.pk}/cards/{task.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert card_titles(html) == ["Read me"]
    assert "movable" not in html
    assert "card-move" not in html


def test_the_card_fragment_is_404_for_non_members_and_for_a_card_of_another_board(
    client: Client, roles: BoardWithRoles
) -> None:
    task = TaskFactory.create(list__board=roles.board)
    elsewhere = TaskFactory.create()
    client.force_login(roles.outsider)
    assert client.get(f"/boards/{roles.board.pk}/cards/{task.pk}/").status_code == 404

    client.force_login(roles.member)
    assert client.get(f"/boards/{roles.board.pk}/cards/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/boards/{roles.board.pk}/cards/999999/").status_code == 404


def test_the_card_fragment_is_204_when_the_pages_filters_hide_the_card(
    client: Client, roles: BoardWithRoles
) -> None:
    task = TaskFactory.create(list__board=roles.board, title="Quiet", priority=Priority.LOW)
    client.force_login(roles.member)

    hidden = client.get(f"/boards/{roles.board.pk}/cards/{task.pk}/?priority=urgent")
    shown = client.get(f"/boards/{roles.board.pk}/cards/{task.pk}/?priority=low&q=qui")

    assert hidden.status_code == 204
    assert hidden.content == b""
    assert shown.status_code == 200
    assert card_titles(shown.content.decode()) == ["Quiet"]


def test_strangers_are_sent_to_log_in(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board)

    for path in (
        f"/boards/{roles.board.pk}/cards/{task.pk}/",
        f"/boards/{roles.board.pk}/lists/{task.list_id}/",
        f"/boards/{roles.board.pk}/counts/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/"), path


# One column


def test_the_column_fragment_has_the_header_and_the_first_cards_in_order(
    client: Client, roles: BoardWithRoles
) -> None:
    board_list = BoardListFactory.create(board=roles.board, title="Doing", wip_limit=3)
    for n in range(CARDS_PER_LIST + 2):
        TaskFactory.create(list=board_list, title=f"Card {n}", position=(CARDS_PER_LIST + 2 - n) * 100)
    client.force_login(roles.member)

    response = client.get(f"/boards/{roles.board.pk}/lists/{board_list.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert re.match(
        rf'<section class="column at-limit" id="list-{board_list.pk}" data-list-id="{board_list.pk}" '
        rf'data-position="{board_list.position}"',
        html.strip(),
    )
    assert '<h2 class="column-title" id="list-title-' in html
    assert ">Doing</button></h2>" in html
    assert '<span data-count>22</span> / 3<span class="wip-note"> · full</span>' in html
    assert card_titles(html) == [f"Card {n}" for n in range(CARDS_PER_LIST + 1, 1, -1)]
    assert "Show more cards (22 in all)" in html


def test_the_column_fragment_follows_the_filters(client: Client, roles: BoardWithRoles) -> None:
    board_list = BoardListFactory.create(board=roles.board)
    TaskFactory.create(list=board_list, title="Alpha", priority=Priority.URGENT)
    TaskFactory.create(list=board_list, title="Beta", priority=Priority.LOW)
    client.force_login(roles.viewer)

    html = client.get(f"/boards/{roles.board.pk}/lists/{board_list.pk}/?priority=urgent").content.decode()

    assert card_titles(html) == ["Alpha"]
    assert "<span data-count>2</span>" in html
    assert "add-card" not in html


def test_the_column_fragment_is_404_for_non_members_and_for_a_list_of_another_board(
    client: Client, roles: BoardWithRoles
) -> None:
    board_list = BoardListFactory.create(board=roles.board)
    elsewhere = BoardListFactory.create()
    client.force_login(roles.outsider)
    assert client.get(f"/boards/{roles.board.pk}/lists/{board_list.pk}/").status_code == 404

    client.force_login(roles.member)
    assert client.get(f"/boards/{roles.board.pk}/lists/{elsewhere.pk}/").status_code == 404


# Counters


def test_the_counts_are_every_lists_number_of_cards_in_order(client: Client, roles: BoardWithRoles) -> None:
    first = BoardListFactory.create(board=roles.board, position=100, wip_limit=2)
    second = BoardListFactory.create(board=roles.board, position=200)
    TaskFactory.create_batch(2, list=first)
    TaskFactory.create(list=second)
    client.force_login(roles.viewer)

    response = client.get(f"/boards/{roles.board.pk}/counts/")

    assert response.status_code == 200
    assert response.json() == {
        "lists": [
            {"id": first.pk, "total": 2, "wip_limit": 2, "at_limit": True},
            {"id": second.pk, "total": 1, "wip_limit": None, "at_limit": False},
        ]
    }


def test_the_counts_are_404_for_non_members(client: Client, roles: BoardWithRoles) -> None:
    client.force_login(roles.outsider)

    assert client.get(f"/boards/{roles.board.pk}/counts/").status_code == 404
