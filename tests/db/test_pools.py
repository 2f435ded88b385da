"""GET /api/v1/admin/pools/: staff only, per alias its role, pool use and replica lag."""

import pytest
from django.db import connections
from django.test import Client

from accounts.tests.factories import UserFactory
from taskboard.db.replicas import discard_pool

URL = "/api/v1/admin/pools/"


@pytest.fixture
def staff_client(db) -> Client:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True))
    return client


def test_staff_see_each_alias_with_its_pool_and_lag(transactional_db, pg_cluster, monitor, settings) -> None:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True))
    pg_cluster.replica.wait_for_catchup()
    # Never used by this process since the test began: reported, not opened.
    discard_pool("replica1")

    response = client.get(URL)

    assert response.status_code == 200
    primary, replica = response.json()["aliases"]
    primary_pool = primary.pop("pool")
    assert primary == {
        "alias": "default",
        "role": "primary",
        "vendor": "postgresql",
        "healthy": True,
        "lag_seconds": None,
    }
    assert (primary_pool["size"], primary_pool["min_size"]) == (settings.DB_WRITE_POOL_SIZE, 1)
    # This request holds one connection (its session and user reads); the pool is shared by
    # the process's threads, so a thread another test left behind may hold one too.
    assert (
        1 <= primary_pool["in_use"] <= primary_pool["in_use"] + primary_pool["idle"] <= primary_pool["size"]
    )
    assert primary_pool["waiting"] == 0
    replica_lag = replica.pop("lag_seconds")
    assert replica == {
        "alias": "replica1",
        "role": "replica",
        "vendor": "postgresql",
        "pool": {"size": settings.DB_READ_POOL_SIZE, "min_size": 1, "in_use": 0, "idle": 0, "waiting": 0},
        "healthy": True,
    }
    # Caught up before the request; WAL written since (by anyone) may put it milliseconds behind.
    assert 0.0 <= replica_lag < 0.5
    assert "replica1" not in connections["replica1"]._connection_pools  # type: ignore[attr-defined]


def test_a_stopped_replica_shows_as_unhealthy(transactional_db, pg_cluster, monitor) -> None:
    client = Client()
    client.force_login(UserFactory.create(is_staff=True))
    pg_cluster.replica.stop()
    try:
        response = client.get(URL)
    finally:
        pg_cluster.replica.start()

    replica = response.json()["aliases"][1]
    assert response.status_code == 200
    assert (replica["alias"], replica["healthy"], replica["lag_seconds"]) == ("replica1", False, None)


def test_a_user_who_is_not_staff_is_refused(db) -> None:
    client = Client()
    client.force_login(UserFactory.create())

    response = client.get(URL)

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "permission_denied",
            "message": "You do not have permission to perform this action.",
        }
    }


def test_an_anonymous_client_must_authenticate(db) -> None:
    response = Client().get(URL)

    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "Authentication credentials were not provided."}
    }


def test_the_endpoint_is_read_only(staff_client) -> None:
    response = staff_client.post(URL, {}, content_type="application/json")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
