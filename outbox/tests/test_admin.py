"""The outbox in the admin: listed with state and error, bodies read-only, failed retried."""

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from outbox import services
from outbox.models import OutboxMail

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client: Client) -> Client:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def _failed_mail() -> OutboxMail:
    mail = services.mail_enqueue(
        key="invitation:7", kind="invitation", to_address="bo@example.com", subject="Join", text="Hi", html=""
    )
    OutboxMail.objects.filter(pk=mail.pk).update(
        state=OutboxMail.State.FAILED, attempts=6, last_error="SMTPDataError: 554 rejected"
    )
    return mail


def test_the_list_shows_state_kind_attempts_and_error(admin: Client) -> None:
    _failed_mail()

    response = admin.get("/admin/outbox/outboxmail/?state__exact=failed")

    assert response.status_code == 200
    page = response.content.decode()
    assert "bo@example.com" in page
    assert "SMTPDataError: 554 rejected" in page
    assert "invitation" in page


def test_a_mail_is_shown_read_only(admin: Client) -> None:
    mail = _failed_mail()

    response = admin.get(f"/admin/outbox/outboxmail/{mail.pk}/change/")

    assert response.status_code == 200
    assert b'name="text_body"' not in response.content
    assert admin.post(f"/admin/outbox/outboxmail/{mail.pk}/change/", {"subject": "x"}).status_code == 403


def test_the_retry_action_queues_failed_mail_again(admin: Client, django_capture_on_commit_callbacks) -> None:
    mail = _failed_mail()

    with django_capture_on_commit_callbacks() as callbacks:
        form = {"action": "retry_failed", "_selected_action": [mail.pk]}
        response = admin.post("/admin/outbox/outboxmail/", form, follow=True)

    assert response.status_code == 200
    assert len(callbacks) == 1
    assert OutboxMail.objects.get(pk=mail.pk).state == OutboxMail.State.PENDING
