"""Screenshots of every kind of HTML mail, as a mail client without scripts shows it, wide
and on a phone: test-artifacts/screenshots/mail-<kind>-<size>.png. For people to look at
(tests/test_mail_kinds.py checks what they say); the test fails if one doesn't render."""

from typing import Any

import pytest

from tests.mail_samples import KINDS, make_samples

from .conftest import PHONE, SCREENSHOTS

pytestmark = pytest.mark.django_db
# A mail client's reading pane.
WIDE = {"width": 800, "height": 700}


def test_screenshots_of_every_kind_of_mail(browser: Any) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    samples = make_samples()
    assert sorted(samples.mails) == sorted(KINDS)
    for size, viewport in (("desktop", WIDE), ("phone", PHONE)):
        # No scripts, as in a mail client; the HTML is the outbox row's, as sent.
        context = browser.new_context(viewport=viewport, java_script_enabled=False, locale="en-US")
        try:
            page = context.new_page()
            for kind, mail in samples.mails.items():
                page.set_content(mail.html_body)
                assert page.locator("a", has_text="Taskboard").first.is_visible(), kind
                # Nothing wider than the screen: no sideways scrolling on a phone.
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], kind
                page.screenshot(path=str(SCREENSHOTS / f"mail-{kind}-{size}.png"), full_page=True)
        finally:
            context.close()
