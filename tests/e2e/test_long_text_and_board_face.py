"""Issue 13 items 9 and 10 in the browser: user text of any length wraps (no page wider than
a phone), the board description is Markdown, and the board face: live filters, "0 of 2",
titles edited in place, the description icon, activity linked to cards, labels created from
the card dialog."""

import re
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from activity.models import Notification, NotificationKind
from boards import services as board_services
from boards.models import Board
from tasks import services as task_services

from .conftest import PHONE, wait_until_ready

LONG = "W" * 200


def page_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def long_text_board() -> tuple[Any, Board, int]:
    owner = UserFactory.create(name="N" * 150, email="owner@example.com")
    member = UserFactory.create(name="M" * 150, email="member@example.com")
    board = board_services.board_create(
        actor=owner, title=LONG, description=f"Ship the **launch** {LONG}", list_titles=[LONG, "Done"]
    )
    board_services.member_add(board_id=board.pk, actor=owner, email=member.email, role="member")
    label = board_services.label_create(board_id=board.pk, actor=owner, name="L" * 50, color="#8250df")
    board_list = board.lists.order_by("position").first()
    assert board_list is not None
    task = task_services.task_create(
        board=board,
        actor=owner,
        list_id=board_list.pk,
        title=LONG,
        description=LONG,
        assignee_ids=[owner.pk, member.pk],
        label_ids=[label.pk],
        due_at=timezone.now(),
    )
    task_services.comment_create(task=task, actor=member, body=LONG)
    Notification.objects.create(
        user=owner,
        kind=NotificationKind.ASSIGNED,
        board=board,
        task=task,
        text=f"{'M' * 150} assigned {LONG}",
    )
    return owner, board, task.pk


def test_no_page_is_wider_than_a_phone_with_200_character_words(
    new_context: Any, pg_cluster: Any, screenshot: Any
) -> None:
    owner, board, task_id = long_text_board()
    pg_cluster.replica.wait_for_catchup()
    page = new_context(owner, viewport=PHONE).new_page()
    widths = {}
    for name, path in {
        "boards": "/boards/",
        "dashboard": "/",
        "board": f"/boards/{board.pk}/",
        "activity-page": f"/boards/{board.pk}/activity/",
        "members": f"/boards/{board.pk}/members/",
        "settings": f"/boards/{board.pk}/settings/",
        "task-page": f"/tasks/{task_id}/",
        "notifications": "/notifications/",
    }.items():
        page.goto(path)
        expect(page.locator("main h1, main h2").first).to_be_visible()
        widths[name] = page_width(page)
        screenshot(page, f"long-text-{name}-phone")

    page.goto(f"/boards/{board.pk}/")
    wait_until_ready(page)
    page.get_by_role("link", name="Activity").click()
    expect(page.locator("#activity-drawer .activity-item").first).to_be_visible()
    widths["activity-panel"] = page_width(page)
    screenshot(page, "long-text-activity-panel-phone")
    page.keyboard.press("Escape")
    page.locator(".task-card-title").first.click()
    expect(page.locator("#task-dialog")).to_be_visible()
    expect(page.locator("#task-dialog .comment-body").first).to_be_visible()
    widths["card-dialog"] = page_width(page)
    screenshot(page, "long-text-card-dialog-phone")

    assert widths == dict.fromkeys(widths, 390)


def test_the_board_description_is_rendered_markdown(new_context: Any, pg_cluster: Any) -> None:
    owner = UserFactory.create()
    board = board_services.board_create(actor=owner, title="Launch", description="Ship the **launch**")
    pg_cluster.replica.wait_for_catchup()
    page = new_context(owner).new_page()

    page.goto(f"/boards/{board.pk}/")

    expect(page.locator(".board-desc strong")).to_have_text("launch")
    expect(page.locator(".board-desc")).not_to_contain_text("**")
    page.goto("/boards/")
    expect(page.locator(".board-tile-desc")).to_have_text("Ship the launch")


def face_board() -> tuple[Any, Any, Board]:
    owner = UserFactory.create(name="Olga Owner")
    member = UserFactory.create(name="Max Member")
    board = board_services.board_create(actor=owner, title="Launch", list_titles=["Doing", "Later"])
    board_services.member_add(board_id=board.pk, actor=owner, email=member.email, role="member")
    doing, later = board.lists.order_by("position")
    for board_list, titles in ((doing, ("Alpha one", "Beta two")), (later, ("Gamma three", "Delta four"))):
        for title in titles:
            task_services.task_create(
                board=board,
                actor=owner,
                list_id=board_list.pk,
                title=title,
                description="The **plan**" if title == "Alpha one" else "",
            )
    return owner, member, board


def column(page: Any, title: str) -> Any:
    return page.locator(".column", has=page.locator(".column-title", has_text=title))


def test_filters_apply_as_they_change_and_the_address_keeps_them(
    new_context: Any, pg_cluster: Any, screenshot: Any
) -> None:
    owner, _, board = face_board()
    pg_cluster.replica.wait_for_catchup()
    for size, viewport in (("desktop", None), ("phone", PHONE)):
        page = new_context(owner, **({"viewport": viewport} if viewport else {})).new_page()
        page.goto(f"/boards/{board.pk}/")
        wait_until_ready(page)
        page.evaluate("window.stillTheSamePage = true")

        expect(page.get_by_role("button", name="Filter")).to_be_hidden()
        page.get_by_label("Search cards").press_sequentially("Alpha", delay=40)

        expect(column(page, "Doing").locator(".task-card")).to_have_count(1)
        expect(column(page, "Doing").locator(".column-count")).to_have_text("1 of 2")
        expect(column(page, "Later").locator(".column-count")).to_have_text("0 of 2")
        expect(column(page, "Later").locator(".task-card")).to_have_count(0)
        expect(page.locator(".filter-note")).to_be_visible()
        expect(page.get_by_role("link", name="Clear filters")).to_be_visible()
        assert page.evaluate("window.stillTheSamePage") is True
        assert page.url.endswith(f"/boards/{board.pk}/?q=Alpha")
        assert page.evaluate("document.activeElement.id") == "filter-q"
        screenshot(page, f"board-live-filter-{size}")

        # Opening and closing a card keeps the filtered address.
        page.locator(".task-card-title", has_text="Alpha one").click()
        expect(page.locator("#task-dialog")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.locator("#task-dialog")).to_be_hidden()
        expect(page).to_have_url(re.compile(rf"/boards/{board.pk}/\?q=Alpha$"))

        page.reload()
        expect(page.get_by_label("Search cards")).to_have_value("Alpha")
        expect(column(page, "Doing").locator(".task-card")).to_have_count(1)

        page.get_by_role("link", name="Clear filters").click()
        expect(column(page, "Doing").locator(".column-count")).to_have_text("2")
        assert page.url.endswith(f"/boards/{board.pk}/")


def test_a_select_filter_applies_at_once(new_context: Any, pg_cluster: Any) -> None:
    owner, member, board = face_board()
    task = board.lists.get(title="Later").tasks.get(title="Delta four")
    task_services.task_update(task=task, actor=owner, assignee_ids=[member.pk])
    pg_cluster.replica.wait_for_catchup()
    page = new_context(owner).new_page()
    page.goto(f"/boards/{board.pk}/")
    wait_until_ready(page)
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_label("Assignee").select_option(label="Max Member")

    expect(page.locator(".task-card")).to_have_count(1)
    expect(column(page, "Doing").locator(".column-count")).to_have_text("0 of 2")
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.url.endswith(f"?assignee={member.pk}")


def test_titles_are_edited_in_place(new_context: Any, pg_cluster: Any, screenshot: Any) -> None:
    owner, _, board = face_board()
    pg_cluster.replica.wait_for_catchup()
    page = new_context(owner).new_page()
    page.goto(f"/boards/{board.pk}/")
    wait_until_ready(page)
    doing = board.lists.get(title="Doing")

    page.get_by_role("button", name="Doing").click()
    title_box = page.get_by_role("textbox", name="New title of the list")
    expect(title_box).to_be_focused()
    expect(page.get_by_role("button", name="Doing", exact=True)).to_be_hidden()
    title_box.fill("Doing now")
    title_box.press("Enter")
    expect(page.get_by_role("button", name="Doing now")).to_be_focused()
    page.wait_for_function("() => !document.querySelector('.title-input')")
    doing.refresh_from_db()
    assert doing.title == "Doing now"

    page.get_by_role("button", name="Doing now").press("Enter")
    page.get_by_role("textbox", name="New title of the list").fill("Never saved")
    page.get_by_role("textbox", name="New title of the list").press("Escape")
    expect(page.get_by_role("button", name="Doing now")).to_be_visible()
    doing.refresh_from_db()
    assert doing.title == "Doing now"

    page.get_by_role("button", name="Edit the title of “Beta two”").click()
    card_box = page.get_by_role("textbox", name="New title of the card")
    expect(card_box).to_be_focused()
    expect(page.locator(".task-card-title", has_text="Beta two")).to_be_hidden()
    screenshot(page, "card-title-in-place-desktop")
    card_box.fill("Beta, renamed")
    card_box.press("Enter")
    expect(page.locator(".task-card-title", has_text="Beta, renamed")).to_be_visible()
    assert doing.tasks.filter(title="Beta, renamed").exists()


def test_the_card_face_shows_that_a_card_has_a_description(new_context: Any, pg_cluster: Any) -> None:
    owner, _, board = face_board()
    pg_cluster.replica.wait_for_catchup()
    page = new_context(owner).new_page()
    page.goto(f"/boards/{board.pk}/")

    with_description = page.locator(".task-card", has_text="Alpha one")
    without = page.locator(".task-card", has_text="Beta two")
    expect(with_description.get_by_role("img", name="Has a description")).to_be_visible()
    expect(without.get_by_role("img", name="Has a description")).to_have_count(0)


def test_activity_entries_link_to_their_cards(new_context: Any, pg_cluster: Any) -> None:
    owner, _, board = face_board()
    alpha = board.lists.get(title="Doing").tasks.get(title="Alpha one")
    gamma = board.lists.get(title="Later").tasks.get(title="Gamma three")
    task_services.comment_create(task=alpha, actor=owner, body="Looks good")
    task_services.task_delete(task=gamma, actor=owner)
    pg_cluster.replica.wait_for_catchup()
    page = new_context(owner).new_page()
    page.goto(f"/boards/{board.pk}/")
    wait_until_ready(page)

    page.get_by_role("link", name="Activity").click()
    drawer = page.locator("#activity-drawer")
    expect(drawer.locator(".activity-item").first).to_be_visible()

    drawer.locator(".activity-item", has_text="commented on").get_by_role("link").click()
    expect(page.locator("#task-dialog .task-detail-title")).to_have_text("Alpha one")
    expect(drawer).to_be_hidden()
    page.keyboard.press("Escape")
    page.get_by_role("link", name="Activity").click()
    expect(drawer.locator(".activity-item").first).to_be_visible()

    for root in (drawer, page):
        if root is page:
            page.goto(f"/boards/{board.pk}/activity/")
        alpha_url = f"/tasks/{alpha.pk}/"
        commented = root.locator(".activity-item", has_text="commented on")
        expect(commented.get_by_role("link", name="“Alpha one”")).to_have_attribute("href", alpha_url)
        added = root.locator(".activity-item", has_text="added the card “Alpha one”")
        expect(added.get_by_role("link", name="“Alpha one”")).to_have_attribute("href", alpha_url)
        # Gone: named, not linked.
        expect(root.locator(".activity-item", has_text="deleted the card “Gamma three”")).to_be_visible()
        expect(root.locator(".activity-item a", has_text="Gamma three")).to_have_count(0)


def test_an_admin_creates_a_label_from_the_card_dialog(
    new_context: Any, pg_cluster: Any, screenshot: Any
) -> None:
    owner, member, board = face_board()
    alpha = board.lists.get(title="Doing").tasks.get(title="Alpha one")
    pg_cluster.replica.wait_for_catchup()
    for size, viewport in (("desktop", None), ("phone", PHONE)):
        page = new_context(owner, **({"viewport": viewport} if viewport else {})).new_page()
        page.goto(f"/boards/{board.pk}/")
        wait_until_ready(page)
        page.locator(".task-card-title", has_text="Alpha one").click()
        dialog = page.locator("#task-dialog")
        expect(dialog).to_be_visible()
        labels = dialog.get_by_role("group", name="Labels")
        # Six to start with, as every new board has.
        expect(labels.get_by_role("checkbox")).to_have_count(6 if size == "desktop" else 7)

        labels.locator("summary", has_text="Create label").click()
        labels.get_by_label("Name").fill(f"Launch blocker {size}")
        labels.get_by_label("Colour").fill("#d1242f")
        screenshot(page, f"label-create-{size}")
        labels.get_by_role("button", name="Create label").click()

        created = labels.get_by_role("checkbox", name=f"Launch blocker {size}")
        expect(created).to_be_checked()
        assert board.labels.filter(name=f"Launch blocker {size}", color="#d1242f").exists()
        dialog.get_by_role("button", name="Save changes").click()
        expect(dialog.get_by_text("Saved.")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.locator(".task-card", has_text="Alpha one").locator(".chip")).to_have_count(
            1 if size == "desktop" else 2
        )
    assert set(alpha.labels.values_list("name", flat=True)) == {
        "Launch blocker desktop",
        "Launch blocker phone",
    }

    as_member = new_context(member).new_page()
    as_member.goto(f"/tasks/{alpha.pk}/")
    expect(as_member.get_by_role("group", name="Labels")).to_be_visible()
    expect(as_member.get_by_text("Create label")).to_have_count(0)
