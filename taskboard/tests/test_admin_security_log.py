"""A "delete selected" of several rows in the admin writes a security line per row, as a
single deletion does (taskboard/admin_site.py), through the real changelist POST; a refused
batch writes none."""

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory
from boards import services
from boards.models import Membership, Role

pytestmark = pytest.mark.django_db

CommitCapture = Callable[..., Any]


def security_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "taskboard.security"]


def delete_selected(client: Client, changelist: str, ids: list[int]) -> Any:
    return client.post(changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})


@pytest.fixture
def staff(client: Client) -> User:
    user = UserFactory.create(email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_deleting_several_groups_writes_a_line_per_group(
    client: Client,
    staff: User,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: CommitCapture,
) -> None:
    groups = [Group.objects.create(name=f"group-{n}") for n in range(3)]
    ids = [group.pk for group in groups]
    caplog.set_level(logging.INFO)

    with django_capture_on_commit_callbacks(execute=True):
        response = delete_selected(client, "/admin/auth/group/", ids)

    assert response.status_code == 302
    assert Group.objects.count() == 0
    assert LogEntry.objects.count() == 3
    assert sorted(security_lines(caplog)) == sorted(
        f"Admin action: deletion of auth.group id={pk} by user={staff.pk}" for pk in ids
    )


def test_deleting_one_selected_row_writes_one_line(
    client: Client,
    staff: User,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: CommitCapture,
) -> None:
    group = Group.objects.create(name="alone")
    caplog.set_level(logging.INFO)

    with django_capture_on_commit_callbacks(execute=True):
        response = delete_selected(client, "/admin/auth/group/", [group.pk])

    assert response.status_code == 302
    assert security_lines(caplog) == [
        f"Admin action: deletion of auth.group id={group.pk} by user={staff.pk}"
    ]


def test_a_bulk_delete_through_the_services_writes_a_line_per_row_and_no_secret(
    client: Client,
    staff: User,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: CommitCapture,
) -> None:
    board = services.board_create(actor=staff, title="Launch")
    members = [UserFactory.create(email=f"member{n}@example.com") for n in range(2)]
    for member in members:
        services.member_add(board_id=board.pk, actor=staff, email=member.email, role=Role.MEMBER)
    ids = list(Membership.objects.filter(board=board, user__in=members).values_list("pk", flat=True))
    caplog.set_level(logging.INFO)

    with django_capture_on_commit_callbacks(execute=True):
        response = delete_selected(client, "/admin/boards/membership/", ids)

    assert response.status_code == 302
    assert not Membership.objects.filter(pk__in=ids).exists()
    lines = security_lines(caplog)
    assert sorted(lines) == sorted(
        f"Admin action: deletion of boards.membership id={pk} by user={staff.pk}" for pk in ids
    )
    assert not any("@example.com" in line for line in lines)


def test_a_refused_bulk_delete_writes_no_line(
    client: Client,
    staff: User,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: CommitCapture,
) -> None:
    owner = UserFactory.create()
    board = services.board_create(actor=owner, title="Theirs")
    services.member_add(board_id=board.pk, actor=owner, email=staff.email, role=Role.ADMIN)
    ids = list(Membership.objects.filter(board=board).values_list("pk", flat=True))
    caplog.set_level(logging.INFO)

    with django_capture_on_commit_callbacks(execute=True):
        response = delete_selected(client, "/admin/boards/membership/", ids)

    assert response.status_code == 302  # back to the list, "Nothing was deleted."
    assert Membership.objects.filter(pk__in=ids).count() == 2
    assert LogEntry.objects.count() == 0
    assert security_lines(caplog) == []
