"""Nothing typed is lost (issue 13, "Never lose input"): quick add keeps its box while the
server answers, whatever the latency; the card dialog saves a field when it is left, and
keeps unsaved text in the browser across a close or a reload, offering it back."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from boards import services as board_services
from boards.models import Board, BoardList
from tasks import services as task_services
from tasks.models import Comment, Task

from .conftest import PHONE, wait_until_ready

# The pace of a quick typist, and the latency of a poor mobile connection.
KEY_DELAY_MS = 70
SLOW_NETWORK_MS = 300


@pytest.fixture
def owner() -> User:
    return UserFactory.create(name="Olive Owner")


@pytest.fixture
def board(owner: User) -> Board:
    return board_services.board_create(actor=owner, title="Typing")


def first_list(board: Board) -> BoardList:
    return BoardList.objects.filter(board=board).order_by("position").first()  # type: ignore[return-value]


def open_board(context: Any, board: Board) -> Page:
    page: Page = context.new_page()
    page.goto(f"/boards/{board.pk}/")
    wait_until_ready(page)
    return page


def slow_network(context: Any, page: Page, latency_ms: int) -> None:
    """Every request from the page from now on waits `latency_ms` for its answer."""
    if not latency_ms:
        return
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": latency_ms, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def description_saved(page: Page, task: Task) -> None:
    """Wait, as long as the suite's `expect` does (15 s), until the task has a description
    in the database: a save in the background answers no locator. The assertion after it
    says which description."""
    for _ in range(300):
        task.refresh_from_db()
        if task.description:
            return
        page.wait_for_timeout(50)


def saved_titles(board_list: BoardList) -> list[str]:
    return list(
        Task.objects.filter(list=board_list).order_by("position", "id").values_list("title", flat=True)
    )


@pytest.mark.parametrize("latency_ms", [0, SLOW_NETWORK_MS])
def test_quick_add_keeps_every_keystroke_typed_across_enters_whatever_the_latency(
    new_context: Any, asgi_server: Any, pg_cluster: Any, owner: User, board: Board, latency_ms: int
) -> None:
    todo = first_list(board)
    pg_cluster.replica.wait_for_catchup()
    context = new_context(owner, base_url=asgi_server.http_url)
    page = open_board(context, board)
    expect(page.locator("[data-live-board]")).to_have_attribute("data-live-state", "open")
    slow_network(context, page, latency_ms)
    field = page.locator(f"#list-{todo.pk} .add-card input[name=title]")
    # Short ones last: several are waiting for their answers at once.
    titles = [
        f"L{latency_ms} card one",
        f"L{latency_ms} card two",
        f"L{latency_ms} card three",
        "Q1",
        "Q2",
        "Q3",
    ]

    field.click()
    for title in titles:
        page.keyboard.type(title, delay=KEY_DELAY_MS)
        page.keyboard.press("Enter")

    # Each card shows at once, in order, and becomes the server's card when it answers.
    cards = page.locator(f"#cards-{todo.pk} > *")
    expect(cards).to_have_count(6)
    expect(page.locator(f"#cards-{todo.pk} .task-card[id^=card-] .task-card-title")).to_have_text(titles)
    expect(page.locator(f"#cards-{todo.pk} .pending-card")).to_have_count(0)
    expect(field).to_have_value("")
    expect(field).to_be_focused()
    assert saved_titles(todo) == titles
    # The box stayed the same element: typing goes on into it.
    page.keyboard.type("more", delay=KEY_DELAY_MS)
    expect(field).to_have_value("more")
    expect(page.locator(f"#count-{todo.pk} [data-count]")).to_have_text("6")


def test_typing_goes_on_when_all_the_columns_are_rendered_again(
    new_context: Any, asgi_server: Any, pg_cluster: Any, owner: User, board: Board
) -> None:
    todo = first_list(board)
    label = board_services.label_create(board_id=board.pk, actor=owner, name="Bug", color="#c0392b")
    pg_cluster.replica.wait_for_catchup()
    page = open_board(new_context(owner, base_url=asgi_server.http_url), board)
    expect(page.locator("[data-live-board]")).to_have_attribute("data-live-state", "open")
    page.evaluate("document.getElementById('board-columns').dataset.before = 'yes'")
    field = page.locator(f"#list-{todo.pk} .add-card input[name=title]")
    field.click()
    page.keyboard.type("Half", delay=KEY_DELAY_MS)

    # A label renamed elsewhere: the live layer renders every column again.
    board_services.label_update(label_id=label.pk, actor=owner, name="Defect")
    expect(page.locator("#board-columns[data-before]")).to_have_count(0)
    page.keyboard.type(" typed", delay=KEY_DELAY_MS)

    expect(field).to_have_value("Half typed")
    expect(field).to_be_focused()


def test_a_card_added_while_the_answers_are_slow_appears_at_once_as_pending(
    new_context: Any, live_server: Any, pg_cluster: Any, owner: User, board: Board, screenshot: Any
) -> None:
    todo = first_list(board)
    pg_cluster.replica.wait_for_catchup()
    page = open_board(new_context(owner), board)
    answers: list[Any] = []
    page.route(f"**/boards/{board.pk}/tasks/new/", lambda route: answers.append(route))
    field = page.locator(f"#list-{todo.pk} .add-card input[name=title]")

    field.fill("Waiting for the server")
    field.press("Enter")

    pending = page.locator(f"#cards-{todo.pk} .pending-card")
    expect(pending.locator(".task-card-title")).to_have_text("Waiting for the server")
    expect(pending.locator(".pending-state")).to_have_text("Adding…")
    expect(field).to_have_value("")
    expect(field).to_be_focused()
    screenshot(page, "quick-add-pending-desktop")
    while not answers:
        page.wait_for_timeout(20)
    answers[0].continue_()
    expect(pending).to_have_count(0)
    expect(page.locator(f"#cards-{todo.pk} .task-card .task-card-title")).to_have_text(
        ["Waiting for the server"]
    )


def test_a_refused_quick_add_shows_its_error_on_the_card_with_the_title_kept(
    new_context: Any, live_server: Any, pg_cluster: Any, owner: User, board: Board, screenshot: Any
) -> None:
    todo = first_list(board)
    member = UserFactory.create(name="Max Member")
    board_services.member_add(board_id=board.pk, actor=owner, email=member.email, role="member")
    pg_cluster.replica.wait_for_catchup()
    page = open_board(new_context(member), board)
    field = page.locator(f"#list-{todo.pk} .add-card input[name=title]")
    # Made a viewer while the page is open: the add is refused.
    board_services.member_update_role(board_id=board.pk, actor=owner, user_id=member.pk, role="viewer")
    pg_cluster.replica.wait_for_catchup()

    field.fill("Refused but kept")
    field.press("Enter")

    failed = page.locator(f"#cards-{todo.pk} .pending-card.failed")
    expect(failed.locator(".task-card-title")).to_have_text("Refused but kept")
    expect(failed.locator("[role=alert]")).to_have_text(
        "Not added: your role on this board does not allow this."
    )
    expect(field).to_be_focused()
    assert saved_titles(todo) == []
    screenshot(page, "quick-add-refused-desktop")
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    failed.scroll_into_view_if_needed()
    screenshot(page, "quick-add-refused-phone")

    # Allowed again: "Try again" adds it, in its place.
    board_services.member_update_role(board_id=board.pk, actor=owner, user_id=member.pk, role="member")
    pg_cluster.replica.wait_for_catchup()
    failed.get_by_role("button", name="Try again").click()
    expect(page.locator(f"#cards-{todo.pk} .task-card .task-card-title")).to_have_text(["Refused but kept"])
    expect(page.locator(f"#cards-{todo.pk} .pending-card")).to_have_count(0)
    assert saved_titles(todo) == ["Refused but kept"]


def test_an_empty_quick_add_says_so_under_the_box(
    new_context: Any, live_server: Any, pg_cluster: Any, owner: User, board: Board
) -> None:
    todo = first_list(board)
    pg_cluster.replica.wait_for_catchup()
    page = open_board(new_context(owner), board)
    field = page.locator(f"#list-{todo.pk} .add-card input[name=title]")

    field.fill("   ")
    field.press("Enter")

    expect(page.locator(f"#list-{todo.pk} .add-card [role=alert]")).to_have_text("Type a title first.")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    expect(page.locator(f"#cards-{todo.pk} > *")).to_have_count(0)
    page.keyboard.type("x")
    expect(page.locator(f"#list-{todo.pk} .add-card [role=alert]")).to_have_count(0)


def test_a_card_whose_event_comes_back_before_the_answer_replaces_its_pending_card(
    new_context: Any, asgi_server: Any, pg_cluster: Any, owner: User, board: Board
) -> None:
    todo = first_list(board)
    pg_cluster.replica.wait_for_catchup()
    page = open_board(new_context(owner, base_url=asgi_server.http_url), board)
    expect(page.locator("[data-live-board]")).to_have_attribute("data-live-state", "open")
    server_cards = page.locator(f"#cards-{todo.pk} .task-card[id^=card-]")

    def answer_after_the_event(route: Any) -> None:
        response = route.fetch()
        # The event put the server's card where the pending one was, before the answer.
        expect(server_cards).to_have_count(1)
        expect(page.locator(f"#cards-{todo.pk} .pending-card")).to_have_count(0)
        route.fulfill(response=response)

    page.route(f"**/boards/{board.pk}/tasks/new/", answer_after_the_event)
    field = page.locator(f"#list-{todo.pk} .add-card input[name=title]")
    field.fill("Raced")
    field.press("Enter")

    expect(server_cards.locator(".task-card-title")).to_have_text(["Raced"])
    expect(page.locator(f"#cards-{todo.pk} > *")).to_have_count(1)
    expect(page.locator(f"#count-{todo.pk} [data-count]")).to_have_text("1")
    # The counter comes with the event now, so the checks above can all pass while the
    # route's handler is still waiting to fulfil the held answer; a page closed under it fails
    # the next test (seen once in CI). Let the handler finish, then check the page again.
    page.unroute_all(behavior="wait")
    expect(page.locator(f"#cards-{todo.pk} > *")).to_have_count(1)
    expect(server_cards.locator(".task-card-title")).to_have_text(["Raced"])


# -- The card dialog -------------------------------------------------------------------------


@pytest.fixture
def task(owner: User, board: Board) -> Task:
    return task_services.task_create(
        board=board, actor=owner, list_id=first_list(board).pk, title="Write the plan"
    )


def open_card(page: Page, task: Task) -> Any:
    page.locator(f"#card-{task.pk} .task-card-title").click()
    dialog = page.locator("#task-dialog")
    expect(dialog.locator("#task-detail")).to_be_visible()
    return dialog


@pytest.mark.parametrize("close_by", ["Escape", "a click outside"])
def test_a_description_left_by_closing_the_dialog_is_saved(
    new_context: Any, live_server: Any, pg_cluster: Any, owner: User, task: Task, close_by: str
) -> None:
    pg_cluster.replica.wait_for_catchup()
    page = open_board(new_context(owner), task.board)
    dialog = open_card(page, task)

    dialog.locator("[name=description]").fill("Saved when the dialog closes")
    if close_by == "Escape":
        page.keyboard.press("Escape")
    else:
        page.mouse.click(5, 450)  # the backdrop, left of the dialog

    expect(dialog).not_to_be_visible()
    page.wait_for_function("() => !document.querySelector('.toast.error')")
    description_saved(page, task)
    assert task.description == "Saved when the dialog closes"
    pg_cluster.replica.wait_for_catchup()
    dialog = open_card(page, task)
    expect(dialog.locator("[name=description]")).to_have_value("Saved when the dialog closes")
    expect(dialog.locator(".draft-offer")).to_have_count(0)


def test_fields_save_when_left_and_typing_in_the_next_one_goes_on(
    new_context: Any, live_server: Any, pg_cluster: Any, owner: User, task: Task
) -> None:
    pg_cluster.replica.wait_for_catchup()
    context = new_context(owner)
    page = open_board(context, task.board)
    dialog = open_card(page, task)
    slow_network(context, page, SLOW_NETWORK_MS)

    title = dialog.locator("[name=title]")
    title.fill("Write the whole plan")
    page.keyboard.press("Tab")  # left: saved
    dialog.locator("[name=description]").focus()
    page.keyboard.type("Typed while the title saves", delay=KEY_DELAY_MS)

    expect(dialog.locator(".saved-note")).to_have_text("Saved.")
    expect(dialog.locator("[name=description]")).to_have_value("Typed while the title saves")
    expect(dialog.locator("[name=description]")).to_be_focused()
    task.refresh_from_db()
    assert (task.title, task.description) == ("Write the whole plan", "")

    dialog.locator("[name=priority]").focus()  # the description is left: saved too
    description_saved(page, task)
    assert (task.title, task.description) == ("Write the whole plan", "Typed while the title saves")
    # No error shown (the dialog's "Create label" keeps an empty, hidden one for its own).
    expect(dialog.locator(".errorlist:visible")).to_have_count(0)


def test_a_save_refused_as_a_conflict_keeps_the_text_to_restore(
    new_context: Any, live_server: Any, pg_cluster: Any, owner: User, task: Task
) -> None:
    pg_cluster.replica.wait_for_catchup()
    page = open_board(new_context(owner), task.board)
    dialog = open_card(page, task)
    # Someone else changes the same field while the dialog is open.
    task_services.task_update(task=task.pk, actor=owner, description="Theirs")
    description = dialog.locator("[name=description]")

    description.fill("Mine")
    page.keyboard.press("Tab")

    # Merged by field (issue 13 item 3): a clash on the field shows both values to choose from,
    # the text typed still in the field.
    expect(dialog.locator(".errorlist.nonfield")).to_contain_text("changed a field you changed too")
    clash = dialog.locator(".merge-choice[data-merge-field=description]")
    expect(clash.locator(".merge-option")).to_have_text(["YoursMine", "TheirsTheirs"])
    expect(description).to_have_value("Mine")
    # Leaving or closing without a choice saves nothing (it would silently keep "Yours")...
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator(".toast")).to_contain_text("waits for your choice")
    task.refresh_from_db()
    assert task.description == "Theirs"
    # ...and the text is kept in the browser, offered back when the card is opened again.
    dialog = open_card(page, task)
    offer = dialog.locator(".draft-offer[data-draft-field=description]")
    offer.get_by_role("button", name="Restore").click()
    expect(description).to_have_value("Mine")
    page.keyboard.press("Tab")  # based on the current version now: saved
    expect(dialog.locator(".saved-note")).to_have_text("Saved.")
    task.refresh_from_db()
    assert task.description == "Mine"


def test_an_unsaved_description_survives_a_reload_and_is_offered_back(
    new_context: Any, live_server: Any, pg_cluster: Any, owner: User, task: Task, screenshot: Any
) -> None:
    pg_cluster.replica.wait_for_catchup()
    page = open_board(new_context(owner), task.board)
    dialog = open_card(page, task)
    description = dialog.locator("[name=description]")
    description.click()
    page.keyboard.type("Half a thought", delay=KEY_DELAY_MS)

    page.reload()  # mid-edit: nothing was saved
    wait_until_ready(page)
    task.refresh_from_db()
    assert task.description == ""

    page.goto(f"/boards/{task.board_id}/")
    wait_until_ready(page)
    dialog = open_card(page, task)
    offer = dialog.locator(".draft-offer")
    expect(offer).to_contain_text("You have an unsaved draft from")
    expect(description).to_have_value("")
    screenshot(page, "task-dialog-draft-desktop")
    page.set_viewport_size({"width": PHONE["width"], "height": PHONE["height"]})
    screenshot(page, "task-dialog-draft-phone")

    offer.get_by_role("button", name="Restore").click()
    expect(description).to_have_value("Half a thought")
    expect(description).to_be_focused()
    expect(offer).to_have_count(0)
    page.keyboard.press("Escape")  # closed: now saved, and the draft is done with
    description_saved(page, task)
    assert task.description == "Half a thought"
    page.wait_for_function("() => !Object.keys(localStorage).some(k => k.startsWith('taskboard:draft:'))")


def test_a_discarded_draft_is_not_offered_again(
    new_context: Any, live_server: Any, pg_cluster: Any, owner: User, task: Task
) -> None:
    pg_cluster.replica.wait_for_catchup()
    page = open_board(new_context(owner), task.board)
    dialog = open_card(page, task)
    dialog.locator("[name=title]").click()
    page.keyboard.type(" again", delay=KEY_DELAY_MS)
    page.reload()
    wait_until_ready(page)  # the card's own page now

    offer = page.locator(".draft-offer")
    expect(offer).to_contain_text("You have an unsaved draft from")
    offer.get_by_role("button", name="Discard").click()
    expect(offer).to_have_count(0)
    page.reload()
    wait_until_ready(page)
    expect(page.locator("[name=title]")).to_have_value("Write the plan")
    expect(page.locator(".draft-offer")).to_have_count(0)


def test_a_half_written_comment_survives_a_close_and_a_reload(
    new_context: Any, live_server: Any, pg_cluster: Any, owner: User, task: Task
) -> None:
    pg_cluster.replica.wait_for_catchup()
    page = open_board(new_context(owner), task.board)
    dialog = open_card(page, task)
    box = dialog.locator(".comment-form [name=body]")
    box.click()
    page.keyboard.type("I think we", delay=KEY_DELAY_MS)

    page.keyboard.press("Escape")
    expect(dialog).not_to_be_visible()
    page.reload()
    wait_until_ready(page)
    dialog = open_card(page, task)

    offer = dialog.locator(".comment-form .draft-offer")
    expect(offer).to_contain_text("You have an unsaved draft from")
    offer.get_by_role("button", name="Restore").click()
    expect(box).to_have_value("I think we")
    page.keyboard.type(" should ship", delay=KEY_DELAY_MS)
    dialog.get_by_role("button", name="Comment").click()
    expect(dialog.locator(".comment .markdown")).to_have_text("I think we should ship")
    assert list(Comment.objects.filter(task=task).values_list("body", flat=True)) == [
        "I think we should ship"
    ]
    page.wait_for_function("() => !Object.keys(localStorage).some(k => k.startsWith('taskboard:draft:'))")


def test_drafts_of_another_user_and_old_drafts_are_dropped(
    new_context: Any, live_server: Any, pg_cluster: Any, owner: User, task: Task
) -> None:
    pg_cluster.replica.wait_for_catchup()
    page = open_board(new_context(owner), task.board)
    plant = """([key, text, daysAgo]) => localStorage.setItem(
        key, JSON.stringify({text: text, version: "1", at: Date.now() - daysAgo * 24 * 3600 * 1000}))"""
    page.evaluate(plant, [f"taskboard:draft:999999:{task.pk}:description", "theirs", 0])
    page.evaluate(plant, [f"taskboard:draft:{owner.pk}:{task.pk}:title", "stale", 8])
    page.evaluate(plant, [f"taskboard:draft:{owner.pk}:{task.pk}:description", "mine", 0])

    page.reload()
    wait_until_ready(page)

    keys = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('taskboard:draft:'))")
    assert keys == [f"taskboard:draft:{owner.pk}:{task.pk}:description"]
    dialog = open_card(page, task)
    expect(dialog.locator(".draft-offer")).to_have_count(1)


def test_no_template_comment_shows_as_text_on_a_page(
    db: None, client: Any, owner: User, board: Board
) -> None:
    # A "{# … #}" spanning lines is not a comment to Django: it was printed atop every page.
    client.force_login(owner)

    html = client.get(f"/boards/{board.pk}/").content.decode()

    assert "{#" not in html
    assert "#}" not in html


def test_quick_add_without_javascript_is_a_plain_form_post(
    browser: Any, live_server: Any, pg_cluster: Any, owner: User, board: Board
) -> None:
    todo = first_list(board)
    pg_cluster.replica.wait_for_catchup()
    client = Client()
    client.force_login(owner)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.goto(f"/boards/{board.pk}/")

        field = page.locator(f"#list-{todo.pk} .add-card input[name=title]")
        field.fill("Posted the old way")
        field.press("Enter")

        page.wait_for_url(f"**/boards/{board.pk}/")
        expect(page.locator(f"#cards-{todo.pk} .task-card .task-card-title")).to_have_text(
            ["Posted the old way"]
        )
        assert saved_titles(todo) == ["Posted the old way"]
    finally:
        context.close()
