"""The account's "Email and reminders" page with the keyboard alone (errors shown on their
field, then saved), and a mail's unsubscribe link opened by someone not signed in."""

from typing import Any

from playwright.sync_api import Page, expect

from accounts import selectors
from accounts.notification_preferences import MailKind, preferences_representation
from accounts.tests.factories import UserFactory
from accounts.unsubscribe_links import unsubscribe_token

from .conftest import DESKTOP, PHONE
from .test_keyboard import focused, tab_to


def test_the_settings_are_changed_with_the_keyboard(new_context: Any, screenshot: Any) -> None:
    user = UserFactory.create(name="Kim Keys", timezone="Europe/Berlin")
    page: Page = new_context(user, viewport=DESKTOP).new_page()
    page.goto("/accounts/profile/")

    # From the account's tabs to the page, by keyboard.
    tab_to(page, "Email and reminders")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Email and reminders")).to_be_visible()
    screenshot(page, "notification-settings-desktop")

    tab_to(page, "email_mentions")
    page.keyboard.press("Space")
    expect(page.get_by_label("When someone mentions me")).not_to_be_checked()
    tab_to(page, "reminder_offsets_minutes")
    page.keyboard.press("Control+A")
    page.keyboard.type("30, 2880")
    tab_to(page, "quiet_hours_end")
    page.get_by_label("Quiet until").fill("22:00")  # the same as the start: refused
    page.keyboard.press("Enter")

    end = page.get_by_label("Quiet until")
    expect(page.locator("#id_quiet_hours_end_error")).to_have_text(
        "Quiet hours must start and end at different times."
    )
    # What was typed is kept for the correction.
    expect(page.get_by_label("Reminders, in minutes before the due time")).to_have_value("30, 2880")
    assert preferences_representation(selectors.notification_settings_get(user_id=user.pk))["email_mentions"]

    end.focus()
    end.fill("06:30")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Your email and reminder settings were saved.")).to_be_visible()
    assert preferences_representation(selectors.notification_settings_get(user_id=user.pk)) == {
        "email_mentions": False,
        "email_assignments": True,
        "email_due": True,
        "reminder_offsets_minutes": [2880, 30],
        "digest": "off",
        "quiet_hours": {"start": "22:00", "end": "06:30"},
    }
    expect(page.get_by_label("Reminders, in minutes before the due time")).to_have_value("2880, 30")


def test_an_unsubscribe_link_works_without_signing_in(new_context: Any, screenshot: Any) -> None:
    user = UserFactory.create(email="una@example.com")
    path = f"/accounts/unsubscribe/{unsubscribe_token(user_id=user.pk, kind=MailKind.ASSIGNMENTS)}/"
    page: Page = new_context(viewport=PHONE).new_page()

    page.goto(path)
    expect(page.get_by_role("heading", name="Unsubscribe")).to_be_visible()
    screenshot(page, "unsubscribe-phone")
    tab_to(page, "Unsubscribe")
    assert focused(page) == "Unsubscribe"
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="You're unsubscribed")).to_be_visible()
    assert selectors.notification_settings_get(user_id=user.pk).email_assignments is False
    page.goto(path)
    expect(page.get_by_role("heading", name="Already unsubscribed")).to_be_visible()
