"""Activity and notifications in the admin: read-only, fixed query counts, escaped."""

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory
from activity.models import Activity, Notification
from boards import services as board_services
from boards.models import BoardList
from boards.tests.admin_support import ADMIN_PAGE_QUERY_BUDGET, admin_url, grow_board, queries_of_get
from tasks import services as task_services

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script>"
XSS_ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


@pytest.mark.parametrize("model", [Activity, Notification], ids=lambda m: m.__name__)
def test_the_changelist_and_view_page_have_a_fixed_query_count(
    admin_client: Client, admin_user: User, model: type[Any], django_assert_max_num_queries: Any
) -> None:
    owner = UserFactory.create()
    board = board_services.board_create(actor=owner, title="Measured")
    grow_board(board, owner=owner, size=1)
    obj = model.objects.filter(board=board).order_by("pk").first()
    pages = [admin_url(model), admin_url(obj, "change")]
    small = [queries_of_get(admin_client, url) for url in pages]

    grow_board(board, owner=owner, size=3)
    large = [queries_of_get(admin_client, url) for url in pages]

    assert large == small
    for url in pages:
        with django_assert_max_num_queries(ADMIN_PAGE_QUERY_BUDGET):
            assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("model", [Activity, Notification], ids=lambda m: m.__name__)
def test_activity_and_notifications_are_read_only(admin_client: Client, model: type[Any]) -> None:
    owner = UserFactory.create()
    board = board_services.board_create(actor=owner, title="Board")
    grow_board(board, owner=owner, size=1)
    obj = model.objects.filter(board=board).order_by("pk").first()
    before = list(model.objects.order_by("pk").values())

    changelist = admin_client.get(admin_url(model))
    page = admin_client.get(admin_url(obj, "change"))
    refused = [
        admin_client.get(admin_url(model, "add")),
        admin_client.post(admin_url(model, "add"), {}),
        admin_client.post(admin_url(obj, "change"), {"verb": "board.deleted", "text": "x"}),
        admin_client.get(admin_url(obj, "delete")),
        admin_client.post(admin_url(obj, "delete"), {"post": "yes"}),
        admin_client.post(
            admin_url(model), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
        ),
    ]

    assert "delete_selected" not in changelist.context["cl"].model_admin.get_actions(changelist.wsgi_request)
    assert page.context["title"].startswith("View ")
    assert 'name="_save"' not in page.content.decode()
    assert [response.status_code for response in refused[:5]] == [403, 403, 403, 403, 403]
    # There is no delete action: the changelist shows again and deletes nothing.
    assert refused[5].status_code == 200
    assert list(model.objects.order_by("pk").values()) == before


def test_the_feed_filters_by_verb_and_board(admin_client: Client, admin_user: User) -> None:
    board = board_services.board_create(actor=admin_user, title="One")
    other = board_services.board_create(actor=admin_user, title="Two")
    board_services.label_create(board_id=board.pk, actor=admin_user, name="bug", color="#ff0000")

    by_verb = admin_client.get(admin_url(Activity), {"verb": "label.created"})
    by_board = admin_client.get(admin_url(Activity), {"board__id__exact": str(other.pk)})

    assert [(a.board_id, a.verb) for a in by_verb.context["cl"].result_list] == [(board.pk, "label.created")]
    assert [(a.board_id, a.verb) for a in by_board.context["cl"].result_list] == [(other.pk, "board.created")]


def test_titles_and_payloads_are_escaped(admin_client: Client, admin_user: User) -> None:
    bob = UserFactory.create()
    board = board_services.board_create(actor=admin_user, title=XSS)
    board_services.member_add(board_id=board.pk, actor=admin_user, email=bob.email, role="member")
    board_list = BoardList.objects.filter(board=board).first()
    assert board_list is not None
    task = task_services.task_create(
        board=board, actor=admin_user, list_id=board_list.pk, title=XSS, assignee_ids=[bob.pk]
    )
    activity = Activity.objects.get(board=board, verb="task.created")
    notification = Notification.objects.get(task=task)

    pages = [
        admin_client.get(url).content.decode()
        for url in (
            admin_url(Activity),
            admin_url(activity, "change"),
            admin_url(Notification),
            admin_url(notification, "change"),
        )
    ]

    for html in pages:
        assert XSS not in html
        assert XSS_ESCAPED in html
