from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from taskboard.api.schema import NOT_AUTHENTICATED, error

from .pools import alias_reports
from .serializers import PoolsSerializer


class PoolsView(APIView):
    """Staff only: each database alias with its role, connection pool use and replica lag."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="admin_pools",
        summary="Database pools and replica lag (staff only)",
        responses={
            200: PoolsSerializer,
            401: NOT_AUTHENTICATED,
            403: error("permission_denied: the caller is not staff."),
        },
    )
    def get(self, request: Request) -> Response:
        return Response(PoolsSerializer({"aliases": alias_reports()}).data)
