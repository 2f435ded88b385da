"""`manage.py seed_load` (the load test's data, bench/load/): users on boards with tasks,
in bulk, and credentials that work: each session opens its board's pages, each refresh
token gets an access token."""

import json
import stat
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from boards.models import Board, Membership, Role
from tasks.models import Task

pytestmark = pytest.mark.django_db


def seed_load(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "seed.json"
    call_command("seed_load", *args, "--out", str(out), stdout=None)
    return json.loads(out.read_text())


def test_users_boards_and_tasks_are_seeded_with_working_credentials(tmp_path: Path) -> None:
    data = seed_load(tmp_path, "--users", "7", "--members", "3", "--tasks", "6", "--tag", "t1")

    assert User.objects.filter(email__startswith="load-t1-").count() == 7
    assert [len(board["tasks"]) for board in data["boards"]] == [6, 6, 6]
    boards = Board.objects.filter(pk__in=[board["id"] for board in data["boards"]])
    assert sorted(Membership.objects.filter(board__in=boards).values_list("role", flat=True)) == sorted(
        [Role.OWNER] * 3 + [Role.MEMBER] * 4
    )
    assert Task.objects.filter(board__in=boards).count() == 18
    assert [user["board"] for user in data["users"]] == [0, 0, 0, 1, 1, 1, 2]
    # Every tenth user has a refresh token (the API clients'): here the first.
    assert [bool(user["refresh"]) for user in data["users"]] == [True] + [False] * 6
    assert stat.S_IMODE((tmp_path / "seed.json").stat().st_mode) == 0o600

    person = data["users"][4]
    board = data["boards"][person["board"]]
    browser = Client()
    browser.cookies["sessionid"] = person["session"]
    response = browser.get(f"/boards/{board['id']}/counts/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert len(response.json()["lists"]) == 3
    assert browser.get(f"/boards/{data['boards'][0]['id']}/counts/").status_code == 404  # not a member

    refreshed = Client().post(
        "/api/v1/auth/token/refresh/",
        data={"refresh": data["users"][0]["refresh"]},
        content_type="application/json",
    )
    assert refreshed.status_code == 200
    access = refreshed.json()["access"]
    detail = Client().get(f"/api/v1/boards/{data['boards'][0]['id']}/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert detail.status_code == 200


def test_seeding_is_bulk_not_a_query_per_user(tmp_path: Path) -> None:
    with CaptureQueriesContext(connection) as few:
        seed_load(tmp_path, "--users", "10", "--members", "100", "--tasks", "5", "--tag", "q10")
    with CaptureQueriesContext(connection) as many:
        seed_load(tmp_path, "--users", "100", "--members", "100", "--tasks", "5", "--tag", "q100")

    # Ten times the people on one board: only the nine more token pairs cost queries.
    per_token_pair = (len(many) - len(few)) / 9
    assert per_token_pair <= 6, (len(few), len(many))


def test_a_tag_is_used_once(tmp_path: Path) -> None:
    seed_load(tmp_path, "--users", "2", "--tag", "again")

    with pytest.raises(CommandError, match="exist already"):
        seed_load(tmp_path, "--users", "2", "--tag", "again")
