"""The pages run in Chromium under the strict Content-Security-Policy with nothing refused:
sign-in, Swagger UI, the admin, a board with its live socket and a card dialog. (Every other
browser test fails on a violation too: the `policy_violations` fixture in conftest.py.)"""

from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from boards import services as board_services
from tasks import services as task_services
from tests.browser import PolicyViolations
from tests.policies import PERMISSIONS_POLICY, directives, strict_policy

from .conftest import wait_until_ready


def open_under_policy(page: Any, path: str) -> None:
    """Go to `path` and check that the document came with the strict policy for this host."""
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, path
    host = urlsplit(page.url).netloc
    assert directives(response.headers["content-security-policy"]) == strict_policy(f"ws://{host}"), path
    assert response.headers["permissions-policy"] == PERMISSIONS_POLICY, path


def test_the_listener_reports_what_the_policy_refuses(
    new_context: Any, policy_violations: PolicyViolations
) -> None:
    page = new_context().new_page()
    open_under_policy(page, "/accounts/login/")

    page.evaluate(
        """() => {
          document.body.insertAdjacentHTML("beforeend", '<p style="color: red">inline style</p>');
          const script = document.createElement("script");
          script.src = "https://cdn.example.invalid/tracker.js";
          document.head.appendChild(script);
        }"""
    )
    page.wait_for_function("() => window.__policyViolations.length >= 2")
    policy_violations.collect(page.context)

    refused = "\n".join(policy_violations.found)
    assert "style-src-attr refused inline" in refused, refused
    assert "script-src-elem refused https://cdn.example.invalid/tracker.js" in refused, refused
    assert "console error: Applying inline style violates" in refused, refused
    # Provoked on purpose: not a failure of this test.
    policy_violations.clear()


def test_the_pages_run_under_the_policy_with_nothing_refused(
    new_context: Any, asgi_server: Any, pg_cluster: Any, policy_violations: PolicyViolations
) -> None:
    admin = UserFactory.create(name="Ada Admin", is_staff=True, is_superuser=True)
    board = board_services.board_create(actor=admin, title="Under policy")
    todo = board.lists.get(title="To do")
    label = board_services.label_create(board_id=board.pk, actor=admin, name="bug", color="#d64545")
    task_services.task_create(
        board=board,
        actor=admin,
        list_id=todo.pk,
        title="Check the policy",
        description="Some **markdown** and a [link](/boards/).",
        label_ids=[label.pk],
    )
    pg_cluster.replica.wait_for_catchup()

    # Signed out: the login pages and the API's documentation.
    anonymous = new_context(base_url=asgi_server.http_url).new_page()
    open_under_policy(anonymous, "/accounts/login/")
    expect(anonymous.locator("h1")).to_be_visible()
    open_under_policy(anonymous, "/admin/login/")
    expect(anonymous.locator("#login-form")).to_be_visible()
    open_under_policy(anonymous, "/api/v1/docs/")
    operations = anonymous.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20
    operations.first.locator(".opblock-summary").click()
    expect(operations.first.locator(".opblock-body")).to_be_visible()

    # Staff: the admin's index, a list with colour swatches, a form with inlines.
    page = new_context(admin, base_url=asgi_server.http_url).new_page()
    open_under_policy(page, "/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    open_under_policy(page, "/admin/boards/label/")
    # The test's label, after the six every new board starts with.
    expect(page.locator("#result_list .field-swatch svg rect[fill='#d64545']")).to_have_count(1)
    open_under_policy(page, f"/admin/boards/board/{board.pk}/change/")
    expect(page.locator("#id_title")).to_have_value("Under policy")

    # The board: its scripts, drag and drop, the live socket (connect-src), a card dialog.
    open_under_policy(page, f"/boards/{board.pk}/")
    wait_until_ready(page)
    expect(page.locator("[data-live-board]")).to_have_attribute("data-live-state", "open")
    page.click("text=Check the policy")
    dialog = page.locator("#task-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".markdown strong")).to_have_text("markdown")
    dialog.locator("button:has-text('Preview')").click()
    expect(dialog.locator("#description-preview strong")).to_have_text("markdown")

    for context_page in (anonymous, page):
        policy_violations.collect(context_page.context)
    assert policy_violations.found == []
