"""The metric families move with real traffic (taskboard/metrics/, docs/operations.md
"Metrics"): requests through the test client and the real services, counted by the same
code the servers run. This process is not in multiprocess mode: the values are read from
what /metrics answers with (taskboard.metrics.collectors.registry), as differences."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path

from accounts.tests.factories import UserFactory
from boards.models import Board
from boards.tests.factories import BoardListFactory, board_with_roles
from taskboard.metrics.cache import CountingRedisCache
from taskboard.metrics.collectors import registry
from tasks.board_cache import local_bodies
from tests.api.http import Api

PASSWORD = "a-long-passphrase-4-tests"


def value(name: str, **labels: str) -> float:
    return registry(scrape=False).get_sample_value(name, labels) or 0.0


def moved(name: str, action: Callable[[], Any], **labels: str) -> float:
    before = value(name, **labels)
    action()
    return value(name, **labels) - before


# -- HTTP (django-prometheus) ----------------------------------------------------------------


def test_requests_are_counted_by_view_and_status(client: Client) -> None:
    def three() -> None:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200

    assert (
        moved(
            "django_http_requests_total_by_view_transport_method_total",
            three,
            view="healthz",
            transport="http",
            method="GET",
        )
        == 3
    )
    assert (
        value(
            "django_http_responses_total_by_status_view_method_total",
            status="200",
            view="healthz",
            method="GET",
        )
        >= 3
    )


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_the_transport_is_the_proxy_s_scheme_per_request() -> None:
    # One client, so one middleware chain: a kind of response counted over https first must
    # not make the same kind over http count as https (the middleware keeps its values by
    # the scheme's inputs).
    client = Client()

    def get(proto: str | None) -> Callable[[], Any]:
        headers = {"HTTP_X_FORWARDED_PROTO": proto} if proto else {}
        return lambda: client.get("/healthz", **headers)  # type: ignore[arg-type]

    name = "django_http_requests_total_by_view_transport_method_total"
    labels = {"view": "healthz", "method": "GET"}
    assert moved(name, get("https"), transport="https", **labels) == 1
    assert moved(name, get("http"), transport="https", **labels) == 0
    assert moved(name, get(None), transport="http", **labels) == 1
    assert moved(name, get("https"), transport="http", **labels) == 0


def test_a_method_nobody_uses_is_counted_as_invalid_not_as_a_series_of_its_own(client: Client) -> None:
    # A client can send any token as a method: each must not become a label value (a series
    # kept in every worker's file for good).
    def odd() -> None:
        for method in ("FROBNICATE", "BREW"):
            client.generic(method, "/healthz")

    assert (
        moved(
            "django_http_requests_latency_seconds_by_view_method_count",
            odd,
            view="healthz",
            method="<invalid method>",
        )
        == 2
    )
    assert (
        value("django_http_requests_latency_seconds_by_view_method_count", view="healthz", method="BREW") == 0
    )


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a view that crashes")


urlpatterns = [path("boom", boom, name="boom")]


@override_settings(ROOT_URLCONF=__name__)
def test_an_exception_in_a_view_is_counted_by_type_and_view_with_its_500() -> None:
    client = Client(raise_request_exception=False)

    def crash() -> None:
        assert client.get("/boom").status_code == 500

    assert moved("django_http_exceptions_total_by_type_total", crash, type="RuntimeError") == 1
    assert value("django_http_exceptions_total_by_view_total", view="boom") >= 1
    assert (
        value(
            "django_http_responses_total_by_status_view_method_total", status="500", view="boom", method="GET"
        )
        >= 1
    )


# -- database ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_statement_of_a_request_is_counted_on_its_alias() -> None:
    given = board_with_roles(title="Counted")
    BoardListFactory.create(board=given.board, title="To do")
    api = Api(given.owner)
    before = {alias: value("taskboard_db_queries_total", alias=alias) for alias in connections}

    with CaptureQueriesContext(connection) as primary:
        response = api.get(f"boards/{given.board.pk}/")

    assert response.status_code == 200
    counted = {
        alias: value("taskboard_db_queries_total", alias=alias) - before[alias] for alias in connections
    }
    # In a `db` test every read is on the primary (the router keeps reads of a transaction there).
    assert counted["default"] == len(primary.captured_queries) > 0
    assert value("taskboard_db_query_seconds_count", alias="default") >= counted["default"]


@pytest.mark.django_db
def test_a_failing_statement_is_counted_as_an_error() -> None:
    def fail() -> None:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_here")

    assert moved("taskboard_db_query_errors_total", fail, alias="default") == 1


@pytest.mark.django_db
def test_a_write_request_routes_its_reads_to_the_primary_after_the_write() -> None:
    given = board_with_roles(title="Routed")
    api = Api(given.owner)

    def write() -> None:
        assert api.patch(f"boards/{given.board.pk}/", {"title": "Renamed"}).status_code == 200

    assert moved("taskboard_db_reads_routed_total", write, alias="default", reason="primary_after_write") >= 1


@pytest.mark.django_db
def test_reads_outside_a_request_are_forced_to_the_primary() -> None:
    assert (
        moved(
            "taskboard_db_reads_routed_total",
            lambda: list(Board.objects.all()),
            alias="default",
            reason="primary_forced",
        )
        == 1
    )


@pytest.mark.postgresql  # a replica
@pytest.mark.django_db(transaction=True)
def test_a_read_request_is_routed_to_the_replica_and_its_lag_is_measured(pg_cluster: Any) -> None:
    from taskboard.db.replicas import get_monitor, reset_monitor

    given = board_with_roles(title="Replica")
    pg_cluster.replica.wait_for_catchup()
    api = Api(given.owner)

    def read() -> None:
        assert api.get("boards/").status_code == 200

    try:
        get_monitor().check_now()
        assert moved("taskboard_db_reads_routed_total", read, alias="replica1", reason="replica") >= 1
    finally:
        # Its probe connections to the test database would keep the database from being dropped.
        reset_monitor()
    assert value("taskboard_db_replica_lag_seconds", alias="replica1") >= 0
    assert (
        registry(scrape=False).get_sample_value("taskboard_db_replica_lag_seconds", {"alias": "replica1"})
        is not None
    )


@pytest.mark.postgresql  # psycopg's pools
@pytest.mark.django_db
def test_the_pools_are_sampled_by_a_scrape() -> None:
    list(Board.objects.all())  # the primary's pool exists

    response = Client().get("/metrics")

    assert response.status_code == 200
    text = response.content.decode()
    for state in ("size", "in_use", "waiting"):
        assert f'taskboard_db_pool_connections{{alias="default",state="{state}"}}' in text
    assert value("taskboard_db_pool_connections", alias="default", state="size") > 0


# -- caches --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_board_reads_count_hits_and_misses_per_layer_and_builds() -> None:
    given = board_with_roles(title="Cached")
    BoardListFactory.create(board=given.board, title="To do")
    api = Api(given.viewer)
    names = [("memory", "hit"), ("memory", "miss"), ("redis", "hit"), ("redis", "miss")]
    before = {
        key: value("taskboard_board_cache_requests_total", layer=key[0], result=key[1]) for key in names
    }
    builds = value("taskboard_board_cache_build_seconds_count")

    api.get(f"boards/{given.board.pk}/")  # built
    api.get(f"boards/{given.board.pk}/")  # from this process's memory
    local_bodies().bodies.clear()
    api.get(f"boards/{given.board.pk}/")  # from the shared cache

    after = {key: value("taskboard_board_cache_requests_total", layer=key[0], result=key[1]) for key in names}
    assert {key: after[key] - before[key] for key in names} == {
        ("memory", "hit"): 1,
        ("memory", "miss"): 2,
        ("redis", "hit"): 1,
        ("redis", "miss"): 1,
    }
    assert value("taskboard_board_cache_build_seconds_count") - builds == 1


def test_a_redis_error_the_cache_swallows_is_counted() -> None:
    # Nothing listens on port 9 of this machine: the cache answers a miss, fails open.
    unreachable = CountingRedisCache(
        "redis://127.0.0.1:9/0",
        {"OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}},
    )

    assert moved("taskboard_cache_errors_total", lambda: unreachable.get("anything")) == 1


# -- business ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_registration_and_logins_are_counted(django_capture_on_commit_callbacks: Any) -> None:
    api = Api(None)
    before = {
        name: value(name)
        for name in (
            "taskboard_registrations_total",
            "taskboard_logins_total",
            "taskboard_login_failures_total",
        )
    }

    with django_capture_on_commit_callbacks(execute=True):
        registered = api.post(
            "auth/register/", {"email": "new@example.com", "password": PASSWORD, "name": "N"}
        )
    assert registered.status_code == 201
    assert api.post("auth/token/", {"email": "new@example.com", "password": PASSWORD}).status_code == 200
    assert (
        api.post("auth/token/", {"email": "new@example.com", "password": "wrong-" + PASSWORD}).status_code
        == 401
    )

    after = {name: value(name) - before[name] for name in before}
    assert after == {
        "taskboard_registrations_total": 1,
        "taskboard_logins_total": 1,
        "taskboard_login_failures_total": 1,
    }


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_a_lockout_is_counted_once_per_window() -> None:
    user = UserFactory.create(email="locked@example.com")
    api = Api(None)

    def guess_five_times() -> None:
        for _ in range(5):
            api.post("auth/token/", {"email": user.email, "password": "wrong-" + PASSWORD})

    assert moved("taskboard_lockouts_total", guess_five_times) == 1


@pytest.mark.django_db
def test_boards_and_tasks_are_counted_when_their_write_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner = UserFactory.create()
    api = Api(owner)
    names = ["boards_created", "tasks_created", "tasks_moved", "tasks_completed"]
    before = {name: value(f"taskboard_{name}_total") for name in names}
    committing = django_capture_on_commit_callbacks(execute=True)
    committing.__enter__()

    board = api.post("boards/", {"title": "Counted"}).json()
    lists = api.get(f"boards/{board['id']}/").json()["lists"]
    todo, done = lists[0]["id"], lists[2]["id"]
    task = api.post(f"boards/{board['id']}/tasks/", {"list_id": todo, "title": "One"}).json()
    assert api.post(f"tasks/{task['id']}/move/", {"list_id": done, "index": 0}).status_code == 200
    assert api.patch(f"tasks/{task['id']}/", {"completed": True}).status_code == 200
    committing.__exit__(None, None, None)

    assert {name: value(f"taskboard_{name}_total") - before[name] for name in names} == dict.fromkeys(
        names, 1
    )


@pytest.mark.django_db
def test_a_rolled_back_write_is_not_counted() -> None:
    from boards import services as board_services

    owner = UserFactory.create()

    def create_then_fail() -> None:
        with transaction.atomic():
            board_services.board_create(actor=owner, title="Never")
            raise RuntimeError

    def rolled_back() -> None:
        with pytest.raises(RuntimeError):
            create_then_fail()

    assert moved("taskboard_boards_created_total", rolled_back) == 0


@pytest.mark.django_db
def test_a_signed_in_user_is_active_at_the_next_scrape() -> None:
    user = UserFactory.create()

    Api(user).get("boards/")
    text = Client().get("/metrics").content.decode()

    for window in ("5m", "1h", "1d"):
        line = next(
            line
            for line in text.splitlines()
            if line.startswith(f'taskboard_active_users{{window="{window}"}}')
        )
        assert float(line.split()[-1]) >= 1
