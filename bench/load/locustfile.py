"""The load test's simulated people (issue 17), for locust. Run it with bench/load/run.py,
which seeds the data and reads the figures; by hand:

    LOAD_SEED_FILE=var/load/seed.json .venv/bin/locust -f bench/load/locustfile.py \
        --host https://127.0.0.1:8443 --headless -u 200 -r 20 -t 60s

Who they are (weights; think times in seconds):

- **Viewer** (70): has a board page open with its socket, and nothing else. What the page's
  script does when an event arrives, it does too (static/js/live_board.js): a new, changed,
  completed or reopened card asks for the card's fragment. The column counts come with the
  events that change them (`lists`) and a card's comment count with comment events (`task`),
  so those ask for nothing; only a frame without them (an event stored before they existed)
  asks for the counts, or for a commented card's fragment. Every 30 to 90 s it checks its
  socket (and reconnects a dropped one).
- **Browser** (18): on a board page with its socket; every 10 to 30 s opens a card (the
  dialog's fragment), sometimes the columns fragment (a closed dialog), the boards index and
  a board page again (a navigation: the socket closes and a new one opens).
- **Editor** (10): on a board page with its socket; every 20 to 60 s drags a card (the page's
  drop endpoint) or, one time in four, comments on one (the dialog's form, htmx).
- **ApiClient** (2): JWT; every 2 to 10 s reads its boards, a board (half of them answered 304
  to If-None-Match), a filtered task list, or moves a card or comments through the API;
  refreshes its access token every 4 minutes (the default lifetime is 5).

`LOAD_THINK_SCALE` multiplies every think time (0.5: twice as busy).

Everyone comes with credentials from the seed file (`manage.py seed_load`): sessions and
refresh tokens made as if they had logged in before, so no Argon2 hash at arrival. Pages
are asked for as the browser does (the session cookie, the CSRF cookie and header, Origin,
HX-Request for fragments); static files are not (browsers cache them: immutable URLs).

WebSocket delivery is measured on every socket: from the event's `at` (the time its
Activity row was written, before the commit) to the moment the frame is read, both clocks
this machine's. It is reported to locust as request type "WS", name "delivery".
"""

from __future__ import annotations

import random
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

import gevent

# load_people imports locust (which monkey-patches the standard library for gevent) before
# websocket-client.
import locust
from load_people import (
    ACCESS_REFRESH_SECONDS,
    LATEST_REFRESH,
    SEED,
    WS_RECONNECT_SECONDS,
    BoardSocket,
    next_api_person,
    next_person,
    think,
)
from locust import FastHttpUser, task


class BoardPageUser(FastHttpUser):
    """Someone with a board page open (session cookie), and its socket."""

    abstract = True
    # Locust's own TLS check is off: make stack's certificate is self-signed.
    insecure = True

    def on_start(self) -> None:
        person = next_person()
        self.board = SEED["boards"][person["board"]]
        csrf = secrets.token_hex(16)  # Django accepts its 32-character secret unmasked
        self.cookie = f"sessionid={person['session']}; csrftoken={csrf}"
        parts = urlsplit(str(self.host))
        self.page_headers = {"Cookie": self.cookie, "Origin": f"{parts.scheme}://{parts.netloc}"}
        self.post_headers = {**self.page_headers, "X-CSRFToken": csrf}
        self.socket = BoardSocket(self)
        self.open_board()

    def on_stop(self) -> None:
        self.socket.close()

    def open_board(self) -> None:
        self.socket.close()
        self.page(f"/boards/{self.board['id']}/", "page: board")
        self.socket.connect()

    def page(self, path: str, name: str, *, htmx: bool = False, accept: str | None = None) -> None:
        headers = dict(self.page_headers)
        if htmx:
            headers["HX-Request"] = "true"
        if accept:
            headers["Accept"] = accept
        with self.client.get(
            path, name=name, headers=headers, catch_response=True, allow_redirects=False
        ) as response:
            self._expect(response, (200, 204))

    def post(self, path: str, name: str, data: dict[str, str], *, htmx: bool = False) -> None:
        headers = {**self.post_headers, "Content-Type": "application/x-www-form-urlencoded"}
        if htmx:
            headers["HX-Request"] = "true"
        body = "&".join(f"{key}={value}" for key, value in data.items())
        with self.client.post(
            path, name=name, data=body, headers=headers, catch_response=True, allow_redirects=False
        ) as response:
            # 409: the target list is at its WIP limit (none is set here; still the page's answer).
            self._expect(response, (200, 204, 409))

    @staticmethod
    def _expect(response: Any, statuses: tuple[int, ...]) -> None:
        # A redirect (to the login page: the session was refused) is a failure too.
        if response.status_code not in statuses:
            response.failure(f"HTTP {response.status_code}")
        elif response.headers.get("HX-Redirect"):
            response.failure("sent to the login page (HX-Redirect)")

    def on_event(self, frame: dict[str, Any]) -> None:
        """What static/js/live_board.js asks the server for, per event."""
        verb, data = frame.get("verb"), frame.get("data") or {}
        board_id = self.board["id"]
        if verb in ("task.created", "task.moved", "task.deleted") and "lists" not in frame:
            self.page(f"/boards/{board_id}/counts/", "fragment: counts (live)", accept="application/json")
        if verb in ("task.created", "task.updated", "task.completed", "task.reopened"):
            self.page(f"/boards/{board_id}/cards/{data.get('id')}/", "fragment: card (live)")
        elif verb in ("comment.created", "comment.deleted") and data.get("task_id") and "task" not in frame:
            self.page(f"/boards/{board_id}/cards/{data['task_id']}/", "fragment: card (live)")

    def keep_socket(self) -> None:
        if not self.socket.open:
            gevent.sleep(WS_RECONNECT_SECONDS)
            self.socket.connect()

    def a_task(self) -> int:
        return int(random.choice(self.board["tasks"]))


class Viewer(BoardPageUser):
    weight = 70
    wait_time = think(30, 90)

    @task
    def stay(self) -> None:
        self.keep_socket()


class Browser(BoardPageUser):
    weight = 18
    wait_time = think(10, 30)

    @task(6)
    def open_card(self) -> None:
        self.keep_socket()
        self.page(f"/tasks/{self.a_task()}/", "fragment: card dialog", htmx=True)

    @task(2)
    def close_card(self) -> None:
        # Closing a dialog in which something changed refreshes the columns.
        self.page(f"/boards/{self.board['id']}/?fragment=columns", "fragment: columns", htmx=True)

    @task(1)
    def navigate(self) -> None:
        self.page("/boards/", "page: boards index")
        self.open_board()


class Editor(BoardPageUser):
    weight = 10
    wait_time = think(20, 60)

    @task(3)
    def drag_card(self) -> None:
        self.keep_socket()
        tasks = self.board["tasks"]
        moved, after = random.sample(tasks, 2) if len(tasks) > 1 else (tasks[0], "")
        data = {"list_id": str(random.choice(self.board["lists"])), "after_id": str(after)}
        self.post(f"/tasks/{moved}/drop/", "page: drop card", data)

    @task(1)
    def comment(self) -> None:
        self.post(
            f"/tasks/{self.a_task()}/comments/",
            "page: comment",
            {"body": f"Load+test+comment+{random.randrange(10**6)}"},
            htmx=True,
        )


class ApiClient(FastHttpUser):
    weight = 2
    wait_time = think(2, 10)
    insecure = True

    def on_start(self) -> None:
        person = next_api_person()
        self.board = SEED["boards"][person["board"]]
        self.person_id = str(person["id"])
        self.refresh_token = person["refresh"]
        self.etag = ""
        self.refreshed_at = 0.0
        self.refresh()

    def refresh(self) -> None:
        with self.client.post(
            "/api/v1/auth/token/refresh/",
            name="api: token refresh",
            json={"refresh": self.refresh_token},
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                raise locust.exception.StopUser("token refresh refused")
            pair = response.json()
        self.refresh_token = LATEST_REFRESH[self.person_id] = pair["refresh"]
        self.headers = {"Authorization": f"Bearer {pair['access']}", "Accept": "application/json"}
        self.refreshed_at = time.monotonic()

    def call(
        self, method: str, path: str, name: str, *, body: Any = None, ok: tuple[int, ...] = (200,)
    ) -> Any:
        if time.monotonic() - self.refreshed_at > ACCESS_REFRESH_SECONDS:
            self.refresh()
        headers = dict(self.headers)
        if name == "api: board detail (304)" and self.etag:
            headers["If-None-Match"] = self.etag
        with self.client.request(
            method, path, name=name, headers=headers, json=body, catch_response=True
        ) as response:
            if response.status_code not in ok:
                response.failure(f"HTTP {response.status_code}")
            return response

    @task(3)
    def boards(self) -> None:
        self.call("GET", "/api/v1/boards/", "api: boards")

    @task(3)
    def board_detail(self) -> None:
        response = self.call("GET", f"/api/v1/boards/{self.board['id']}/", "api: board detail")
        self.etag = response.headers.get("ETag", "")

    @task(3)
    def board_detail_not_modified(self) -> None:
        self.call("GET", f"/api/v1/boards/{self.board['id']}/", "api: board detail (304)", ok=(200, 304))

    @task(2)
    def my_tasks(self) -> None:
        self.call(
            "GET",
            f"/api/v1/boards/{self.board['id']}/tasks/?assignee=me&completed=false",
            "api: tasks filtered",
        )

    @task(2)
    def move(self) -> None:
        body = {"list_id": random.choice(self.board["lists"]), "index": random.randrange(5)}
        self.call("POST", f"/api/v1/tasks/{random.choice(self.board['tasks'])}/move/", "api: move", body=body)

    @task(1)
    def comment(self) -> None:
        body = {"body": f"API load test comment {random.randrange(10**6)}"}
        path = f"/api/v1/tasks/{random.choice(self.board['tasks'])}/comments/"
        self.call("POST", path, "api: comment", body=body, ok=(201,))
