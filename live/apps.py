from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Live updates: the WebSocket consumers, presence, routing, publishing and the
    fragments the live board page fetches. It has no models."""

    name = "live"
