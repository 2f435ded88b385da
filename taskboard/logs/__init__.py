"""Logs: one request id from nginx to the Celery tasks and the WebSocket lines, the context
every record carries, JSON or console formatting, redaction (docs/operations.md "Logs")."""
