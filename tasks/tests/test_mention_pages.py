"""The card's pages and mentions: the fragment gives the mention box the board's members
(only to those who can write), and the description's preview shows members' names."""

import json
import re

import pytest
from django.test import Client

from boards.tests.factories import BoardWithRoles, board_with_roles
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
MEMBERS = re.compile(r'<div id="mention-members" hidden data-members="([^"]*)"></div>')


@pytest.fixture
def roles() -> BoardWithRoles:
    given = board_with_roles(title="Launch")
    given.admin.name = "Erin Example"
    given.admin.email = "erin@example.com"
    given.admin.save()
    return given


def embedded_members(html: str) -> dict[str, object] | None:
    found = MEMBERS.search(html)
    if found is None:
        return None
    return json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&"))


def test_the_card_gives_a_member_the_boards_members(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board)
    client.force_login(roles.member)

    response = client.get(f"/tasks/{task.pk}/", headers=HTMX)

    assert response.status_code == 200
    data = embedded_members(response.content.decode())
    assert data is not None
    assert data["complete"] is True
    people = {member["email"]: member for member in data["members"]}  # type: ignore[attr-defined]
    assert set(people) == {u.email for u in (roles.owner, roles.admin, roles.member, roles.viewer)}
    assert people["erin@example.com"] == {
        "id": roles.admin.pk,
        "name": "Erin Example",
        "email": "erin@example.com",
        "initials": "EE",
        "tone": f"tone-{roles.admin.pk % 8}",
    }
    assert 'data-mentions=""' in response.content.decode()


def test_a_viewer_who_cannot_write_gets_no_member_list(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board)
    client.force_login(roles.viewer)

    response = client.get(f"/tasks/{task.pk}/")

    assert response.status_code == 200
    assert embedded_members(response.content.decode()) is None


def test_the_preview_shows_a_members_name_on_their_board_only(client: Client, roles: BoardWithRoles) -> None:
    client.force_login(roles.member)
    other = board_with_roles(title="Elsewhere").board
    text = "For @erin@example.com"

    on_board = client.post(
        "/tasks/preview/", {"description": text, "board_id": str(roles.board.pk)}, headers=HTMX
    )
    elsewhere = client.post("/tasks/preview/", {"description": text, "board_id": str(other.pk)}, headers=HTMX)
    nowhere = client.post("/tasks/preview/", {"description": text, "board_id": "x"}, headers=HTMX)

    assert on_board.content.decode().strip() == (
        '<p>For <span class="mention" title="erin@example.com">@Erin Example</span></p>'
    )
    assert elsewhere.content.decode().strip() == "<p>For @erin@example.com</p>"
    assert nowhere.content.decode().strip() == "<p>For @erin@example.com</p>"
