"""The invitation mail in the outbox: its link is kept only until sent, never shown."""

import re
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from boards import services
from boards.models import Invitation
from boards.tests.factories import board_with_roles
from outbox import services as outbox_services
from outbox.admin import SENSITIVE_BODY
from outbox.models import OutboxMail
from outbox.services import SendOutcome

pytestmark = pytest.mark.django_db


def test_after_sending_the_invitation_token_is_in_no_outbox_row_nor_the_admin(
    client: Client, mailoutbox: list[Any]
) -> None:
    given = board_with_roles(title="Launch")
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    invitation = services.member_add(
        board_id=given.board.pk, actor=given.admin, email="newcomer@example.com", role="member"
    )
    assert isinstance(invitation, Invitation)
    [mail] = OutboxMail.objects.all()
    waiting = client.get(f"/admin/outbox/outboxmail/{mail.pk}/change/").content.decode()

    assert outbox_services.mail_send(mail_id=mail.pk) == SendOutcome.SENT

    [message] = mailoutbox
    found = re.search(r"/invitations/([A-Za-z0-9_-]+)/", message.body)
    assert found is not None
    token = found.group(1)
    assert services.hash_invitation_token(token) == Invitation.objects.get().token_hash
    assert mail.key == services.invitation_mail_key(invitation.pk)
    assert token not in waiting
    assert SENSITIVE_BODY in waiting
    assert token not in repr(list(OutboxMail.objects.values()))
    assert token not in repr(list(Invitation.objects.values()))  # only its hash, as before
    page = client.get(f"/admin/outbox/outboxmail/{mail.pk}/change/").content.decode()
    assert token not in page
    assert SENSITIVE_BODY in page


def test_the_invitation_mail_says_its_expiry_in_utc_whatever_zone_the_request_has() -> None:
    given = board_with_roles()

    with timezone.override(ZoneInfo("Asia/Kolkata")):  # +05:30: no hour of it matches UTC
        invitation = services.member_add(
            board_id=given.board.pk, actor=given.admin, email="newcomer@example.com", role="member"
        )

    assert isinstance(invitation, Invitation)
    expires = invitation.expires_at.astimezone(UTC)
    [mail] = OutboxMail.objects.all()
    assert f"expires on {expires.day} {expires:%B %Y, %H:%M} UTC." in mail.text_body
