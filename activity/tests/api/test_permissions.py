"""The activity feed and notifications for every kind of caller."""

import pytest

from tests.api.matrix import CALLERS, Endpoint, check, endpoint

ENDPOINTS = [
    endpoint("GET", "boards/{w.board_id}/activity/", minimum="viewer"),
    # Everybody has notifications of their own (and sees only those: test_activity.py).
    endpoint("GET", "notifications/", minimum="outsider"),
    endpoint("POST", "notifications/read/", minimum="outsider", success=204, body=lambda w: {"all": True}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_permission_matrix(endpoint: Endpoint, caller: str) -> None:
    check(endpoint, caller)
