"""Time zones: a new account takes the browser's zone from the sign-up page, and the card
dialog names the zone its date field is in."""

from typing import Any

from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from boards import services as board_services
from boards.models import BoardList
from tasks import services as task_services

from .conftest import DESKTOP, PHONE, TIMEOUT_MS, wait_until_ready


def browser_in(
    browser: Any, live_server: Any, policy_violations: Any, zone: str, viewport: dict[str, int]
) -> Any:
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, locale="en-US", timezone_id=zone
    )
    context.set_default_timeout(TIMEOUT_MS)
    policy_violations.watch(context)
    return context


def test_a_new_account_takes_the_browsers_time_zone(
    browser: Any, live_server: Any, policy_violations: Any, screenshot: Any
) -> None:
    context = browser_in(browser, live_server, policy_violations, "America/New_York", DESKTOP)
    try:
        page: Page = context.new_page()
        page.goto("/accounts/register/")
        expect(page.locator("input[name=timezone]")).to_have_value("America/New_York")
        screenshot(page, "register-desktop")
        page.get_by_label("Name").fill("Nia York")
        page.get_by_label("Email").fill("nia@example.com")
        page.get_by_label("Password", exact=True).fill("a long enough passphrase 42")
        page.get_by_label("Confirm password").fill("a long enough passphrase 42")
        page.get_by_role("button", name="Sign up").click()
        page.wait_for_url(f"{live_server.url}/")
    finally:
        policy_violations.collect(context)
        context.close()

    assert User.objects.get(email="nia@example.com").timezone == "America/New_York"


def test_the_register_page_on_a_phone(
    browser: Any, live_server: Any, policy_violations: Any, screenshot: Any
) -> None:
    context = browser_in(browser, live_server, policy_violations, "Asia/Tokyo", PHONE)
    try:
        page: Page = context.new_page()
        page.goto("/accounts/register/")
        expect(page.locator("input[name=timezone]")).to_have_value("Asia/Tokyo")
        screenshot(page, "register-phone")
    finally:
        policy_violations.collect(context)
        context.close()


def test_the_card_dialog_names_the_zone_of_its_due_date(
    new_context: Any, pg_cluster: Any, screenshot: Any
) -> None:
    owner = UserFactory.create(name="Paris Owner", timezone="Europe/Paris")
    board = board_services.board_create(actor=owner, title="Zones", list_titles=["To do"])
    todo = BoardList.objects.get(board=board, title="To do")
    task_services.task_create(board=board, actor=owner, list_id=todo.pk, title="Zoned card")
    pg_cluster.replica.wait_for_catchup()

    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page: Page = new_context(owner, viewport=viewport).new_page()
        page.goto(f"/boards/{board.pk}/")
        wait_until_ready(page)
        page.get_by_text("Zoned card").first.click()
        expect(page.locator("#task-dialog")).to_be_visible()
        expect(page.get_by_label("Due (Europe/Paris)")).to_be_visible()
        screenshot(page, f"card-dialog-zone-{name}")


def test_an_existing_account_is_offered_the_browsers_zone_once(
    browser: Any, live_server: Any, policy_violations: Any, pg_cluster: Any, screenshot: Any
) -> None:
    kept = UserFactory.create(name="Kept Utc", timezone="UTC")
    moved = UserFactory.create(name="Moved Utc", timezone="UTC")
    pg_cluster.replica.wait_for_catchup()

    for user, viewport, size in ((moved, DESKTOP, "desktop"), (kept, PHONE, "phone")):
        context = browser_in(browser, live_server, policy_violations, "Europe/Paris", viewport)
        try:
            sign_in(context, live_server, user)
            page: Page = context.new_page()
            page.goto("/accounts/profile/")
            offer = page.locator("[data-zone-offer]")
            expect(offer).to_contain_text("Your browser is in Europe/Paris.")
            screenshot(page, f"profile-zone-offer-{size}")
            if user is moved:
                offer.get_by_role("button", name="Use it").click()
                expect(page.locator("select[name=timezone]")).to_have_value("Europe/Paris")
                page.get_by_role("button", name="Save", exact=True).click()
                expect(page.locator("select[name=timezone]")).to_have_value("Europe/Paris")
            else:
                offer.get_by_role("button", name="Keep UTC").click()
            expect(offer).to_be_hidden()
            # Asked once: not again in this browser.
            page.goto("/accounts/profile/")
            expect(page.locator("select[name=timezone]")).to_be_visible()
            expect(page.locator("[data-zone-offer]")).to_be_hidden()
        finally:
            policy_violations.collect(context)
            context.close()

    assert User.objects.get(pk=moved.pk).timezone == "Europe/Paris"
    assert User.objects.get(pk=kept.pk).timezone == "UTC"


def sign_in(context: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
