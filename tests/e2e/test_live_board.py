"""Two people on one board, the app under uvicorn (pages and WebSockets): what one does
shows up on the other's screen without a reload, card by card, and a dropped connection
catches up by itself when it comes back."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.tests.factories import KNOWN_PASSWORD, UserFactory
from boards import services as board_services
from boards.models import Board, BoardList
from tasks import services as task_services
from tasks.models import Task

from .conftest import drag, wait_until_ready
from .tcp_proxy import TcpProxy

# Set on the watching page before anything happens: still there at the end means the page
# was never reloaded.
NOT_RELOADED = "window.__notReloaded = true"


@dataclass
class Together:
    board: Board
    owner: User
    member: User
    todo: BoardList
    doing: BoardList
    done: BoardList


@pytest.fixture
def together() -> Together:
    owner = UserFactory.create(name="Olive Owner")
    member = UserFactory.create(name="Max Member")
    board = board_services.board_create(actor=owner, title="Together")
    board_services.member_add(board_id=board.pk, actor=owner, email=member.email, role="member")
    todo, doing, done = BoardList.objects.filter(board=board).order_by("position")
    return Together(board=board, owner=owner, member=member, todo=todo, doing=doing, done=done)


def add_card(together: Together, title: str) -> Task:
    """The owner adds a card to To do (through the service, as the app does)."""
    return task_services.task_create(
        board=together.board, actor=together.owner, list_id=together.todo.pk, title=title
    )


def open_board(context: Any, board: Board) -> Page:
    page: Page = context.new_page()
    page.goto(f"/boards/{board.pk}/")
    wait_until_ready(page)
    expect(page.locator("[data-live-board]")).to_have_attribute("data-live-state", "open")
    return page


def titles(page: Page, board_list: BoardList) -> Any:
    return page.locator(f"#cards-{board_list.pk} .task-card-title")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__notReloaded === true")


def test_a_card_added_by_one_member_appears_on_the_other_members_board(
    new_context: Any, asgi_server: Any, pg_cluster: Any, together: Together
) -> None:
    pg_cluster.replica.wait_for_catchup()
    watching = open_board(new_context(together.member, base_url=asgi_server.http_url), together.board)
    acting = open_board(new_context(together.owner, base_url=asgi_server.http_url), together.board)

    field = acting.locator(f"#list-{together.todo.pk} .add-card input[name=title]")
    field.fill("Fresh from the other screen")
    field.press("Enter")

    expect(titles(watching, together.todo)).to_have_text(["Fresh from the other screen"])
    expect(watching.locator(f"#count-{together.todo.pk} [data-count]")).to_have_text("1")
    # The writer's own event comes back to it too: still one card, not two.
    expect(titles(acting, together.todo)).to_have_text(["Fresh from the other screen"])
    expect(acting.locator(f"#count-{together.todo.pk} [data-count]")).to_have_text("1")


def test_a_card_whose_event_comes_back_before_the_answer_to_the_add_is_shown_once(
    new_context: Any, asgi_server: Any, pg_cluster: Any, together: Together
) -> None:
    pg_cluster.replica.wait_for_catchup()
    acting = open_board(new_context(together.owner, base_url=asgi_server.http_url), together.board)
    cards = titles(acting, together.todo)

    def answer_after_the_event(route: Any) -> None:
        # The server has created the card and published its event; the page gets the
        # answer only once the event has put the card on the page.
        response = route.fetch()
        expect(cards).to_have_text(["Raced"])
        route.fulfill(response=response)

    acting.route(f"**/boards/{together.board.pk}/tasks/new/", answer_after_the_event)
    field = acting.locator(f"#list-{together.todo.pk} .add-card input[name=title]")
    field.fill("Raced")
    field.press("Enter")

    expect(acting.locator(f"#list-{together.todo.pk} .add-card input[name=title]")).to_have_value("")
    expect(cards).to_have_text(["Raced"])
    expect(acting.locator(f"#count-{together.todo.pk} [data-count]")).to_have_text("1")
    # The held answer is let go and the page settles before the page closes: the counter
    # comes with the event now, so the checks above may all pass while the route's handler
    # is still fulfilling (its failure would surface in the next test).
    acting.unroute_all(behavior="wait")
    expect(cards).to_have_text(["Raced"])


def test_a_card_moved_by_one_member_appears_moved_for_the_other_without_a_reload(
    new_context: Any, asgi_server: Any, pg_cluster: Any, together: Together
) -> None:
    for title in ("First", "Second", "Third"):
        add_card(together, title)
    task_services.task_create(
        board=together.board, actor=together.owner, list_id=together.done.pk, title="Old"
    )
    pg_cluster.replica.wait_for_catchup()
    watching = open_board(new_context(together.member, base_url=asgi_server.http_url), together.board)
    watching.evaluate(NOT_RELOADED)
    acting = open_board(new_context(together.owner, base_url=asgi_server.http_url), together.board)

    # Dropped on the top half of "Old": first in Done.
    card = acting.locator(".task-card", has_text="Second")
    drag(acting, card, acting.locator(".task-card", has_text="Old"), dy=-8)

    expect(titles(acting, together.done)).to_have_text(["Second", "Old"])
    expect(titles(watching, together.done)).to_have_text(["Second", "Old"])
    expect(titles(watching, together.todo)).to_have_text(["First", "Third"])
    expect(watching.locator(".toast", has_text="“Second” moved by Olive Owner")).to_be_visible()
    expect(watching.locator(f"#count-{together.todo.pk} [data-count]")).to_have_text("2")
    expect(watching.locator(f"#count-{together.done.pk} [data-count]")).to_have_text("2")
    moved = Task.objects.get(title="Second")
    assert moved.list_id == together.done.pk
    # Only the others hear about your own moves.
    expect(acting.locator(".toast", has_text="moved by")).to_have_count(0)
    assert_not_reloaded(watching)


@pytest.fixture
def proxy(asgi_server: Any) -> Iterator[TcpProxy]:
    with TcpProxy(asgi_server.port) as running:
        yield running


def test_a_dropped_connection_catches_up_in_order_when_it_comes_back(
    new_context: Any, asgi_server: Any, pg_cluster: Any, together: Together, proxy: TcpProxy
) -> None:
    keep = add_card(together, "Keep")
    doomed = add_card(together, "Doomed")
    pg_cluster.replica.wait_for_catchup()
    watching = open_board(new_context(together.member, base_url=proxy.url), together.board)
    watching.evaluate(NOT_RELOADED)
    live = watching.locator("[data-live-board]")

    proxy.cut()
    expect(live).not_to_have_attribute("data-live-state", "open")
    # Meanwhile, on the other side of the outage:
    added = add_card(together, "Added meanwhile")
    task_services.task_move(task=added, actor=together.owner, to_list_id=together.doing.pk, index=0)
    task_services.task_update(task=keep, actor=together.owner, title="Kept, renamed")
    task_services.task_delete(task=doomed, actor=together.owner)
    board_services.list_update(list_id=together.done.pk, actor=together.owner, title="Shipped")
    expect(titles(watching, together.todo)).to_have_text(["Keep", "Doomed"])
    proxy.restore()

    expect(live).to_have_attribute("data-live-state", "open")
    expect(titles(watching, together.todo)).to_have_text(["Kept, renamed"])
    expect(titles(watching, together.doing)).to_have_text(["Added meanwhile"])
    expect(watching.locator(f"#list-title-{together.done.pk}")).to_have_text("Shipped")
    expect(watching.locator(f"#count-{together.todo.pk} [data-count]")).to_have_text("1")
    expect(watching.locator(f"#count-{together.doing.pk} [data-count]")).to_have_text("1")
    assert_not_reloaded(watching)


def test_an_event_that_never_arrived_is_asked_for_when_the_next_one_shows_the_gap(
    new_context: Any,
    asgi_server: Any,
    pg_cluster: Any,
    together: Together,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pg_cluster.replica.wait_for_catchup()
    watching = open_board(new_context(together.member, base_url=asgi_server.http_url), together.board)
    watching.evaluate(NOT_RELOADED)

    # A publish lost on the way (Redis hiccuped after the commit): the write happened, its
    # event never reaches the page.
    with monkeypatch.context() as lost:
        lost.setattr("writes.board_transaction.publish_on_commit", lambda activity, actor: None)
        add_card(together, "Never announced")
    add_card(together, "Announced")

    # The second event's seq skips one: the page resyncs and applies both, in order.
    expect(titles(watching, together.todo)).to_have_text(["Never announced", "Announced"])
    expect(watching.locator(f"#count-{together.todo.pk} [data-count]")).to_have_text("2")
    assert_not_reloaded(watching)


def test_a_page_too_far_behind_to_catch_up_reloads(
    new_context: Any, asgi_server: Any, pg_cluster: Any, together: Together, proxy: TcpProxy
) -> None:
    pg_cluster.replica.wait_for_catchup()
    watching = open_board(new_context(together.member, base_url=proxy.url), together.board)
    watching.evaluate(NOT_RELOADED)

    proxy.cut()
    expect(watching.locator("[data-live-board]")).not_to_have_attribute("data-live-state", "open")
    # More than the server replays: its answer to the resync is `reset`.
    rounds = settings.LIVE_RESYNC_MAX_EVENTS + 1
    for n in range(1, rounds + 1):
        board_services.list_update(list_id=together.todo.pk, actor=together.owner, title=f"Round {n}")
    pg_cluster.replica.wait_for_catchup()
    proxy.restore()

    # A function, not an expression: Playwright evaluates an expression with eval, which
    # the page's CSP refuses.
    watching.wait_for_function("() => window.__notReloaded !== true")
    expect(watching.locator(f"#list-title-{together.todo.pk}")).to_have_text(f"Round {rounds}")
    expect(watching.locator("[data-live-board]")).to_have_attribute("data-live-state", "open")


def test_lists_cards_comments_and_viewers_follow_the_other_member(
    new_context: Any, asgi_server: Any, pg_cluster: Any, together: Together
) -> None:
    task = add_card(together, "Talk about it")
    gone = add_card(together, "Delete me")
    pg_cluster.replica.wait_for_catchup()
    watching = open_board(new_context(together.member, base_url=asgi_server.http_url), together.board)
    watching.evaluate(NOT_RELOADED)
    presence = watching.locator(f"#board-presence .avatar[data-user-id='{together.owner.pk}']")
    expect(presence).to_have_count(0)

    open_board(new_context(together.owner, base_url=asgi_server.http_url), together.board)
    expect(presence).to_be_visible()
    expect(presence).to_have_attribute("title", "Olive Owner")
    expect(presence).to_contain_text("OO")
    expect(watching.locator(f"#board-presence .avatar[data-user-id='{together.member.pk}']")).to_have_count(0)

    review = board_services.list_create(
        board_id=together.board.pk, actor=together.owner, title="Review", wip_limit=1
    )
    task_services.task_move(task=task, actor=together.owner, to_list_id=review.pk, index=0)
    expect(watching.locator("#board-columns .column-title")).to_have_text(
        ["To do", "In progress", "Done", "Review"]
    )
    expect(titles(watching, review)).to_have_text(["Talk about it"])
    expect(watching.locator(f"#count-{review.pk}")).to_contain_text("1 / 1 · full")

    task_services.comment_create(task=task, actor=together.owner, body="First!")
    task_services.comment_create(task=task, actor=together.owner, body="Second!")
    expect(watching.locator(f"#card-{task.pk} .badge.plain")).to_have_text("2 comments")

    task_services.task_delete(task=gone, actor=together.owner)
    expect(watching.locator(f"#card-{gone.pk}")).to_have_count(0)
    expect(watching.locator(f"#count-{together.todo.pk} [data-count]")).to_have_text("0")

    board_services.list_move(list_id=review.pk, actor=together.owner, index=0)
    expect(watching.locator("#board-columns .column-title")).to_have_text(
        ["Review", "To do", "In progress", "Done"]
    )
    board_services.list_delete(list_id=review.pk, actor=together.owner)
    expect(watching.locator("#board-columns .column-title")).to_have_text(["To do", "In progress", "Done"])
    expect(watching.locator(".task-card")).to_have_count(0)
    assert_not_reloaded(watching)


def test_counters_and_comment_badges_follow_from_the_events_alone(
    new_context: Any, asgi_server: Any, pg_cluster: Any, together: Together
) -> None:
    # The events carry the lists' new counts and the task's comment count (docs/api.md): the
    # watching page updates its counters and the card's comment badge without asking the
    # server for counts or for the card.
    talk = add_card(together, "Talk about it")
    other = add_card(together, "Delete me")
    task_services.task_create(
        board=together.board, actor=together.owner, list_id=together.doing.pk, title="Busy"
    )
    pg_cluster.replica.wait_for_catchup()
    watching = open_board(new_context(together.member, base_url=asgi_server.http_url), together.board)
    watching.evaluate(NOT_RELOADED)
    asked: list[str] = []
    watching.on("request", lambda request: asked.append(request.url))
    badge = watching.locator(f"#card-{talk.pk} [data-comment-badge]")
    todo_count = watching.locator(f"#count-{together.todo.pk} [data-count]")
    doing_count = watching.locator(f"#count-{together.doing.pk} [data-count]")
    expect(badge).to_have_count(0)

    first = task_services.comment_create(task=talk, actor=together.owner, body="First!")
    expect(badge).to_have_text("1 comment")
    expect(badge).to_have_attribute("title", "1 comment")
    task_services.comment_create(task=talk, actor=together.owner, body="Second!")
    expect(badge).to_have_text("2 comments")
    # The badge the page made is the one the server renders.
    client = Client()
    client.force_login(together.member)
    card_html = client.get(f"/boards/{together.board.pk}/cards/{talk.pk}/").content.decode()
    rendered = watching.evaluate(
        """html => { const t = document.createElement("template"); t.innerHTML = html;
                     return t.content.querySelector("[data-comment-badge]").outerHTML; }""",
        card_html,
    )
    assert badge.evaluate("node => node.outerHTML") == rendered

    task_services.task_move(task=talk, actor=together.owner, to_list_id=together.doing.pk, index=0)
    expect(titles(watching, together.doing)).to_have_text(["Talk about it", "Busy"])
    expect(todo_count).to_have_text("1")
    expect(doing_count).to_have_text("2")
    task_services.task_delete(task=other, actor=together.owner)
    expect(watching.locator(f"#card-{other.pk}")).to_have_count(0)
    expect(todo_count).to_have_text("0")
    task_services.comment_delete(comment=first, actor=together.owner)
    expect(badge).to_have_text("1 comment")
    task_services.comment_delete(comment=talk.comments.get(), actor=together.owner)
    expect(badge).to_have_count(0)
    # Nothing else was on the card: its row of badges went with the last one.
    expect(watching.locator(f"#card-{talk.pk} .task-card-meta")).to_have_count(0)
    task_services.task_create(
        board=together.board, actor=together.owner, list_id=together.todo.pk, title="New"
    )
    expect(titles(watching, together.todo)).to_have_text(["New"])
    expect(todo_count).to_have_text("1")

    counts_or_cards = [url for url in asked if "/counts/" in url or "/cards/" in url]
    # Only the new card is fetched (the server renders cards); no counts, no commented card.
    assert counts_or_cards == [
        f"{asgi_server.http_url}/boards/{together.board.pk}/cards/{Task.objects.get(title='New').pk}/"
    ]
    assert_not_reloaded(watching)


def test_an_edit_that_clashed_with_another_shows_both_values_and_saves_the_choice(
    new_context: Any, asgi_server: Any, pg_cluster: Any, together: Together
) -> None:
    task = add_card(together, "Original")
    pg_cluster.replica.wait_for_catchup()
    page = open_board(new_context(together.member, base_url=asgi_server.http_url), together.board)
    page.locator(".task-card-title", has_text="Original").click()
    dialog = page.locator("#task-dialog")
    expect(dialog.locator("#id_title")).to_have_value("Original")
    dialog.locator("#id_title").fill("Mine")

    task_services.task_update(task=task, actor=together.owner, title="Theirs", description="Their words")
    expect(dialog.locator(".live-note")).to_contain_text(
        "Olive Owner changed this card — reload to see the changes"
    )
    # The board behind the dialog is current already.
    expect(titles(page, together.todo)).to_have_text(["Theirs"])

    dialog.get_by_role("button", name="Save changes").click()
    # Merged by field (issue 13): only the title clashes; the form shows their description.
    expect(dialog.locator(".errorlist.nonfield")).to_have_text(
        "Olive Owner changed a field you changed too. Nothing was saved: choose which value to "
        "keep, then save."
    )
    expect(dialog.locator(".merge-choice .merge-option")).to_have_text(["YoursMine", "TheirsTheirs"])
    expect(dialog.locator("#id_title")).to_have_value("Mine")
    expect(dialog.locator("#id_description")).to_have_value("Their words")

    dialog.locator(".merge-option", has_text="Yours").click()
    dialog.locator("#id_title").fill("Mine, on top of theirs")
    dialog.get_by_role("button", name="Save changes").click()
    expect(dialog.locator(".saved-note")).to_have_text("Saved.")
    task.refresh_from_db()
    assert (task.title, task.description) == ("Mine, on top of theirs", "Their words")
    expect(titles(page, together.todo)).to_have_text(["Mine, on top of theirs"])


# -- revoked credentials (docs/security.md, "Live sockets and revoked credentials") ----------


def test_signing_out_everywhere_says_so_on_an_open_board_and_stops_reconnecting(
    new_context: Any, asgi_server: Any, pg_cluster: Any, together: Together
) -> None:
    pg_cluster.replica.wait_for_catchup()
    context = new_context(together.member, base_url=asgi_server.http_url)
    board = open_board(context, together.board)
    profile = context.new_page()
    profile.goto("/accounts/profile/")

    profile.get_by_role("button", name="Sign out everywhere").click()

    expect(profile).to_have_url(f"{asgi_server.http_url}/accounts/login/")
    banner = board.locator("[data-live-signed-out]")
    expect(banner).to_contain_text("You were signed out.")
    expect(banner.get_by_role("link", name="Sign in again")).to_have_attribute(
        "href", f"/accounts/login/?next=%2Fboards%2F{together.board.pk}%2F"
    )
    expect(board.locator("[data-live-board]")).to_have_attribute("data-live-state", "signed-out")


def test_changing_ones_own_password_keeps_the_board_live_in_the_other_tab(
    new_context: Any, asgi_server: Any, pg_cluster: Any, together: Together
) -> None:
    pg_cluster.replica.wait_for_catchup()
    context = new_context(together.member, base_url=asgi_server.http_url)
    board = open_board(context, together.board)
    board.evaluate(NOT_RELOADED)
    reconnects: list[Any] = []
    board.on("websocket", lambda socket: reconnects.append(socket))
    settings_tab = context.new_page()
    settings_tab.goto("/accounts/password/")

    settings_tab.locator("input[name=current_password]").fill(KNOWN_PASSWORD)
    settings_tab.locator("input[name=new_password1]").fill("another Secret 1234")
    settings_tab.locator("input[name=new_password2]").fill("another Secret 1234")
    settings_tab.get_by_role("button", name="Change password").click()
    expect(settings_tab).to_have_url(f"{asgi_server.http_url}/accounts/profile/")
    # The password change closed the socket (4401); this tab's session is still signed in
    # (with a new cookie), so the page comes back once and catches up.
    add_card(together, "After the change")

    expect(titles(board, together.todo)).to_have_text(["After the change"])
    expect(board.locator("[data-live-board]")).to_have_attribute("data-live-state", "open")
    expect(board.locator("[data-live-signed-out]")).to_have_count(0)
    assert_not_reloaded(board)
    assert len(reconnects) == 1
