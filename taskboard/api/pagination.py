"""Pagination as docs/api.md says: page numbers (default 50, max 200), cursors for feeds."""

from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

MAX_PAGE_SIZE = 200


def _page_size(request: Request, param: str, default: int) -> int:
    """`?page_size=`: a positive integer, capped at MAX_PAGE_SIZE. Anything else is a 400
    (docs/api.md: wrong types are a 400), where DRF would quietly use the default."""
    raw = request.query_params.get(param)
    if not raw:
        # Absent or empty (an empty parameter is ignored, as everywhere in the API).
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValidationError({param: ["A positive integer is required."]})
    return min(int(raw), MAX_PAGE_SIZE)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        return _page_size(request, self.page_size_query_param, self.page_size)


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        return _page_size(request, self.page_size_query_param, self.page_size)
