"""axe-core over every kind of page, as the right person, at desktop and phone sizes: no
violation of WCAG 2.1 A or AA (colour contrast, names of fields and buttons, landmarks,
duplicate ids, links told apart from text by more than colour, …).

axe is evaluated through Playwright (DevTools evaluation, which the page's
Content-Security-Policy doesn't govern; an inline script would be refused, and the suite
fails on any policy violation: the autouse `policy_violations` fixture checks that running
axe raised none). The copy is tests/e2e/vendor/axe-core (see the README there)."""

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory

from .conftest import DESKTOP, PHONE, wait_until_ready
from .test_screenshots import seed

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN_AXE_JS = """
async (tags) => {
  const results = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.map((node) => ({ target: node.target.join(" "), summary: node.failureSummary })),
  }));
}
"""


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations_on(page: Page) -> list[str]:
    """What axe finds on the page as it is now, one readable line per element."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    found = page.evaluate(RUN_AXE_JS, WCAG_21_AA)
    return [
        f"{violation['id']} ({violation['impact']}) {node['target']}: {violation['help']}"
        f"\n    {node['summary']}"
        for violation in found
        for node in violation["nodes"]
    ]


def check(page: Page, name: str, report: dict[str, list[str]]) -> None:
    expect(page.locator("main").first).to_be_attached()
    found = violations_on(page)
    if "{#" in page.inner_text("body"):
        found.append("a template comment shows as text (Django's {# #} is one line only)")
    if found:
        report[f"{name} ({page.url})"] = found


def as_text(report: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}:\n  " + "\n  ".join(lines) for page, lines in report.items())


@pytest.mark.parametrize(("size", "scheme"), [("desktop", "light"), ("phone", "light"), ("desktop", "dark")])
def test_no_page_violates_wcag_21_aa(
    new_context: Any, live_server: Any, pg_cluster: Any, size: str, scheme: str
) -> None:
    viewport = {"desktop": DESKTOP, "phone": PHONE}[size]
    owner, board, task_id = seed()
    viewer = UserFactory.create(name="Vera Viewer")
    from boards import services as board_services

    board_services.member_add(board_id=board.pk, actor=owner, email=viewer.email, role="viewer")
    first_list = board.lists.order_by("position").first()
    assert first_list is not None
    pg_cluster.replica.wait_for_catchup()
    report: dict[str, list[str]] = {}

    anonymous = new_context(viewport=viewport, color_scheme=scheme).new_page()
    for name, path in {
        "login": "/accounts/login/",
        "register": "/accounts/register/",
        "password reset": "/accounts/password-reset/",
        "password reset sent": "/accounts/password-reset/sent/",
        "password reset link invalid": "/accounts/reset/MQ/bad-token/",
        "not found (signed out)": "/no-such-page/",
        "admin login": "/admin/login/",
    }.items():
        anonymous.goto(path)
        check(anonymous, name, report)
    anonymous.goto("/accounts/login/")
    anonymous.get_by_role("button", name="Log in").click()
    check(anonymous, "login with errors", report)

    page = new_context(owner, viewport=viewport, color_scheme=scheme).new_page()
    for name, path in {
        "home": "/",
        "board list": "/boards/",
        "archived boards": "/boards/?archived=1",
        "board": f"/boards/{board.pk}/",
        "board filtered": f"/boards/{board.pk}/?priority=high",
        "board settings and labels": f"/boards/{board.pk}/settings/",
        "board members": f"/boards/{board.pk}/members/",
        "board activity": f"/boards/{board.pk}/activity/",
        "board delete": f"/boards/{board.pk}/delete/",
        "list edit": f"/lists/{first_list.pk}/edit/",
        "list move": f"/lists/{first_list.pk}/move-to/",
        "card page": f"/tasks/{task_id}/",
        "card move": f"/tasks/{task_id}/move/",
        "notifications": "/notifications/",
        "profile": "/accounts/profile/",
        "password change": "/accounts/password/",
        "email and reminders": "/accounts/notification-settings/",
        "not found": "/boards/999999/",
    }.items():
        page.goto(path)
        check(page, name, report)

    page.goto(f"/boards/{board.pk}/")
    wait_until_ready(page)
    page.locator(".task-card-title").first.click()
    expect(page.locator("#task-dialog")).to_be_visible()
    expect(page.locator("#task-detail")).to_be_visible()
    check(page, "card dialog", report)
    page.keyboard.press("Escape")
    page.get_by_role("link", name=f"Edit the list “{first_list.title}”").click()
    expect(page.locator("#task-dialog")).to_be_visible()
    page.get_by_role("link", name="Move list…").click()
    expect(page.locator("#dialog-title")).to_have_text(f"Move the list “{first_list.title}”")
    check(page, "list move dialog", report)
    page.keyboard.press("Escape")
    page.get_by_role("link", name="Activity").click()
    expect(page.locator("#activity-drawer")).to_be_visible()
    check(page, "activity drawer", report)

    as_viewer = new_context(viewer, viewport=viewport, color_scheme=scheme).new_page()
    for name, path in {
        "board (viewer)": f"/boards/{board.pk}/",
        "card page (viewer)": f"/tasks/{task_id}/",
    }.items():
        as_viewer.goto(path)
        check(as_viewer, name, report)

    assert report == {}, "axe found WCAG 2.1 AA violations:\n" + as_text(report)
