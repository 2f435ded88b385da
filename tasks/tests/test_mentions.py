"""Mentions: `@<email>` of a member, in a comment or a description, notifies them and shows
their name; anything else mentioned stays text."""

import pytest

from accounts.models import User
from activity.models import Notification
from boards.models import BoardList
from boards.tests.factories import BoardListFactory, BoardWithRoles, board_with_roles
from tasks import services
from tasks.mention_highlighting import highlight_mentions
from tasks.mentions import mentioned_members
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def given() -> BoardWithRoles:
    board = board_with_roles(title="Launch")
    board.admin.name = "Erin Example"
    board.admin.email = "erin@example.com"
    board.admin.save()
    board.member.name = "Meg"
    board.member.save()
    return board


@pytest.fixture
def todo(given: BoardWithRoles) -> BoardList:
    return BoardListFactory.create(board=given.board, title="To do")


def mention_notifications() -> list[tuple[int, int | None, str]]:
    return list(
        Notification.objects.filter(kind="mention")
        .order_by("user_id")
        .values_list("user_id", "task_id", "text")
    )


def test_a_mention_of_a_member_in_any_case_shows_their_name(given: BoardWithRoles, todo: BoardList) -> None:
    task = TaskFactory.create(list=todo, title="Ship")

    comment = services.comment_create(task=task, actor=given.member, body="Ask @Erin@Example.COM, please.")

    assert comment.body == "Ask @Erin@Example.COM, please."
    assert comment.body_html == (
        '<p>Ask <span class="mention" title="erin@example.com">@Erin Example</span>, please.</p>'
    )
    assert mention_notifications() == [(given.admin.pk, task.pk, "Meg mentioned you on “Ship”")]


def test_a_mention_of_someone_not_on_the_board_stays_text_and_notifies_nobody(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = TaskFactory.create(list=todo)
    body = f"@{given.outsider.email} @nobody @Erin Example"

    comment = services.comment_create(task=task, actor=given.member, body=body)

    assert comment.body_html == f"<p>{body}</p>"
    assert mention_notifications() == []


def test_mentions_in_code_and_links_stay_as_written_but_still_notify(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = TaskFactory.create(list=todo)
    body = "`@erin@example.com`\n\n[@erin@example.com](https://example.com) **@erin@example.com**"

    comment = services.comment_create(task=task, actor=given.member, body=body)

    assert comment.body_html == (
        "<p><code>@erin@example.com</code></p>\n"
        '<p><a href="https://example.com" rel="noopener noreferrer nofollow">@erin@example.com</a> '
        '<strong><span class="mention" title="erin@example.com">@Erin Example</span></strong></p>'
    )
    assert [user_id for user_id, _, _ in mention_notifications()] == [given.admin.pk]


def test_a_name_is_escaped_where_it_is_shown(given: BoardWithRoles, todo: BoardList) -> None:
    given.admin.name = '<b>Erin</b> "E" & co'
    given.admin.save()
    task = TaskFactory.create(list=todo)

    comment = services.comment_create(task=task, actor=given.member, body="@erin@example.com")

    assert comment.body_html == (
        '<p><span class="mention" title="erin@example.com">'
        "@&lt;b&gt;Erin&lt;/b&gt; &quot;E&quot; &amp; co</span></p>"
    )


def test_a_mention_in_a_new_description_notifies_and_shows_the_name(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = services.task_create(
        board=given.board,
        actor=given.member,
        list_id=todo.pk,
        title="Ship",
        description="For @erin@example.com and me (@" + given.member.email + ")",
    )

    task.refresh_from_db()
    assert task.description_html == (
        '<p>For <span class="mention" title="erin@example.com">@Erin Example</span> and me '
        f'(<span class="mention" title="{given.member.email}">@Meg</span>)</p>'
    )
    assert mention_notifications() == [(given.admin.pk, task.pk, "Meg mentioned you on “Ship”")]


def test_editing_a_description_notifies_only_the_newly_mentioned(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = TaskFactory.create(list=todo, title="Ship", description="@erin@example.com")

    services.task_update(
        task=task, actor=given.member, description=f"@erin@example.com and @{given.viewer.email}"
    )
    services.task_update(task=task, actor=given.member, title="Ship it")

    assert [user_id for user_id, _, _ in mention_notifications()] == [given.viewer.pk]
    task.refresh_from_db()
    assert task.description_html.count('class="mention"') == 2


def test_a_comment_edit_shows_the_names_and_notifies_only_the_newly_mentioned(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = TaskFactory.create(list=todo)
    comment = services.comment_create(task=task, actor=given.member, body="@erin@example.com")

    updated = services.comment_update(
        comment=comment, actor=given.member, body=f"@ERIN@example.com @{given.viewer.email}"
    )

    assert [user_id for user_id, _, _ in mention_notifications()] == sorted([given.admin.pk, given.viewer.pk])
    assert updated.body_html.count('class="mention"') == 2


def test_mentioned_members_reads_once_and_not_at_all_without_a_mention(
    given: BoardWithRoles, django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert mentioned_members(board=given.board, text="no one @here") == {}
    with django_assert_num_queries(1):  # type: ignore[operator]
        found = mentioned_members(
            board=given.board,
            text=f"@Erin@example.com @{given.viewer.email} @{given.outsider.email}",
        )
    assert found == {"erin@example.com": given.admin, given.viewer.email: given.viewer}


def test_highlighting_reads_tags_with_a_quoted_greater_than() -> None:
    erin = User(pk=1, email="erin@example.com", name="Erin")
    html = '<p><a title="1 > 0 @erin@example.com" href="https://x.test">x</a> @erin@example.com</p>'

    assert highlight_mentions(html, {"erin@example.com": erin}) == (
        '<p><a title="1 > 0 @erin@example.com" href="https://x.test">x</a> '
        '<span class="mention" title="erin@example.com">@Erin</span></p>'
    )
