"""Content negotiation: DRF's, with a shortcut for what nearly every request asks.

DRF negotiates on every request, before the view runs: it parses the query string (for
`?format=`) and each media range of the Accept header against each renderer. The API has
one renderer (JSON), and clients send no Accept, `*/*` or `application/json`; negotiating
that cost about a tenth of the CPU of a warm board read (docs/benchmarks.md). Those
requests get DRF's own answer for them directly; anything else is negotiated as before
(and may still be refused with 406).
"""

from collections.abc import Iterable

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

PLAIN_ACCEPTS = frozenset({"", "*/*", "application/json"})


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderers = list(renderers)
        meta = request._request.META
        if (
            format_suffix is None
            and renderers
            and renderers[0].media_type == "application/json"
            and meta.get("HTTP_ACCEPT", "").strip() in PLAIN_ACCEPTS
            and self.settings.URL_FORMAT_OVERRIDE not in meta.get("QUERY_STRING", "")
        ):
            # What DRF answers for these: the renderer's own media type.
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
