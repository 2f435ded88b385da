"""Notifications in the browser, the app under uvicorn (pages and WebSockets): Erin has the
board open when Dana mentions her — the badge counts it and a toast says it, no reload;
the toast's link opens the card and marks it read; "Mark all read" empties the badge. On a
page without a board the badge is live too. Watching a card from its dialog brings the
next comment on it."""

from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from activity.models import Notification
from boards import services as board_services
from boards.models import Board, BoardList
from tasks import services as task_services
from tasks.models import Task

from .conftest import PHONE, wait_until_ready

NOT_RELOADED = "window.__notReloaded = true"


@dataclass
class Team:
    board: Board
    dana: User
    erin: User
    todo: BoardList
    task: Task


@pytest.fixture
def team() -> Team:
    dana = UserFactory.create(name="Dana Example")
    erin = UserFactory.create(name="Erin Example", email="erin@example.com")
    board = board_services.board_create(actor=dana, title="Launch")
    board_services.member_add(board_id=board.pk, actor=dana, email=erin.email, role="member")
    todo = BoardList.objects.filter(board=board).order_by("position").first()
    assert todo is not None
    task = task_services.task_create(board=board, actor=dana, list_id=todo.pk, title="Pick the launch date")
    return Team(board=board, dana=dana, erin=erin, todo=todo, task=task)


def mention_erin(team: Team, body: str = "@erin@example.com can you check?") -> None:
    task_services.comment_create(task=team.task, actor=team.dana, body=body)


def open_page(context: Any, path: str) -> Page:
    page: Page = context.new_page()
    page.goto(path)
    wait_until_ready(page)
    page.evaluate(NOT_RELOADED)
    return page


def badge(page: Page) -> Any:
    return page.locator("[data-unread-badge]")


def test_a_mention_on_an_open_board_counts_in_the_badge_and_toasts_then_opening_marks_it_read(
    new_context: Any, asgi_server: Any, pg_cluster: Any, team: Team, screenshot: Any
) -> None:
    Notification.objects.create(user=team.erin, board=team.board, kind="assigned", text="Earlier news")
    pg_cluster.replica.wait_for_catchup()
    page = open_page(new_context(team.erin, base_url=asgi_server.http_url), f"/boards/{team.board.pk}/")
    expect(page.locator("[data-live-board]")).to_have_attribute("data-live-state", "open")
    expect(badge(page)).to_have_text("1")

    mention_erin(team)

    expect(badge(page)).to_have_text("2")
    expect(badge(page)).to_have_attribute("aria-label", "2 unread")
    toast = page.locator("[data-notification-toast]")
    expect(toast).to_have_text("Dana Example mentioned you on “Pick the launch date”")
    assert page.evaluate("window.__notReloaded === true")
    screenshot(page, "notification-toast-desktop")

    toast.get_by_role("link").click()

    expect(page).to_have_url(f"{asgi_server.http_url}/tasks/{team.task.pk}/")
    expect(badge(page)).to_have_text("1")
    assert list(Notification.objects.filter(user=team.erin, read=False).values_list("text", flat=True)) == [
        "Earlier news"
    ]

    page.goto("/notifications/")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("You're all caught up.")).to_be_visible()
    expect(badge(page)).to_be_hidden()
    assert not Notification.objects.filter(user=team.erin, read=False).exists()


def test_the_badge_is_live_on_a_page_without_a_board_and_follows_mark_all_read_in_another_tab(
    new_context: Any, asgi_server: Any, pg_cluster: Any, team: Team, screenshot: Any
) -> None:
    pg_cluster.replica.wait_for_catchup()
    context = new_context(team.erin, viewport=PHONE, base_url=asgi_server.http_url)
    home = open_page(context, "/")
    expect(home.locator("html")).to_have_attribute("data-notifications-state", "open")
    expect(badge(home)).to_be_hidden()

    mention_erin(team)
    mention_erin(team, "@erin@example.com and once more")

    expect(badge(home)).to_have_text("2")
    expect(home.locator("[data-notification-toast]")).to_have_count(2)
    screenshot(home, "notification-toast-phone")

    other_tab = open_page(context, "/notifications/")
    other_tab.get_by_role("button", name="Mark all read").click()
    expect(other_tab.get_by_text("You're all caught up.")).to_be_visible()

    expect(badge(home)).to_be_hidden()
    assert home.evaluate("window.__notReloaded === true")


def test_watching_a_card_from_its_dialog_brings_the_next_comment_on_it(
    new_context: Any, asgi_server: Any, pg_cluster: Any, team: Team, screenshot: Any
) -> None:
    pg_cluster.replica.wait_for_catchup()
    page = open_page(new_context(team.erin, base_url=asgi_server.http_url), f"/boards/{team.board.pk}/")
    expect(page.locator("[data-live-board]")).to_have_attribute("data-live-state", "open")
    page.locator(".task-card-title", has_text="Pick the launch date").click()
    dialog = page.locator("#task-dialog")
    expect(dialog).to_be_visible()

    dialog.get_by_role("button", name="Watch", exact=True).click()

    expect(dialog.get_by_role("button", name="Unwatch")).to_be_visible()
    expect(dialog.get_by_text("You're watching this card.")).to_be_visible()
    screenshot(page, "task-dialog-watching-desktop")
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    screenshot(page, "task-dialog-watching-phone")

    task_services.comment_create(task=team.task, actor=team.dana, body="Friday works.")

    expect(page.locator("[data-notification-toast]")).to_have_text(
        "Dana Example commented on “Pick the launch date”"
    )
    expect(badge(page)).to_have_text("1")

    dialog.get_by_role("button", name="Unwatch").click()
    expect(dialog.get_by_role("button", name="Watch", exact=True)).to_be_visible()
    task_services.comment_create(task=team.task, actor=team.dana, body="Or Monday.")
    assert Notification.objects.filter(user=team.erin).count() == 1
