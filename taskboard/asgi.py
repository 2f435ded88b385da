"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Production serves WebSockets with uvicorn (`uvicorn taskboard.asgi:application`) and plain
HTTP with gunicorn's WSGI workers; `make run` serves both from this app in one process.
This is the one module of the project package that imports an app (live.routing): it is
where the process is put together (.importlinter says so).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskboard.settings.local")
# Loads the settings and the apps: the imports below need models.
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from live.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": django_application, "websocket": websocket_application})
