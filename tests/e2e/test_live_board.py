"""Two people on one board, the app under uvicorn (pages and WebSockets): what one does
shows up on the other's screen without a reload."""

from typing import Any

from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from boards import services as board_services

from .conftest import wait_until_ready


def test_a_card_added_by_one_member_appears_on_the_other_members_board(
    new_context: Any, asgi_server: Any, pg_cluster: Any
) -> None:
    owner = UserFactory.create(name="Olive Owner")
    member = UserFactory.create(name="Max Member")
    board = board_services.board_create(actor=owner, title="Together")
    board_services.member_add(board=board, actor=owner, email=member.email, role="member")
    pg_cluster.replica.wait_for_catchup()
    watching = new_context(member, base_url=asgi_server.http_url).new_page()
    watching.goto(f"/boards/{board.pk}/")
    wait_until_ready(watching)
    acting = new_context(owner, base_url=asgi_server.http_url).new_page()
    acting.goto(f"/boards/{board.pk}/")
    wait_until_ready(acting)

    field = acting.locator("#board-columns .column").first.locator(".add-card input[name=title]")
    field.fill("Fresh from the other screen")
    field.press("Enter")

    expect(watching.locator(".task-card-title", has_text="Fresh from the other screen")).to_be_visible()
