"""Helpers for the admin tests of every app: a board grown through the services, the admin
URLs of a row, and the POST body of an admin page as the browser would send it."""

from typing import Any
from uuid import uuid4

from django import forms
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from boards import services
from boards.models import Board, Role
from tasks import services as task_services

# Every admin page of these tests stays within this many queries, whatever the data size.
ADMIN_PAGE_QUERY_BUDGET = 12


def grow_board(board: Board, *, owner: User, size: int) -> None:
    """Add `size` members, invitations, labels and lists to the board, `size` tasks to
    each new list and `size` comments (mentioning the owner) to each new task. Through the
    services, so activities and notifications grow too."""
    for _ in range(size):
        member = UserFactory.create()
        services.member_add(board_id=board.pk, actor=owner, email=member.email, role=Role.MEMBER)
        services.member_add(
            board_id=board.pk, actor=owner, email=f"{uuid4().hex}@example.com", role=Role.VIEWER
        )
        label = services.label_create(board_id=board.pk, actor=owner, name=uuid4().hex[:12], color="#3366ff")
        board_list = services.list_create(board_id=board.pk, actor=owner, title=f"List {uuid4().hex[:6]}")
        for _ in range(size):
            task = task_services.task_create(
                board=board,
                actor=owner,
                list_id=board_list.pk,
                title=f"Task {uuid4().hex[:6]}",
                assignee_ids=[owner.pk, member.pk],
                label_ids=[label.pk],
            )
            for _ in range(size):
                task_services.comment_create(task=task, actor=member, body=f"Look @{owner.email}")


def admin_url(model_or_obj: type[models.Model] | models.Model, view: str = "changelist") -> str:
    opts = model_or_obj._meta
    name = f"admin:{opts.app_label}_{opts.model_name}_{view}"
    if isinstance(model_or_obj, models.Model) and view in ("change", "delete", "history"):
        return reverse(name, args=[model_or_obj.pk])
    return reverse(name)


def queries_of_get(client: Client, url: str) -> int:
    """The queries of a GET of `url`, once the process's caches (content types) are warm."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def _field_data(form: forms.BaseForm) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        bound = form[name]
        if field.disabled:
            continue
        value = bound.value()
        widget = getattr(field.widget, "widget", field.widget)  # RelatedFieldWidgetWrapper
        if isinstance(widget, forms.MultiWidget):
            parts = widget.decompress(value) or []
            for index, part in enumerate(parts):
                data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
        elif isinstance(field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        else:
            data[bound.html_name] = "" if value is None else str(value)
    return data


def change_form_data(response: Any) -> dict[str, Any]:
    """The POST body of the admin add/change page in `response`, unchanged: the main form
    and every inline formset with its management form."""
    data = _field_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_field_data(formset.management_form))
        for form in formset.forms:
            data.update(_field_data(form))
    return data


def inline_prefix(response: Any, model: type[models.Model]) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is model:
            return str(inline.formset.prefix)
    raise LookupError(model)
