"""Issue 13 items 9 and 10 in the browser: user text of any length wraps (no page wider than
a phone), the board description is Markdown, and the board face: live filters, "0 of 2",
titles edited in place, the description icon, activity linked to cards, labels created from
the card dialog."""

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
    board_services.member_add(board=board, actor=owner, email=member.email, role="member")
    label = board_services.label_create(board=board, actor=owner, name="L" * 50, color="#8250df")
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
