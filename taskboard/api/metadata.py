"""What OPTIONS answers: the view's name and description and the media types it speaks
(the methods it takes are in the Allow header).

DRF's SimpleMetadata also describes the fields of POST and PUT from the view's
`serializer_class`. The views here have none (each method validates with its own input
serializer), so DRF's version crashed on every GenericAPIView; the fields are in the
OpenAPI schema (/api/v1/schema/) instead.
"""

from typing import TYPE_CHECKING, Any

from rest_framework.metadata import BaseMetadata
from rest_framework.request import Request

if TYPE_CHECKING:
    # DRF's views import the metadata class from the settings: no import at run time.
    from rest_framework.views import APIView


class Metadata(BaseMetadata):
    def determine_metadata(self, request: Request, view: "APIView") -> dict[str, Any]:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }
