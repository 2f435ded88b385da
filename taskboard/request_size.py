"""Bodies over the size limit are refused (413) before anything reads them.

Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when something reads `request.body` or
`request.POST`, raises RequestDataTooBig (a 400, logged with a traceback, or under /api/ a
500 before this), and doesn't count the files of a multipart body, which it writes to disk
first. DRF's parsers read the raw stream and skip the check altogether. The declared
length is known before any of that, so the refusal comes first, for every path.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from taskboard.views import payload_too_large


class RequestSizeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            # Django reads no body then.
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return payload_too_large(request)
        return self.get_response(request)
