"""Django's MessageMiddleware, with the message storage made only when something uses it.

The stock middleware builds the cookie/session storage (a signer, a cookie read) on every
request: about 9 % of the CPU of `/healthz` under gunicorn (docs/benchmarks.md), paid by
every API request, none of which ever shows a message. Here `request._messages` is a lazy
object: pages that add or show messages get the same storage as before, and a response
whose request never touched it is left alone.
"""

from typing import Any

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty


class LazyMessageMiddleware(MessageMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> Any:
        storage = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response
        return super().process_response(request, response)
