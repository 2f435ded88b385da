"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Production serves WebSockets with uvicorn (`uvicorn taskboard.asgi:application`) and plain
HTTP with gunicorn's WSGI workers; `make run` serves both from this app in one process.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskboard.settings.local")
# Loads the settings and the apps: the imports below need models.
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from accounts.ws_auth import WebSocketAuthMiddleware  # noqa: E402
from activity.routing import websocket_urlpatterns as activity_websocket_urlpatterns  # noqa: E402
from boards.routing import websocket_urlpatterns  # noqa: E402
from taskboard.websocket import NoRoute, OriginCheck  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": OriginCheck(
            WebSocketAuthMiddleware(
                URLRouter(
                    [*websocket_urlpatterns, *activity_websocket_urlpatterns, re_path(r"", NoRoute.as_asgi())]
                )
            )
        ),
    }
)
