"""The card dialog's save merged by field (issue 13): the dialog carries the values it was
opened with (hidden base-* fields); edits to different fields are both kept, a clash on the
same field shows both values to choose from, and the choice saves."""

import re
from html import unescape

import pytest
from django.test import Client

from boards.tests.factories import BoardWithRoles, LabelFactory, board_with_roles
from boards.tests.snapshots import board_snapshot
from tasks import services
from tasks.models import Task
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def roles() -> BoardWithRoles:
    return board_with_roles(title="Launch")


def opened(client: Client, task: Task) -> dict[str, list[str]]:
    """The dialog's form as it opens."""
    return form_data(client.get(f"/tasks/{task.pk}/", headers=HTMX).content.decode())


def form_data(html: str) -> dict[str, list[str]]:
    """What the browser would post from the dialog's form: every named input, textarea,
    selected option and checked box."""
    form = html[html.index('<form class="task-form"') :]
    form = form[: form.index("</form>")]
    data: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken":
            continue
        if ('type="checkbox"' in tag or 'type="radio"' in tag) and "checked" not in tag:
            continue
        data.setdefault(name.group(1), []).append(unescape(value.group(1)) if value else "")
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\n?(.*?)</textarea>', form, re.S):
        data[name] = [unescape(text)]
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        data[name] = re.findall(r'<option value="([^"]*)"[^>]*selected', options)
    return data


def test_the_dialog_carries_the_values_it_was_opened_with(client: Client, roles: BoardWithRoles) -> None:
    label = LabelFactory.create(board=roles.board)
    task = TaskFactory.create(list__board=roles.board, title="Old title", description="Old words")
    services.task_update(task=task, actor=roles.admin, label_ids=[label.pk], assignee_ids=[roles.member.pk])
    client.force_login(roles.member)

    data = opened(client, task)

    assert {name: value for name, value in data.items() if name.startswith("base-")} == {
        "base-title": ["Old title"],
        "base-description": ["Old words"],
        "base-priority": ["medium"],
        "base-due_at": [""],
        "base-assignee_ids": [str(roles.member.pk)],
        "base-label_ids": [str(label.pk)],
    }


def test_edits_to_different_fields_are_both_kept(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board, title="Old title", description="Old words")
    client.force_login(roles.member)
    data = opened(client, task)
    services.task_update(task=task, actor=roles.admin, title="Erin's title")

    data["description"] = ["Dana's words"]
    response = client.post(f"/tasks/{task.pk}/", data, headers=HTMX)

    assert response.status_code == 200
    assert '<p class="saved-note" role="status">Saved.</p>' in response.content.decode()
    task.refresh_from_db()
    assert (task.title, task.description) == ("Erin's title", "Dana's words")


@pytest.mark.parametrize(("choice", "title"), [("mine", "Dana's title"), ("theirs", "Erin's title")])
def test_a_clash_on_one_field_shows_both_values_and_the_choice_saves(
    client: Client, roles: BoardWithRoles, choice: str, title: str
) -> None:
    roles.admin.name = "Erin Example"
    roles.admin.save()
    task = TaskFactory.create(list__board=roles.board, title="Old title", description="Old words")
    client.force_login(roles.member)
    data = opened(client, task)
    services.task_update(task=task, actor=roles.admin, title="Erin's title")
    data.update(title=["Dana's title"], description=["Dana's words"])
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/tasks/{task.pk}/", data, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert board_snapshot(roles.board.pk) == before
    assert (
        "Erin Example changed a field you changed too. Nothing was saved: choose which value "
        "to keep, then save." in html
    )
    assert re.findall(r'<fieldset class="merge-choice" data-merge-field="(\w+)">', html) == ["title"]
    sides = r'<span class="merge-side">(\w+)</span><span class="merge-value">([^<]*)</span>'
    assert re.findall(sides, html) == [
        ("Yours", "Dana&#x27;s title"),
        ("Theirs", "Erin&#x27;s title"),
    ]

    again = form_data(html)
    again["resolve-title"] = [choice]
    saved = client.post(f"/tasks/{task.pk}/", again, headers=HTMX)

    assert '<p class="saved-note" role="status">Saved.</p>' in saved.content.decode()
    task.refresh_from_db()
    assert (task.title, task.description) == (title, "Dana's words")


@pytest.mark.parametrize(
    ("field", "value"),
    [("base-label_ids", "x"), ("base-assignee_ids", "1," * 600), ("base-priority", "extreme")],
)
def test_malformed_opening_values_change_nothing(
    client: Client, roles: BoardWithRoles, field: str, value: str
) -> None:
    task = TaskFactory.create(list__board=roles.board, title="Old title")
    client.force_login(roles.member)
    data = opened(client, task)
    data.update({"title": ["New title"], field: [value]})
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/tasks/{task.pk}/", data, headers=HTMX)

    assert response.status_code == 200
    assert (
        "This form is out of date: reload the card and make your changes again." in response.content.decode()
    )
    assert board_snapshot(roles.board.pk) == before


def test_after_a_clash_the_fields_left_alone_show_their_current_values(
    client: Client, roles: BoardWithRoles
) -> None:
    task = TaskFactory.create(list__board=roles.board, title="Old title", description="Old words")
    client.force_login(roles.member)
    data = opened(client, task)
    services.task_update(task=task, actor=roles.admin, title="Erin's title", priority="urgent")
    data["title"] = ["Dana's title"]

    shown = form_data(client.post(f"/tasks/{task.pk}/", data, headers=HTMX).content.decode())

    assert (shown["title"], shown["base-title"]) == (["Dana's title"], ["Erin's title"])
    assert (shown["priority"], shown["base-priority"]) == (["urgent"], ["urgent"])
    assert (shown["description"], shown["base-description"]) == (["Old words"], ["Old words"])
