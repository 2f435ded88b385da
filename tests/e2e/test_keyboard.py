"""The board with the keyboard alone: a list moved with "Move list…" (announced to screen
readers, the focus kept on the moved list, the move live on another member's page), and
the focus where a keyboard user expects it around the card dialog and "New board"."""

from typing import Any

from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from boards import services as board_services
from boards.models import Board, BoardList
from tasks import services as task_services

from .conftest import DESKTOP, PHONE, wait_until_ready

# Set on the watching page before anything happens: still there at the end means the page
# was never reloaded.
NOT_RELOADED = "window.__notReloaded = true"
FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return "(body)";
  return element.getAttribute("aria-label") || element.getAttribute("name") || element.textContent.trim();
}"""


def focused(page: Page) -> str:
    """What has the keyboard focus: its accessible label, field name or text."""
    result: str = page.evaluate(FOCUSED)
    return result


def tab_to(page: Page, name: str, *, backwards: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until `name` has the focus."""
    for _ in range(limit):
        if focused(page) == name:
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{name!r} never got the focus by Tab; last: {focused(page)!r}")


def column_titles(page: Page) -> Any:
    return page.locator("#board-columns .column-title")


def board_order(board: Board) -> list[str]:
    return list(
        BoardList.objects.filter(board=board).order_by("position", "id").values_list("title", flat=True)
    )


def test_a_list_is_moved_with_the_keyboard_announced_and_live_for_another_member(
    new_context: Any, asgi_server: Any, pg_cluster: Any, screenshot: Any
) -> None:
    owner = UserFactory.create(name="Olive Owner")
    member = UserFactory.create(name="Max Member")
    board = board_services.board_create(
        actor=owner, title="Keys", list_titles=["To do", "Doing", "Review", "Done"]
    )
    board_services.member_add(board_id=board.pk, actor=owner, email=member.email, role="member")
    doing = BoardList.objects.get(board=board, title="Doing")
    pg_cluster.replica.wait_for_catchup()
    watching: Page = new_context(member, base_url=asgi_server.http_url).new_page()
    watching.goto(f"/boards/{board.pk}/")
    wait_until_ready(watching)
    expect(watching.locator("[data-live-board]")).to_have_attribute("data-live-state", "open")
    watching.evaluate(NOT_RELOADED)
    page: Page = new_context(owner, base_url=asgi_server.http_url).new_page()
    page.goto(f"/boards/{board.pk}/")
    wait_until_ready(page)
    expect(page.locator("[data-live-board]")).to_have_attribute("data-live-state", "open")

    tab_to(page, "Edit the list “Doing”")
    page.keyboard.press("Enter")
    expect(page.locator("#task-dialog")).to_be_visible()
    tab_to(page, "Move list…", backwards=True)
    screenshot(page, "list-menu-desktop")
    page.keyboard.press("Enter")
    expect(page.locator("#dialog-title")).to_have_text("Move the list “Doing”")
    # focus.js moves the focus once htmx has settled the swap (20 ms after the new title is
    # in): wait for it rather than read it at once.
    expect(page.locator("#task-dialog select[name=position]")).to_be_focused()
    assert focused(page) == "position"
    screenshot(page, "list-move-dialog-desktop")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#task-dialog select[name=position]")).to_have_value("3")
    tab_to(page, "Move list")
    page.keyboard.press("Enter")

    expect(page.locator("#task-dialog")).to_be_hidden()
    expect(column_titles(page)).to_have_text(["To do", "Review", "Doing", "Done"])
    assert board_order(board) == ["To do", "Review", "Doing", "Done"]
    expect(page.locator("#toasts[role=status][aria-live=polite]")).to_contain_text(
        "Moved list “Doing” to position 3 of 4."
    )
    expect(page.locator(f"#list-{doing.pk} .column-head .icon-button")).to_be_focused()
    expect(column_titles(watching)).to_have_text(["To do", "Review", "Doing", "Done"])
    assert watching.evaluate("window.__notReloaded === true")
    # The writer's own live event finds the columns in place: the focus stays.
    page.wait_for_timeout(500)
    expect(column_titles(page)).to_have_text(["To do", "Review", "Doing", "Done"])
    expect(page.locator(f"#list-{doing.pk} .column-head .icon-button")).to_be_focused()
    screenshot(page, "list-moved-desktop")


def test_move_list_without_script_is_a_page(
    new_context: Any, live_server: Any, pg_cluster: Any, screenshot: Any
) -> None:
    owner = UserFactory.create(name="Olive Owner")
    board = board_services.board_create(actor=owner, title="Plain", list_titles=["A", "B", "C"])
    a_list = BoardList.objects.get(board=board, title="A")
    pg_cluster.replica.wait_for_catchup()
    page: Page = new_context(owner, viewport=PHONE).new_page()

    page.goto(f"/lists/{a_list.pk}/move-to/")
    screenshot(page, "list-move-page-phone")
    page.select_option("select[name=position]", "3")
    page.get_by_role("button", name="Move list").click()

    expect(page.locator(".messages")).to_have_text("Moved list “A” to position 3 of 3.")
    expect(column_titles(page)).to_have_text(["B", "C", "A"])
    assert board_order(board) == ["B", "C", "A"]

    # The same in the board's dialog, on a phone.
    page.get_by_role("link", name="Edit the list “B”").click()
    expect(page.get_by_role("link", name="Move list…")).to_be_visible()
    screenshot(page, "list-menu-phone")
    page.get_by_role("link", name="Move list…").click()
    expect(page.locator("#task-dialog select[name=position]")).to_be_focused()
    screenshot(page, "list-move-dialog-phone")


def test_the_card_dialog_keeps_the_focus_and_gives_it_back(
    new_context: Any, live_server: Any, pg_cluster: Any, screenshot: Any
) -> None:
    owner = UserFactory.create(name="Olive Owner")
    board = board_services.board_create(actor=owner, title="Focus")
    todo = BoardList.objects.get(board=board, title="To do")
    task = task_services.task_create(board=board, actor=owner, list_id=todo.pk, title="Focus me")
    pg_cluster.replica.wait_for_catchup()
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page: Page = new_context(owner, viewport=viewport).new_page()
        page.goto(f"/boards/{board.pk}/")
        wait_until_ready(page)

        tab_to(page, "Focus me")
        page.keyboard.press("Enter")
        expect(page.locator("#task-dialog")).to_be_visible()
        # Opens on the title, not on Close.
        expect(page.locator("#task-dialog input[name=title]")).to_be_focused()
        screenshot(page, f"card-dialog-focus-{size}")

        tab_to(page, "description")
        page.keyboard.type(f"Written on the {size}.")
        tab_to(page, "Save changes")
        page.keyboard.press("Enter")
        expect(page.locator("#task-dialog .saved-note")).to_have_text("Saved.")
        # Still in the dialog, on the status message, not on the page body.
        expect(page.locator("#task-dialog .saved-note")).to_be_focused()
        screenshot(page, f"card-dialog-saved-{size}")

        page.keyboard.press("Escape")
        expect(page.locator("#task-dialog")).to_be_hidden()
        # Back on the card that opened the dialog (re-rendered after the change).
        expect(page.locator(f"#card-{task.pk} .task-card-title")).to_be_focused()
    task.refresh_from_db()
    # Typed at the start of the description each time.
    assert task.description == "Written on the phone.Written on the desktop."


def test_new_board_lands_on_its_title(
    new_context: Any, live_server: Any, pg_cluster: Any, screenshot: Any
) -> None:
    owner = UserFactory.create(name="Olive Owner")
    pg_cluster.replica.wait_for_catchup()
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page: Page = new_context(owner, viewport=viewport).new_page()
        page.goto("/")

        tab_to(page, "New board")
        page.keyboard.press("Enter")

        expect(page).to_have_url(f"{live_server.url}/boards/#new-board")
        expect(page.locator("#new-board input[name=title]")).to_be_focused()
        screenshot(page, f"new-board-focus-{size}")
