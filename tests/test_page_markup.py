"""Every rendered page and fragment, as each kind of visitor gets it: no inline script, no
style attribute or element, no event-handler attribute, no third-party URL, and a CSRF
token in every POST form. So a strict Content-Security-Policy can be applied as it is:
`default-src 'self'` with no 'unsafe-inline' and no 'unsafe-eval'."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from activity.models import Notification, NotificationKind
from boards import services as board_services
from boards.tests.factories import board_with_roles
from tasks import services as task_services

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)
THIRD_PARTY_URL = re.compile(r"""(src|href|action|hx-get|hx-post)\s*=\s*["']?\s*(https?:)?//""", re.I)


def assert_strict_csp_ready(html: str, where: str) -> None:
    for name, pattern in (
        ("an inline script", INLINE_SCRIPT),
        ("a style attribute", STYLE_ATTRIBUTE),
        ("a style element", STYLE_ELEMENT),
        ("an event handler attribute", EVENT_HANDLER),
        ("a javascript: URL", JAVASCRIPT_URL),
        ("a third-party URL", THIRD_PARTY_URL),
    ):
        match = pattern.search(html)
        assert match is None, f"{where} has {name}: {html[max(0, match.start() - 80) : match.end() + 80]!r}"
    for form in re.findall(r"<form[^>]*>.*?</form>", html, re.S | re.I):
        if re.search(r'method="post"', form, re.I):
            assert 'name="csrfmiddlewaretoken"' in form, (
                f"{where} has a POST form without CSRF: {form[:200]!r}"
            )


@pytest.fixture
def populated() -> dict[str, Any]:
    """A board with a bit of everything on it, seen by its owner."""
    roles = board_with_roles(title="Launch")
    owner = roles.owner
    board = roles.board
    todo = board_services.list_create(board_id=board.pk, actor=owner, title="To do", wip_limit=5)
    board_services.list_create(board_id=board.pk, actor=owner, title="Done")
    label = board_services.label_create(board_id=board.pk, actor=owner, name="bug", color="#cc3344")
    task = task_services.task_create(
        board=board,
        actor=owner,
        list_id=todo.pk,
        title="Fix the login",
        description="See [the docs](/accounts/login/) and `code`.",
        priority="urgent",
        due_at=timezone.now() + timedelta(days=1),
        assignee_ids=[roles.member.pk],
        label_ids=[label.pk],
    )
    comment = task_services.comment_create(task=task, actor=owner, body=f"Hi @{roles.member.email}")
    invitation = board_services.member_add(
        board_id=board.pk, actor=owner, email="new@example.com", role="viewer"
    )
    Notification.objects.create(
        user=owner, kind=NotificationKind.MENTION, board=board, task=task, text="Hello"
    )
    return {
        "roles": roles,
        "list": todo,
        "task": task,
        "comment": comment,
        "invitation": invitation,
        "label": label,
    }


def test_pages_of_a_signed_in_user_are_ready_for_a_strict_csp(
    client: Client, populated: dict[str, Any]
) -> None:
    roles = populated["roles"]
    board, task, board_list = roles.board, populated["task"], populated["list"]
    client.force_login(roles.owner)
    pages = [
        "/",
        "/boards/",
        "/boards/?archived=1",
        f"/boards/{board.pk}/",
        f"/boards/{board.pk}/?q=fix&priority=urgent&due=week",
        f"/boards/{board.pk}/members/",
        f"/boards/{board.pk}/settings/",
        f"/boards/{board.pk}/activity/",
        f"/boards/{board.pk}/delete/",
        f"/tasks/{task.pk}/",
        f"/tasks/{task.pk}/move/",
        f"/tasks/{task.pk}/delete/",
        f"/lists/{board_list.pk}/edit/",
        "/notifications/",
        "/accounts/profile/",
        "/accounts/password/",
        "/accounts/notification-settings/",
        "/boards/999999/",
    ]
    fragments = [
        f"/boards/{board.pk}/?fragment=columns",
        f"/boards/{board.pk}/activity/",
        f"/boards/{board.pk}/lists/{board_list.pk}/cards/?after=0",
        f"/tasks/{task.pk}/",
        f"/tasks/{task.pk}/move/",
        f"/lists/{board_list.pk}/edit/",
        # What the page's live updates fetch (live/views.py).
        f"/boards/{board.pk}/cards/{task.pk}/",
        f"/boards/{board.pk}/lists/{board_list.pk}/",
    ]

    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert_strict_csp_ready(response.content.decode(), path)
    for path in fragments:
        response = client.get(path, headers=HTMX)
        assert response.status_code == 200, path
        assert_strict_csp_ready(response.content.decode(), f"{path} (htmx)")


def test_pages_with_form_errors_are_ready_for_a_strict_csp(client: Client, populated: dict[str, Any]) -> None:
    roles = populated["roles"]
    board, task = roles.board, populated["task"]
    client.force_login(roles.owner)
    posts = [
        ("/boards/", {"title": ""}),
        (f"/boards/{board.pk}/members/", {"email": "nope", "role": "member"}),
        (f"/boards/{board.pk}/settings/", {"title": ""}),
        (f"/boards/{board.pk}/labels/", {"new-label-name": "", "new-label-color": "x"}),
        (f"/tasks/{task.pk}/", {"title": "", "priority": "low", "version": task.version}),
        (f"/tasks/{task.pk}/comments/", {"body": ""}),
        ("/accounts/profile/", {"name": "", "timezone": "UTC"}),
        ("/accounts/password/", {"current_password": "x"}),
        ("/accounts/notification-settings/", {"reminder_offsets_minutes": "x", "quiet_hours_start": "25:00"}),
    ]
    for path, data in posts:
        response = client.post(path, data)
        assert response.status_code == 200, path
        assert_strict_csp_ready(response.content.decode(), f"POST {path}")


def test_pages_of_a_viewer_and_of_strangers_are_ready_for_a_strict_csp(
    client: Client, populated: dict[str, Any]
) -> None:
    roles = populated["roles"]
    token = "markup-test-token"
    from boards.models import Invitation

    Invitation.objects.filter(pk=populated["invitation"].pk).update(
        token_hash=board_services.hash_invitation_token(token)
    )
    viewer = Client()
    viewer.force_login(roles.viewer)
    for path in (
        f"/boards/{roles.board.pk}/",
        f"/tasks/{populated['task'].pk}/",
        f"/boards/{roles.board.pk}/members/",
    ):
        assert_strict_csp_ready(viewer.get(path).content.decode(), f"{path} (viewer)")

    for path in (
        "/accounts/login/",
        "/accounts/register/",
        "/accounts/password-reset/",
        f"/invitations/{token}/",
        "/invitations/unknown/",
        "/no/such/page/",
    ):
        assert_strict_csp_ready(client.get(path).content.decode(), f"{path} (anonymous)")
    client.force_login(UserFactory.create())
    assert_strict_csp_ready(client.get(f"/invitations/{token}/").content.decode(), "invitation (signed in)")


def test_admin_pages_are_ready_for_a_strict_csp(admin_client: Client, admin_user: Any) -> None:
    from django.contrib import admin

    from boards.tests.admin_support import admin_url, grow_board

    board = board_services.board_create(actor=admin_user, title="Audited")
    grow_board(board, owner=admin_user, size=1)
    pages = ["/admin/", "/admin/password_change/"]
    for model in admin.site._registry:
        pages.append(admin_url(model))
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            pages.append(admin_url(row, "change"))
            pages.append(admin_url(row, "history"))

    add_pages = [admin_url(model, "add") for model in admin.site._registry]

    for path in pages:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert_strict_csp_ready(response.content.decode(), f"{path} (admin)")
    for path in add_pages:
        response = admin_client.get(path)
        # The activity log and notifications can't be added by hand.
        assert response.status_code in (200, 403), path
        assert_strict_csp_ready(response.content.decode(), f"{path} (admin)")
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    assert_strict_csp_ready(response.content.decode(), "/admin/login/ (anonymous)")


def test_the_csrf_failure_page_is_ready_for_a_strict_csp() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"username": "a@example.com", "password": "x"})

    assert response.status_code == 403
    html = response.content.decode()
    assert_strict_csp_ready(html, "the CSRF failure page")
    assert "Reload the page" in html
