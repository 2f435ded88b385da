"""Which cookie or header values count as "this client wrote recently" (no database)."""

import pytest
from django.test import RequestFactory

from taskboard.db.middleware import wrote_recently

NOW = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _window(settings) -> None:
    settings.READ_YOUR_WRITES_SECONDS = 10


@pytest.mark.parametrize(
    ("value", "recent"),
    [
        pytest.param(str(NOW), True, id="now"),
        pytest.param(str(NOW - 9.5), True, id="inside the window"),
        pytest.param(str(NOW - 10), True, id="at the window's edge"),
        pytest.param(str(NOW - 10.5), False, id="before the window"),
        pytest.param(str(NOW + 0.9), True, id="clock skew of under a second"),
        pytest.param(str(NOW + 1.5), False, id="further in the future"),
        pytest.param("", False, id="empty"),
        pytest.param("yesterday", False, id="not a number"),
        pytest.param("nan", False, id="nan"),
        pytest.param("inf", False, id="infinity"),
    ],
)
def test_the_cookie_and_the_header_are_read_alike(value: str, recent: bool) -> None:
    by_cookie = RequestFactory().get("/", headers={"Cookie": f"tb_last_write={value}"})
    by_header = RequestFactory().get("/", headers={"X-Taskboard-Last-Write": value})

    assert wrote_recently(by_cookie, now=NOW) is recent
    assert wrote_recently(by_header, now=NOW) is recent


def test_either_one_recent_value_is_enough() -> None:
    request = RequestFactory().get(
        "/", headers={"Cookie": f"tb_last_write={NOW - 60}", "X-Taskboard-Last-Write": str(NOW - 1)}
    )

    assert wrote_recently(request, now=NOW) is True


def test_no_value_means_no_recent_write() -> None:
    assert wrote_recently(RequestFactory().get("/"), now=NOW) is False
