"""`?page_size=` (docs/api.md "Conventions": default 50, max 200; wrong types are a 400)."""

import pytest

from boards.tests.factories import BoardFactory, BoardWithRoles, board_with_roles
from tests.api.http import Api, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles()


@pytest.mark.parametrize("page_size", ["true", "0", "-3", "2.5", "abc", "٣"])
@pytest.mark.parametrize("path", ["boards/", "notifications/", "boards/{board}/activity/", "tasks/"])
def test_a_page_size_that_is_not_a_positive_integer_is_a_400(
    given: BoardWithRoles, page_size: str, path: str
) -> None:
    response = Api(given.owner).get(path.format(board=given.board.pk), {"page_size": page_size})

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "validation_error",
        "message": "Invalid input: page_size.",
        "fields": {"page_size": ["A positive integer is required."]},
    }


@pytest.mark.parametrize(("page_size", "expected"), [("", 2), ("1", 1), ("01", 1), ("5000", 2)])
def test_an_empty_page_size_is_the_default_and_a_large_one_is_capped(
    given: BoardWithRoles, page_size: str, expected: int
) -> None:
    BoardFactory.create(created_by=given.owner)

    response = Api(given.owner).get("boards/", {"page_size": page_size})

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert len(response.json()["results"]) == expected
