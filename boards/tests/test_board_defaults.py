"""Issue 13: a new board starts with six coloured labels, and its description is rendered
from Markdown as a card's is."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from activity.models import Activity
from boards import services
from boards.models import Board, Label
from boards.tests.factories import board_with_roles

pytestmark = pytest.mark.django_db

SIX_LABELS = [
    ("Green", "#1f883d"),
    ("Yellow", "#d4a72c"),
    ("Orange", "#e16f24"),
    ("Red", "#d1242f"),
    ("Purple", "#8250df"),
    ("Blue", "#0969da"),
]


def labels_of(board: Board) -> list[tuple[str, str]]:
    return list(Label.objects.filter(board=board).order_by("id").values_list("name", "color"))


def test_a_new_board_starts_with_six_coloured_labels() -> None:
    board = services.board_create(actor=UserFactory.create(), title="Launch")

    assert labels_of(board) == SIX_LABELS
    assert len({color for _, color in labels_of(board)}) == 6
    # One board.created, not one activity per label.
    assert list(Activity.objects.filter(board=board).values_list("verb", flat=True)) == ["board.created"]


def test_the_api_creates_a_board_with_the_six_labels() -> None:
    client = APIClient()
    client.force_authenticate(UserFactory.create())

    created = client.post("/api/v1/boards/", {"title": "Launch"}, format="json")
    detail = client.get(f"/api/v1/boards/{created.json()['id']}/")

    assert created.status_code == 201
    assert [(label["name"], label["color"]) for label in detail.json()["labels"]] == sorted(SIX_LABELS)


def test_the_description_is_rendered_from_markdown_when_created_and_changed() -> None:
    ada = UserFactory.create()
    board = services.board_create(actor=ada, title="Launch", description="Ship the **launch**")

    board.refresh_from_db()
    assert board.description_html == "<p>Ship the <strong>launch</strong></p>"

    # In CommonMark a line opening with <script> is a raw HTML block, so the script goes last.
    services.board_update(board_id=board.pk, actor=ada, description="_soon_<script>x</script>")
    board.refresh_from_db()
    assert board.description_html == "<p><em>soon</em></p>"


def test_a_title_change_leaves_the_rendered_description() -> None:
    given = board_with_roles()
    services.board_update(board_id=given.board.pk, actor=given.owner, description="**a**")

    services.board_update(board_id=given.board.pk, actor=given.owner, title="Other")

    given.board.refresh_from_db()
    assert (given.board.title, given.board.description_html) == ("Other", "<p><strong>a</strong></p>")
