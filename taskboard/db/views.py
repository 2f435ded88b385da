from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .pools import alias_reports
from .serializers import PoolsSerializer


class PoolsView(APIView):
    """Staff only: each database alias with its role, connection pool use and replica lag."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses=PoolsSerializer, operation_id="admin_pools")
    def get(self, request: Request) -> Response:
        return Response(PoolsSerializer({"aliases": alias_reports()}).data)
