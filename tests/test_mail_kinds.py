"""Every kind of mail, as the services write it into the outbox and the worker sends it:
HTML and text, the card's title and board, times in the reader's zone, the link to the card,
the unsubscribe link and headers of notification mail (tests/mail_samples.py makes them)."""

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.conf import settings
from django.utils.html import escape

from accounts.unsubscribe_links import read_unsubscribe_token
from outbox.messages import build_message
from outbox.models import OutboxMail

from .mail_samples import KINDS, Samples, make_samples

pytestmark = pytest.mark.django_db
# The notification kinds: each has the unsubscribe link of its kind.
UNSUBSCRIBE_KIND = {
    "mention": "mentions",
    "assignment": "assignments",
    "due_reminder": "due",
    "digest": "digest",
}


@pytest.fixture
def samples() -> Samples:
    return make_samples()


def parts(mail: OutboxMail) -> tuple[str, str]:
    """The text and HTML parts as the SMTP server receives them (decoded)."""
    message = message_from_bytes(build_message(mail).message().as_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def card_url(task_id: int) -> str:
    return f"{settings.SITE_URL}/tasks/{task_id}/"


def test_every_kind_is_made_with_a_text_and_an_html_part_in_the_product_frame(samples: Samples) -> None:
    assert sorted(samples.mails) == sorted(KINDS)
    for kind, mail in samples.mails.items():
        text, html = parts(mail)
        assert text.strip(), kind
        assert html.startswith("<!doctype html>"), kind
        assert "Taskboard" in html, kind
        assert "{%" not in text + html, kind
        assert "{{" not in text + html, kind
        # The text part is not HTML-escaped (a card is called "Q&A page copy").
        assert [entity for entity in ("&amp;", "&#x27;", "&quot;", "&lt;") if entity in text] == [], kind


def test_notification_mail_has_the_unsubscribe_link_and_headers_of_its_kind(samples: Samples) -> None:
    for kind, unsubscribe_kind in UNSUBSCRIBE_KIND.items():
        mail = samples.mails[kind]
        text, html = parts(mail)
        link = mail.headers["List-Unsubscribe"].strip("<>")
        token = link.rstrip("/").rsplit("/", 1)[1]
        assert read_unsubscribe_token(token) == (samples.reader.pk, unsubscribe_kind), kind
        assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", kind
        assert link in text, kind
        assert link in html, kind
        assert f"{settings.SITE_URL}/accounts/notification-settings/" in text, kind
        assert f'href="{settings.SITE_URL}/accounts/notification-settings/"' in html, kind
    for kind in ("welcome", "verification", "password_reset", "invitation"):
        assert "List-Unsubscribe" not in samples.mails[kind].headers, kind


def test_the_due_reminder_shows_the_card_its_board_and_the_due_time_in_the_readers_zone(
    samples: Samples,
) -> None:
    mail = samples.mails["due_reminder"]
    text, html = parts(mail)

    assert mail.subject == "Due within 1 hour: Pick the launch date"
    for body in (text, html):
        assert "Pick the launch date" in body
        assert "Website launch" in body
        assert "Thursday 10 January 2030, 16:00 EST" in body  # 21:00 UTC
        assert card_url(samples.card.pk) in body


def test_the_digest_lists_the_overdue_card_and_the_one_due_tonight_in_the_readers_zone(
    samples: Samples,
) -> None:
    mail = samples.mails["digest"]
    text, html = parts(mail)

    assert mail.subject == "Your day, Fri 11 Jan: 1 overdue, 1 due today"
    assert "Overdue (1)" in text
    assert "Due today (1)" in text
    assert "Pick the launch date — Website launch, due Thu 10 Jan, 16:00 EST" in text
    assert "Q&A page copy — Website launch, due Fri 11 Jan, 18:30 EST" in text
    assert "Overdue · 1" in html
    assert "Due today · 1" in html
    assert "Thu 10 Jan, 16:00 EST" in html
    assert "Fri 11 Jan, 18:30 EST" in html
    for task in (samples.card, samples.tonight):
        assert card_url(task.pk) in text
        assert card_url(task.pk) in html


def test_mention_and_assignment_mail_show_who_what_where_and_when(samples: Samples) -> None:
    mention, assignment = samples.mails["mention"], samples.mails["assignment"]

    assert mention.subject == "Ada Lovelace mentioned you on “Pick the launch date”"
    # Both cards assigned within the window: one mail.
    assert assignment.subject == "You were assigned to 2 cards"
    for mail, cards in ((mention, [samples.card]), (assignment, [samples.card, samples.tonight])):
        text, html = parts(mail)
        for task in cards:
            assert task.title in text
            assert escape(task.title) in html
            assert card_url(task.pk) in text
            assert card_url(task.pk) in html
        assert "Website launch" in text
        assert "Website launch" in html
        assert "deleted card" not in html  # the card created by the same write has its title
        assert " EST" in text
        assert " EST" in html


def test_account_mail_carries_its_link(samples: Samples) -> None:
    links = {
        "welcome": "/accounts/verify-email/",
        "verification": "/accounts/verify-email/",
        "password_reset": "/accounts/reset/",
        "invitation": "/invitations/",
    }
    for kind, path in links.items():
        text, html = parts(samples.mails[kind])
        assert f"{settings.SITE_URL}{path}" in text, kind
        assert f'href="{settings.SITE_URL}{path}' in html, kind
    assert "Website launch" in parts(samples.mails["invitation"])[1]
