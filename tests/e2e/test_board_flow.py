"""What a new user does in a browser, end to end: sign up, make a board, drag cards and
lists, edit and comment a card, invite someone by email, who signs up from the mail and
sees the board; a viewer sees no edit controls; a stranger gets the 404 page."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from boards import services as board_services
from boards.models import Board, Membership, Role

from .conftest import PHONE, drag, wait_until_ready

pytestmark = [pytest.mark.celery]
PASSWORD = "a long enough passphrase 7"


def column_titles(page: Any) -> list[str]:
    return page.locator("#board-columns .column-title").all_inner_texts()


def card_titles(page: Any, list_title: str) -> list[str]:
    return column(page, list_title).locator(".task-card-title").all_inner_texts()


def column(page: Any, list_title: str) -> Any:
    return page.locator("#board-columns .column").filter(
        has=page.locator(".column-title", has_text=re.compile(f"^{re.escape(list_title)}$"))
    )


def add_card(page: Any, list_title: str, title: str) -> None:
    field = column(page, list_title).locator(".add-card input[name=title]")
    field.fill(title)
    field.press("Enter")
    expect(column(page, list_title).locator(".task-card-title", has_text=title)).to_be_visible()


def test_a_new_user_runs_a_board_and_invites_a_member(
    new_context: Any, live_server: Any, mailbox: Any, celery_worker: Any, pg_cluster: Any, screenshot: Any
) -> None:
    page = new_context().new_page()

    # Sign up: straight to the dashboard.
    page.goto("/accounts/register/")
    page.fill("#id_name", "Ada Lovelace")
    page.fill("#id_email", "ada@example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Welcome, Ada Lovelace")

    # Create a board: it opens with the default lists.
    page.goto("/boards/")
    page.fill("#id_title", "Launch plan")
    page.click("#new-board button[type=submit]")
    expect(page.locator("h1.board-title")).to_have_text("Launch plan")
    wait_until_ready(page)
    assert column_titles(page) == ["To do", "In progress", "Done"]
    board_url = page.url

    # Add a list and cards inline.
    page.fill(".add-list input[type=text]", "Review")
    page.press(".add-list input[type=text]", "Enter")
    expect(page.locator("#board-columns .column-title", has_text="Review")).to_be_visible()
    for title in ("Write the spec", "Design the logo", "Ship it"):
        add_card(page, "To do", title)

    # Drag a card to another list, and the last list to the front.
    with page.expect_response(re.compile(r"/tasks/\d+/drop/$")) as dropped:
        drag(
            page,
            column(page, "To do").locator(".task-card", has_text="Design the logo"),
            column(page, "In progress").locator(".cards"),
        )
    assert dropped.value.status == 200
    with page.expect_response(re.compile(r"/lists/\d+/move/$")) as moved:
        drag(page, column(page, "Review").locator(".column-handle"), column(page, "To do"), dx=-100)
    assert moved.value.status == 200

    # Reload: the server kept both orders.
    page.reload()
    wait_until_ready(page)
    assert column_titles(page) == ["Review", "To do", "In progress", "Done"]
    assert card_titles(page, "To do") == ["Write the spec", "Ship it"]
    assert card_titles(page, "In progress") == ["Design the logo"]
    screenshot(page, "flow-board-desktop")

    # The keyboard way: "Move to…" on the card, a list, Enter.
    column(page, "To do").locator(".task-card", has_text="Ship it").locator(".card-move").focus()
    page.keyboard.press("Enter")
    move_dialog = page.locator("#task-dialog")
    expect(move_dialog.locator("#id_list_id")).to_be_visible()
    move_dialog.locator("#id_list_id").select_option(label="Done")
    move_dialog.locator("#id_position").press("Enter")
    expect(move_dialog).to_be_hidden()
    expect(column(page, "Done").locator(".task-card-title")).to_have_text(["Ship it"])
    assert card_titles(page, "To do") == ["Write the spec"]

    # Open the card in its dialog, edit it, comment on it.
    page.click("text=Write the spec")
    dialog = page.locator("#task-dialog")
    expect(dialog).to_be_visible()
    expect(page).to_have_url(re.compile(r"/tasks/\d+/$"))
    dialog.locator("#id_title").fill("Write the spec, v2")
    dialog.locator("#id_description").fill("Cover **sign up** and `login`.")
    dialog.locator("#id_priority").select_option("high")
    dialog.locator("button:has-text('Preview')").click()
    expect(dialog.locator("#description-preview strong")).to_have_text("sign up")
    dialog.locator("button:has-text('Save changes')").click()
    expect(dialog.locator(".saved-note")).to_have_text("Saved.")
    dialog.locator("#id_body").fill("Draft is in the wiki.")
    dialog.locator(".comment-form button[type=submit]").click()
    expect(dialog.locator(".comment .markdown")).to_have_text("Draft is in the wiki.")
    screenshot(page, "flow-task-dialog-desktop")
    dialog.locator("[data-close-dialog]").first.click()
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(board_url)
    expect(column(page, "To do").locator(".task-card-title").first).to_have_text("Write the spec, v2")
    expect(column(page, "To do").locator(".task-card").first.locator(".badge.priority-high")).to_be_visible()

    # Invite someone without an account: the mail comes from the Celery worker.
    page.get_by_role("link", name=re.compile("^Members")).click()
    page.fill("#id_email", "bob@example.com")
    page.select_option("#id_role", "member")
    page.click("form button:has-text('Invite')")
    expect(page.locator(".messages")).to_contain_text("We've emailed an invitation to bob@example.com.")
    # Ada's welcome mail, then the invitation.
    [message] = [m for m in mailbox.wait_for(count=2) if m["To"] == "bob@example.com"]
    token = re.search(r"/invitations/([\w-]+)/", mailbox.body(message))
    assert token, mailbox.body(message)

    # Bob follows the link (on the live server), signs up and accepts.
    bob = new_context().new_page()
    bob.goto(f"/invitations/{token.group(1)}/")
    expect(bob.locator("h1")).to_have_text("Join “Launch plan”")
    bob.get_by_role("link", name="Create an account").click()
    expect(bob.locator("#id_email")).to_have_value("bob@example.com")
    bob.fill("#id_name", "Bob Builder")
    bob.fill("#id_password1", PASSWORD)
    bob.fill("#id_password2", PASSWORD)
    bob.click("button[type=submit]")
    bob.get_by_role("button", name="Accept and open the board").click()
    expect(bob.locator("h1.board-title")).to_have_text("Launch plan")
    expect(bob.locator(".task-card-title", has_text="Design the logo")).to_be_visible()
    assert Membership.objects.get(user__email="bob@example.com").role == Role.MEMBER


def test_a_viewer_sees_no_edit_controls_and_a_stranger_gets_404(
    new_context: Any, live_server: Any, pg_cluster: Any, screenshot: Any
) -> None:
    owner = UserFactory.create(name="Olive Owner")
    board = board_services.board_create(actor=owner, title="Read only")
    todo = board.lists.get(title="To do")
    from tasks import services as task_services

    task_services.task_create(board=board, actor=owner, list_id=todo.pk, title="Look, don't touch")
    viewer = UserFactory.create(name="Vic Viewer")
    board_services.member_add(board_id=board.pk, actor=owner, email=viewer.email, role="viewer")
    stranger = UserFactory.create(name="Stan Stranger")
    # The pages read from the replica: let it replay what the test just wrote.
    pg_cluster.replica.wait_for_catchup()

    page = new_context(viewer).new_page()
    page.goto(f"/boards/{board.pk}/")
    wait_until_ready(page)
    expect(page.locator(".task-card-title")).to_have_text("Look, don't touch")
    for control in (".add-card", ".add-list", ".card-move", ".column-handle", "[data-sortable-cards]"):
        assert page.locator(control).count() == 0, control
    page.click("text=Look, don't touch")
    expect(page.locator("#task-dialog")).to_be_visible()
    # Nothing to edit; watching changes nothing on the board, so viewers may (issue 13).
    assert page.locator("#task-dialog form:not(.watch-toggle)").count() == 0
    expect(page.locator("#task-dialog .watch-toggle button")).to_have_text("Watch")
    screenshot(page, "viewer-task-dialog-desktop")

    lost = new_context(stranger).new_page()
    response = lost.goto(f"/boards/{board.pk}/")
    assert response is not None
    assert response.status == 404
    expect(lost.locator("h1")).to_have_text("Page not found")


def test_the_board_on_a_phone_is_one_column_that_scrolls_sideways(
    new_context: Any, live_server: Any, pg_cluster: Any
) -> None:
    owner: User = UserFactory.create()
    board: Board = board_services.board_create(actor=owner, title="Phone")
    pg_cluster.replica.wait_for_catchup()
    page = new_context(owner, viewport=PHONE).new_page()
    page.goto(f"/boards/{board.pk}/")
    wait_until_ready(page)

    columns = page.locator("#board-columns .column")
    first = columns.nth(0).bounding_box()
    second = columns.nth(1).bounding_box()
    scroller = page.locator(".board-scroll")

    assert first
    assert second
    assert first["width"] > PHONE["width"] * 0.8
    # The next list only peeks in from the right edge.
    assert second["x"] > PHONE["width"] * 0.9
    assert scroller.evaluate("element => element.scrollWidth > element.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
