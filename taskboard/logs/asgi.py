"""The WebSocket side of the request id: taken from the upgrade request's X-Request-ID
(nginx sets it on /ws/ too), for every line the socket's consumer logs. The consumer adds
the user and the board once it knows them (live/board_consumer.py)."""

from typing import Any

from taskboard.logs.context import board_id_var, request_id_from, request_id_var, user_id_var


class SocketLogContext:
    """ASGI middleware: the socket's consumer runs inside this call, in this task."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        header = next((value for name, value in scope.get("headers", ()) if name == b"x-request-id"), b"")
        request_token = request_id_var.set(request_id_from(bytes(header).decode("latin1")))
        user_token = user_id_var.set(None)
        board_token = board_id_var.set(None)
        try:
            await self.app(scope, receive, send)
        finally:
            board_id_var.reset(board_token)
            user_id_var.reset(user_token)
            request_id_var.reset(request_token)
