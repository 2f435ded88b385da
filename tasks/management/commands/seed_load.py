"""People and boards for the load test (bench/load/, issue 17), written in bulk.

    manage.py seed_load --users 2000 --out var/load/seed.json

N users (no usable password: nobody logs in with one), boards of `--members` people each
(every user on one board, the first of each board its owner), each board with its three
lists and `--tasks` tasks, and for every user a **session** (as if they had logged in
before the test: a login costs an Argon2 hash, ~0.1 s of CPU and 100 MiB, which would be
the whole test at 2,000 arrivals) and for every tenth user a **refresh token** (the API
clients'; each one its own family, since rotation revokes a family used twice).

Everything is bulk-inserted, so 2,000 users take seconds: the boards go through
`board_create` (lists, labels, the first activity), their tasks through
`bulk_create_tasks` under the board's lock (seed_demo's large board does the same), the
rest with `bulk_create`. The command runs with the target's settings (its database and
SECRET_KEY: the sessions are signed with it), and writes what the simulated people need
as JSON to `--out` (mode 0600: it holds credentials; nothing of it is printed).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services.tokens import token_pair_issue
from boards import services as board_services
from boards.models import BoardList, Label, Membership, Role
from boards.permissions import Action
from tasks.management.commands.seed_demo import bulk_create_tasks
from tasks.models import Task
from writes import board_write

BATCH = 1000
# Every API_SHARE-th user also gets a token pair (the locustfile's API clients).
API_SHARE = 10
SESSION_DAYS = 2


def _users(tag: str, count: int) -> list[User]:
    unusable = "!" + secrets.token_urlsafe(30)  # as set_unusable_password() writes it
    return User.objects.bulk_create(
        (
            User(
                email=f"load-{tag}-{n}@load.example",
                name=f"Load {n:05d}",
                password=unusable,
                email_verified=True,
            )
            for n in range(count)
        ),
        batch_size=BATCH,
    )


def _board(tag: str, number: int, people: list[User], tasks: int) -> dict[str, Any]:
    owner = people[0]
    board = board_services.board_create(actor=owner, title=f"Load {tag} board {number}")
    Membership.objects.bulk_create(
        (Membership(board=board, user=user, role=Role.MEMBER) for user in people[1:]), batch_size=BATCH
    )
    lists = list(BoardList.objects.filter(board=board).order_by("position", "id"))
    if tasks:
        with board_write(board_id=board.pk, actor=owner) as write:
            write.require(Action.TASK_CHANGE)
            bulk_create_tasks(
                write.board,
                owner=owner,
                lists=lists,
                task_count=tasks,
                assignee_choices=[[], [owner], people[1:2]],
                labels=list(Label.objects.filter(board=board).order_by("id")[:3]),
            )
            write.touch()
    task_ids = list(Task.objects.filter(board=board).order_by("id").values_list("id", flat=True))
    return {"id": board.pk, "lists": [each.pk for each in lists], "tasks": task_ids}


def _sessions(users: list[User]) -> list[str]:
    """A logged-in session per user, as django.contrib.auth.login() leaves it."""
    expire = timezone.now() + timedelta(days=SESSION_DAYS)
    store = SessionStore()
    rows = []
    for user in users:
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(
            Session(session_key=secrets.token_hex(16), session_data=store.encode(data), expire_date=expire)
        )
    Session.objects.bulk_create(rows, batch_size=BATCH)
    return [row.session_key for row in rows]


def seed(*, users: int, members: int, tasks: int, tag: str) -> dict[str, Any]:
    """Writes the data; returns what the seed file holds."""
    people = _users(tag, users)
    boards = []
    for number, start in enumerate(range(0, users, members)):
        with transaction.atomic():
            boards.append(_board(tag, number, people[start : start + members], tasks))
    sessions = _sessions(people)
    refresh = {n: token_pair_issue(user=people[n]).refresh for n in range(0, users, API_SHARE)}
    return {
        "tag": tag,
        "boards": boards,
        "users": [
            {"id": user.pk, "board": n // members, "session": sessions[n], "refresh": refresh.get(n)}
            for n, user in enumerate(people)
        ],
    }


class Command(BaseCommand):
    help = "Create users, boards, tasks, sessions and tokens for the load test (bench/load/)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--members", type=int, default=20, help="people per board (default 20)")
        parser.add_argument("--tasks", type=int, default=60, help="tasks per board (default 60)")
        parser.add_argument("--tag", default="", help="names the run's users and boards (default: the time)")
        parser.add_argument("--out", required=True, help="the seed file to write (JSON, mode 0600)")

    def handle(self, *args: Any, **options: Any) -> None:
        users, members, tasks = options["users"], options["members"], options["tasks"]
        if users < 1 or members < 1 or tasks < 0:
            raise CommandError("--users and --members must be 1 or more, --tasks 0 or more.")
        tag = options["tag"] or time.strftime("%Y%m%d%H%M%S")
        if User.objects.filter(email__startswith=f"load-{tag}-").exists():
            raise CommandError(f"Users tagged {tag!r} exist already: pick another --tag.")
        started = time.monotonic()
        data = seed(users=users, members=members, tasks=tasks, tag=tag)
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Seeded {users} users on {len(data['boards'])} boards ({tasks} tasks each) "
            f"in {seconds:.1f} s; wrote {out}."
        )
