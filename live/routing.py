"""The WebSocket side of the ASGI app (mounted by taskboard.asgi): the Origin check, then
authentication, then the routes."""

from channels.routing import URLRouter
from django.urls import re_path

from live.board_consumer import BoardConsumer
from live.notification_consumer import NotificationConsumer
from live.origin_check import NoRoute, OriginCheck
from live.socket_auth import WebSocketAuthMiddleware
from taskboard.logs.asgi import SocketLogContext

websocket_urlpatterns = [
    # At most 18 digits: the id must fit PostgreSQL's bigint.
    re_path(r"^ws/boards/(?P<board_id>[0-9]{1,18})/$", BoardConsumer.as_asgi()),
    re_path(r"^ws/notifications/$", NotificationConsumer.as_asgi()),
]

# The log context (the request id of the upgrade request) first: every line of the socket has it.
websocket_application = SocketLogContext(
    OriginCheck(WebSocketAuthMiddleware(URLRouter([*websocket_urlpatterns, re_path(r"", NoRoute.as_asgi())])))
)
