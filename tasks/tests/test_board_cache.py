"""The per-process layer of the board read cache (tasks/board_cache.py): LocalBodies."""

from typing import Any

import pytest
from django.core.cache import cache
from django_redis import get_redis_connection

from boards.models import Board
from boards.tests.factories import BoardListFactory, board_with_roles
from tasks import services as task_services
from tasks.board_cache import LocalBodies, board_detail_key, cache_get, local_bodies
from tests.api.http import Api

# The caller's user, the board row with the caller's role (boards/tests/api/test_boards.py).
AUTH_AND_BOARD_QUERIES = 2


def test_the_least_recently_used_bodies_go_first_when_the_bytes_run_out() -> None:
    bodies = LocalBodies(max_bytes=10)
    bodies.put("a", b"aaaa")
    bodies.put("b", b"bbbb")
    assert bodies.get("a") == b"aaaa"  # now b is the least recently used

    bodies.put("c", b"cccc")

    assert (bodies.get("a"), bodies.get("b"), bodies.get("c")) == (b"aaaa", None, b"cccc")
    assert bodies.size == 8


def test_a_body_larger_than_the_whole_budget_is_not_kept() -> None:
    bodies = LocalBodies(max_bytes=10)
    bodies.put("small", b"1234")

    bodies.put("huge", b"x" * 11)

    assert bodies.get("huge") is None
    assert bodies.get("small") == b"1234"


def test_putting_a_key_again_replaces_its_body_and_its_size() -> None:
    bodies = LocalBodies(max_bytes=10)
    bodies.put("a", b"aaaa")

    bodies.put("a", b"aaaaaa")

    assert (bodies.get("a"), bodies.size) == (b"aaaaaa", 6)


def test_a_zero_budget_keeps_nothing() -> None:
    bodies = LocalBodies(max_bytes=0)

    bodies.put("a", b"a")

    assert bodies.get("a") is None


@pytest.mark.redis  # deletes the entry through django-redis' client
@pytest.mark.django_db
def test_a_read_this_process_served_before_needs_no_redis(django_assert_num_queries: Any) -> None:
    given = board_with_roles(title="Hot")
    BoardListFactory.create(board=given.board, title="To do")
    api = Api(given.viewer)
    cold = api.get(f"boards/{given.board.pk}/")
    key = board_detail_key(Board.objects.get(pk=given.board.pk))
    get_redis_connection("default").delete(cache.make_key(key))
    assert cache_get(key) is None

    with django_assert_num_queries(AUTH_AND_BOARD_QUERIES):
        warm = api.get(f"boards/{given.board.pk}/")

    assert warm.content == cold.content
    assert local_bodies().get(key) == cold.content


@pytest.mark.django_db
def test_after_a_write_the_process_serves_the_new_version_not_the_one_it_kept() -> None:
    given = board_with_roles(title="Hot")
    board_list = BoardListFactory.create(board=given.board, title="To do")
    api = Api(given.member)
    api.get(f"boards/{given.board.pk}/")

    task_services.task_create(board=given.board, actor=given.member, list_id=board_list.pk, title="New")
    after = api.get(f"boards/{given.board.pk}/").json()

    assert [task["title"] for task in after["lists"][0]["tasks"]] == ["New"]
