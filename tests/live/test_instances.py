"""Two ASGI instances sharing one Redis, as behind a load balancer: every client gets every
event of writes made through either instance, in seq order with no gaps, and keeps that
view across a Redis restart by reconnecting and resyncing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from accounts.tests.factories import UserFactory
from activity.models import Activity
from boards.models import Board
from boards.tests.factories import BoardFactory, BoardListFactory, MembershipFactory

from .clients import LiveClient, board_path, next_frame, next_frame_of, open_socket, wait_for
from .conftest import access_token
from .servers import AsgiServer

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 200
USERS = 10


def bearer(token: str) -> Callable[[], dict[str, str]]:
    return lambda: {"Authorization": f"Bearer {token}"}


def board_with_viewers(users: int) -> tuple[Board, int, list[Any]]:
    """A board, one of its lists, and `users` members (the first is its owner)."""
    owner = UserFactory.create()
    board = BoardFactory.create(created_by=owner)
    members = [owner] + [MembershipFactory.create(board=board).user for _ in range(users - 1)]
    return board, BoardListFactory.create(board=board).pk, members


async def write_task(server: AsgiServer, token: str, board: Board, list_id: int, title: str) -> None:
    status, body = await asyncio.to_thread(
        server.request,
        "POST",
        f"/api/v1/boards/{board.pk}/tasks/",
        token=token,
        body={"list_id": list_id, "title": title},
    )
    assert status == 201, body


def expected_titles(board: Board, after: int) -> dict[int, str]:
    return dict(Activity.objects.filter(board=board, seq__gt=after).values_list("seq", "target_title"))


def test_200_clients_on_two_instances_get_every_write_in_order(asgi_servers: list[AsgiServer]) -> None:
    board, list_id, members = board_with_viewers(USERS)
    tokens = [access_token(user) for user in members]
    first, second = asgi_servers
    sequential = 10
    concurrent_per_instance = 10

    async def scenario() -> list[LiveClient]:
        stop = asyncio.Event()
        clients = [
            LiveClient(asgi_servers[n % 2], board.pk, bearer(tokens[n % USERS])) for n in range(CLIENTS)
        ]
        runs = [asyncio.create_task(client.run(stop)) for client in clients]
        await wait_for(
            lambda: all(client.connected.is_set() for client in clients), timeout=60, what="200 hellos"
        )
        start = clients[0].last
        assert start is not None
        assert all(client.last == start for client in clients)

        # One write after another, alternating instances: each event is published before
        # its response, so every client receives them in order, without asking to resync.
        for n in range(sequential):
            await write_task(asgi_servers[n % 2], tokens[n % USERS], board, list_id, f"seq-{n}")
        await wait_for(
            lambda: all(client.last == start + sequential for client in clients),
            timeout=60,
            what="the sequential writes to reach every client",
        )
        assert [client.resyncs for client in clients] == [0] * CLIENTS

        # Then through both instances at once: commit order decides the seqs, and a client
        # that gets two events out of order resyncs.
        async def writer(server: AsgiServer, name: str) -> None:
            for n in range(concurrent_per_instance):
                await write_task(server, tokens[n % USERS], board, list_id, f"{name}-{n}")

        await asyncio.gather(writer(first, "a"), writer(second, "b"))
        final = start + sequential + 2 * concurrent_per_instance
        await wait_for(
            lambda: all(client.last == final for client in clients),
            timeout=60,
            what="the concurrent writes to reach every client",
        )
        stop.set()
        await asyncio.gather(*runs)
        return clients

    clients = asyncio.run(scenario())

    start = clients[0].applied[0] - 1
    titles = expected_titles(board, start)
    assert len(titles) == 30
    for client in clients:
        assert client.applied == sorted(titles)
        assert {seq: event["data"]["title"] for seq, event in client.events.items()} == titles
        assert client.connections == 1
        assert client.close_codes == []


def test_a_client_that_reconnects_to_the_other_instance_resyncs_exactly_what_it_missed(
    asgi_servers: list[AsgiServer],
) -> None:
    board, list_id, members = board_with_viewers(2)
    token = access_token(members[1])
    first, second = asgi_servers
    with open_socket(first, board_path(board.pk), token=token) as ws:
        seen = next_frame(ws)["seq"]

    async def writes() -> None:
        for n, server in enumerate((first, second, first)):
            await write_task(server, access_token(members[0]), board, list_id, f"missed-{n}")

    asyncio.run(writes())
    with open_socket(second, board_path(board.pk), token=token) as ws:
        hello = next_frame(ws)
        ws.send(json.dumps({"type": "resync", "since": seen}))
        replayed = [next_frame_of(ws, "event") for _ in range(3)]

    assert hello["seq"] == seen + 3
    assert [(event["seq"], event["data"]["title"]) for event in replayed] == [
        (seen + 1, "missed-0"),
        (seen + 2, "missed-1"),
        (seen + 3, "missed-2"),
    ]


def test_a_redis_restart_loses_nothing_from_the_clients_point_of_view(
    asgi_servers: list[AsgiServer], redis_server: Any
) -> None:
    board, list_id, members = board_with_viewers(4)
    tokens = [access_token(user) for user in members]
    viewers = 40

    async def scenario() -> tuple[list[LiveClient], int]:
        stop = asyncio.Event()
        clients = [LiveClient(asgi_servers[n % 2], board.pk, bearer(tokens[n % 4])) for n in range(viewers)]
        runs = [asyncio.create_task(client.run(stop)) for client in clients]
        await wait_for(lambda: all(c.connected.is_set() for c in clients), timeout=60, what="hellos")
        start = clients[0].last
        assert start is not None

        for n in range(3):
            await write_task(asgi_servers[n % 2], tokens[0], board, list_id, f"before-{n}")
        await wait_for(lambda: all(c.last == start + 3 for c in clients), timeout=30, what="3 events")

        await asyncio.to_thread(redis_server.stop)
        # Writes while Redis is down still succeed; their events can't be published.
        for n in range(2):
            await write_task(asgi_servers[n % 2], tokens[1], board, list_id, f"during-{n}")
        await asyncio.to_thread(redis_server.start)
        for n in range(3):
            await write_task(asgi_servers[n % 2], tokens[2], board, list_id, f"after-{n}")

        final = start + 8
        await wait_for(
            lambda: all(c.last == final and c.connected.is_set() for c in clients),
            timeout=60,
            what="every client to reconnect and catch up",
        )
        stop.set()
        await asyncio.gather(*runs)
        return clients, start

    clients, start = asyncio.run(scenario())

    titles = expected_titles(board, start)
    assert len(titles) == 8
    assert all(server.running for server in asgi_servers)
    for client in clients:
        assert client.applied == sorted(titles)
        assert {seq: event["data"]["title"] for seq, event in client.events.items()} == titles
        assert client.connections >= 2
        assert client.final_code is None
    # The servers closed the sockets themselves (1012: restart; 1011 when the channel
    # layer's read failed first); none were refused for good.
    codes = {code for client in clients for code in client.close_codes}
    assert codes <= {1011, 1012, 1006, None}
    assert codes & {1011, 1012}
