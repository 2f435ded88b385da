"""The API's JSON parser: DRF's, with nesting bounded (taskboard.bounded_json)."""

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DrfJSONParser
from rest_framework.utils.json import strict_constant

from taskboard import bounded_json


class JSONParser(DrfJSONParser):
    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            # Whole: Django has refused bodies over DATA_UPLOAD_MAX_MEMORY_SIZE already.
            text = stream.read().decode(encoding)
            return bounded_json.loads(text, parse_constant=strict_constant if self.strict else None)
        except ValueError as exc:
            # Not JSON, nested too deep, or not UTF-8 (UnicodeDecodeError is a ValueError).
            raise ParseError(f"JSON parse error - {exc}") from None
