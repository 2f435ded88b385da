"""Mentions in a browser: "@" in a comment or description box offers the board's members
(keyboard, mouse), inserts the reference the server resolves, the posted text shows the
name, the member is notified, and a mention that notifies nobody is pointed out first."""

from typing import Any

from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from activity.models import Notification
from boards import services as board_services
from boards.models import Board
from tasks import services as task_services
from tasks.models import Comment, Task

from .conftest import PHONE, wait_until_ready


def seed() -> tuple[User, User, Board, Task]:
    ada = UserFactory.create(name="Ada Lovelace", email="ada@example.com")
    erin = UserFactory.create(name="Erin Example", email="erin@example.com")
    UserFactory.create(name="Zed Outsider", email="zed@example.com")
    board = board_services.board_create(actor=ada, title="Launch")
    for name, email in (
        ("Erin Example", erin.email),
        ("Ernest Other", "ernest@example.com"),
        ("Bob Builder", "bob@example.com"),
    ):
        if email != erin.email:
            UserFactory.create(name=name, email=email)
        board_services.member_add(board_id=board.pk, actor=ada, email=email, role="member")
    task = task_services.task_create(
        board=board, actor=ada, list_id=board.lists.get(title="To do").pk, title="Write the spec"
    )
    return ada, erin, board, task


def open_card(page: Any, board: Board, title: str) -> Any:
    page.goto(f"/boards/{board.pk}/")
    wait_until_ready(page)
    page.click(f"text={title}")
    dialog = page.locator("#task-dialog")
    expect(dialog.locator("#id_body")).to_be_visible()
    return dialog


def option_names(listbox: Any) -> list[str]:
    return listbox.locator("[role=option] .mention-option-name").all_inner_texts()


def test_a_member_is_mentioned_from_the_keyboard_and_notified(
    new_context: Any, live_server: Any, pg_cluster: Any, screenshot: Any
) -> None:
    ada, erin, board, task = seed()
    pg_cluster.replica.wait_for_catchup()
    page = new_context(ada).new_page()
    dialog = open_card(page, board, "Write the spec")
    box = dialog.locator("#id_body")

    box.click()
    box.press_sequentially("Could @er")
    listbox = dialog.locator("[role=listbox]")
    expect(listbox).to_be_visible()
    assert option_names(listbox) == ["Erin Example", "Ernest Other"]
    assert box.get_attribute("aria-controls") == listbox.get_attribute("id")
    assert box.get_attribute("aria-autocomplete") is None or box.get_attribute("aria-autocomplete") == "list"
    selected = listbox.locator("[aria-selected=true]")
    expect(selected).to_contain_text("Erin Example")
    assert box.get_attribute("aria-activedescendant") == selected.get_attribute("id")
    screenshot(page, "mentions-list-desktop")

    box.press("ArrowDown")
    expect(listbox.locator("[aria-selected=true]")).to_contain_text("Ernest Other")
    box.press("ArrowUp")
    expect(listbox.locator("[aria-selected=true]")).to_contain_text("Erin Example")
    box.press("Enter")
    expect(listbox).to_have_count(0)
    expect(box).to_have_value("Could @erin@example.com ")
    box.press_sequentially("review it?")

    # Esc dismisses a list, not the dialog.
    box.press_sequentially(" cc @b")
    expect(dialog.locator("[role=listbox]")).to_be_visible()
    box.press("Escape")
    expect(dialog.locator("[role=listbox]")).to_have_count(0)
    expect(dialog).to_be_visible()
    for _ in " cc @b":
        box.press("Backspace")
    expect(box).to_have_value("Could @erin@example.com review it?")
    expect(dialog.locator(".mention-warnings")).to_have_count(0)

    box.press("Control+Enter")
    mention = dialog.locator(".comment .markdown .mention")
    expect(mention).to_have_text("@Erin Example")
    expect(dialog.locator(".comment .markdown")).to_have_text("Could @Erin Example review it?")
    assert Comment.objects.get(task=task).body == "Could @erin@example.com review it?"
    assert list(Notification.objects.values_list("user_id", "kind", "task_id")) == [
        (erin.pk, "mention", task.pk)
    ]
    screenshot(page, "mentions-comment-desktop")

    # Erin reads it on her notifications page.
    erins = new_context(erin).new_page()
    erins.goto("/notifications/")
    expect(erins.locator("main")).to_contain_text("Ada Lovelace mentioned you on “Write the spec”")


def test_a_mention_that_notifies_nobody_is_flagged_before_posting(
    new_context: Any, live_server: Any, pg_cluster: Any, screenshot: Any
) -> None:
    ada, _, board, task = seed()
    pg_cluster.replica.wait_for_catchup()
    page = new_context(ada, viewport=PHONE).new_page()
    dialog = open_card(page, board, "Write the spec")
    box = dialog.locator("#id_body")

    box.click()
    box.press_sequentially("Ask @nobody and @zed@example.com and @Erin Example")
    # Still typing the last one: the list offers Erin; Esc says it isn't a mention yet.
    expect(dialog.locator("[role=listbox]")).to_contain_text("Erin Example")
    box.press("Escape")
    warnings = dialog.locator(".mention-warnings li")
    expect(warnings).to_have_text(
        [
            "zed@example.com is not a member of this board: they won't be notified.",
            "@nobody matches no member of this board.",
            "@Erin mentions nobody yet: type @ and pick Erin Example from the list.",
        ]
    )
    described = (box.get_attribute("aria-describedby") or "").split()
    assert dialog.locator(".mention-warnings").get_attribute("id") in described
    screenshot(page, "mentions-warning-phone")

    # Posting is still allowed: the text is kept as written and notifies nobody.
    dialog.locator(".comment-form button[type=submit]").click()
    expect(dialog.locator(".comment .markdown")).to_have_text(
        "Ask @nobody and @zed@example.com and @Erin Example"
    )
    assert dialog.locator(".comment .markdown .mention").count() == 0
    assert Comment.objects.get(task=task).body == "Ask @nobody and @zed@example.com and @Erin Example"
    assert not Notification.objects.exists()


def test_a_member_is_mentioned_in_a_description_with_the_mouse_on_the_card_page(
    new_context: Any, live_server: Any, pg_cluster: Any, screenshot: Any
) -> None:
    ada, _, _board, task = seed()
    bob = User.objects.get(email="bob@example.com")
    pg_cluster.replica.wait_for_catchup()
    page = new_context(ada, viewport=PHONE).new_page()
    page.goto(f"/tasks/{task.pk}/")
    field = page.locator("#id_description")

    field.click()
    field.press_sequentially("Over to @BUI")
    listbox = page.locator("[role=listbox]")
    expect(listbox).to_be_visible()
    assert option_names(listbox) == ["Bob Builder"]
    expect(listbox.locator(".avatar")).to_have_text("BB")
    screenshot(page, "mentions-description-phone")
    listbox.locator("text=Bob Builder").click()
    expect(listbox).to_have_count(0)
    expect(field).to_have_value("Over to @bob@example.com ")
    expect(field).to_be_focused()
    page.click("button:has-text('Preview')")
    expect(page.locator("#description-preview .mention")).to_have_text("@Bob Builder")
    assert not Notification.objects.exists()
    page.click("button:has-text('Save changes')")
    expect(page.locator(".saved-note")).to_have_text("Saved.")

    expect(page.locator("#description-preview .mention")).to_have_text("@Bob Builder")
    assert list(Notification.objects.values_list("user_id", "kind", "task_id")) == [
        (bob.pk, "mention", task.pk)
    ]
