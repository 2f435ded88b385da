from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .routing import read_scope


class ReadYourWritesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with read_scope(allow_replicas=False):
            return self.get_response(request)
