"""WebSocket routes of the boards app (mounted by taskboard.asgi)."""

from django.urls import re_path

from .consumers import BoardConsumer

websocket_urlpatterns = [
    # At most 18 digits: the id must fit PostgreSQL's bigint.
    re_path(r"^ws/boards/(?P<board_id>[0-9]{1,18})/$", BoardConsumer.as_asgi()),
]
