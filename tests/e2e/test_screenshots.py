"""Screenshots of every main page at desktop and phone sizes, light and dark, of a board
with some life on it: test-artifacts/screenshots/<page>-<size>.png. Not compared with
anything (pixels differ between font versions); they are for people to look at, and the
test fails if a page breaks on the way."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from activity.models import Notification, NotificationKind
from boards import services as board_services
from boards.models import Board
from tasks import services as task_services

from .conftest import DESKTOP, PHONE, wait_until_ready

CARDS = [
    # list, title, priority, due in days, assignees (by index), labels, comments
    ("To do", "Write the onboarding emails", "medium", 5, [1], ["docs"], 0),
    ("To do", "Pick the launch date", "high", 1, [0, 2], [], 2),
    ("To do", "Price page copy", "low", None, [], ["design"], 0),
    ("To do", "Load test the API at 5k rps", "medium", 12, [3], ["backend"], 1),
    ("In progress", "New logo and favicon", "high", 2, [2], ["design"], 3),
    ("In progress", "Fix the password reset mail", "urgent", -1, [1], ["bug", "backend"], 1),
    ("In progress", "Dark mode polish", "medium", None, [0], ["design"], 0),
    ("Review", "Invite flow for teams", "medium", 3, [0, 1, 3], ["backend"], 4),
    ("Review", "Accessibility pass", "high", 6, [2], [], 0),
    ("Done", "Set up CI", "medium", -5, [3], ["backend"], 1),
    ("Done", "Draft the README", "low", -3, [1], ["docs"], 0),
]
LABELS = {"bug": "#d64545", "design": "#8e59d6", "backend": "#2f80c2", "docs": "#2c9a6a"}


def seed() -> tuple[User, Board, int]:
    people = [
        UserFactory.create(name=name, email=f"{name.split()[0].lower()}@example.com")
        for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson")
    ]
    owner = people[0]
    board = board_services.board_create(
        actor=owner,
        title="Website launch",
        description="Everything for the October launch.",
        list_titles=["To do", "In progress", "Review", "Done"],
    )
    for person, role in zip(people[1:], ("admin", "member", "viewer"), strict=True):
        board_services.member_add(board_id=board.pk, actor=owner, email=person.email, role=role)
    lists = {board_list.title: board_list for board_list in board.lists.all()}
    board_services.list_update(list_id=lists["In progress"].pk, actor=owner, wip_limit=3)
    labels = {
        name: board_services.label_create(board_id=board.pk, actor=owner, name=name, color=color)
        for name, color in LABELS.items()
    }
    now = timezone.now()
    first_task = 0
    for list_title, title, priority, due_days, assignees, label_names, comments in CARDS:
        task = task_services.task_create(
            board=board,
            actor=owner,
            list_id=lists[list_title].pk,
            title=title,
            description="The **plan**:\n\n- draft\n- review\n- ship",
            priority=priority,
            due_at=None if due_days is None else now + timedelta(days=due_days),
            assignee_ids=[people[i].pk for i in assignees if i < 3],
            label_ids=[labels[name].pk for name in label_names],
        )
        first_task = first_task or task.pk
        for n in range(comments):
            task_services.comment_create(
                task=task, actor=people[n % 3], body=f"Update {n + 1}: see the notes, @{owner.email}"
            )
        if list_title == "Done":
            task_services.task_complete(task=task, actor=owner)
    board_services.member_add(board_id=board.pk, actor=owner, email="pending@example.com", role="member")
    board_services.board_create(actor=owner, title="Marketing", description="Campaigns and content.")
    board_services.board_create(actor=owner, title="Hiring")
    Notification.objects.create(
        user=owner,
        kind=NotificationKind.ASSIGNED,
        board=board,
        text="Grace Hopper assigned you to “Dark mode polish”",
    )
    return owner, board, first_task


def test_screenshots_of_the_main_pages(
    new_context: Any, live_server: Any, pg_cluster: Any, screenshot: Any
) -> None:
    owner, board, task_id = seed()
    pg_cluster.replica.wait_for_catchup()
    pages = {
        "dashboard": "/",
        "boards": "/boards/",
        "board": f"/boards/{board.pk}/",
        "board-filtered": f"/boards/{board.pk}/?priority=high",
        "task-page": f"/tasks/{task_id}/",
        "members": f"/boards/{board.pk}/members/",
        "settings": f"/boards/{board.pk}/settings/",
        "notifications": "/notifications/",
        "profile": "/accounts/profile/",
        "not-found": "/boards/999999/",
    }
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        anonymous = new_context(viewport=viewport).new_page()
        anonymous.goto("/accounts/login/")
        screenshot(anonymous, f"login-{size}")

        page = new_context(owner, viewport=viewport).new_page()
        for name, path in pages.items():
            page.goto(path)
            expect(page.locator("h1").first).to_be_visible()
            screenshot(page, f"{name}-{size}")

        page.goto(f"/boards/{board.pk}/")
        wait_until_ready(page)
        page.locator(".task-card-title", has_text="Pick the launch date").click()
        expect(page.locator("#task-dialog")).to_be_visible()
        screenshot(page, f"task-dialog-{size}")
        page.keyboard.press("Escape")
        page.get_by_role("link", name="Activity").click()
        expect(page.locator("#activity-drawer")).to_be_visible()
        screenshot(page, f"activity-{size}")

    dark = new_context(owner, viewport=DESKTOP, color_scheme="dark").new_page()
    dark.goto(f"/boards/{board.pk}/")
    wait_until_ready(dark)
    screenshot(dark, "board-dark-desktop")
    dark.locator(".task-card-title", has_text="Invite flow for teams").click()
    expect(dark.locator("#task-dialog")).to_be_visible()
    screenshot(dark, "task-dialog-dark-desktop")
