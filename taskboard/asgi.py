"""ASGI entry point: HTTP through Django; WebSockets arrive with the live-updates work."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taskboard.settings.local")
application = get_asgi_application()
