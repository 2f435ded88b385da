"""Small views for the routing tests (mounted with @pytest.mark.urls("tests.db.urls")).

They read and write rows of django_content_type, tagged with their own app_label: a real
model whose app (contenttypes) is not primary-only, so the router may send its reads to the
replica, and no domain model exists yet. accounts.User and auth.Group would prove nothing:
they are primary-only and never leave the primary.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

THING_APP = "db_routing_test"


def thing_names() -> list[str]:
    return list(
        ContentType.objects.filter(app_label=THING_APP).order_by("model").values_list("model", flat=True)
    )


def things(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        name = request.POST["name"]
        # A read before the write: on an unsafe method it must hit the primary as well.
        if ContentType.objects.filter(app_label=THING_APP, model=name).exists():
            return JsonResponse({"error": "exists"}, status=409)
        ContentType.objects.create(app_label=THING_APP, model=name)
        return JsonResponse({"name": name}, status=201)
    return JsonResponse({"names": thing_names()})


def things_in_atomic(request: HttpRequest) -> JsonResponse:
    with transaction.atomic():
        return JsonResponse({"names": thing_names()})


def write_then_read(request: HttpRequest) -> JsonResponse:
    """A GET that writes (a visit counter, say): its later reads must see the write."""
    ContentType.objects.create(app_label=THING_APP, model=request.GET["name"])
    return JsonResponse({"names": thing_names()})


def count_things(request: HttpRequest) -> JsonResponse:
    """Any method, reads only."""
    return JsonResponse({"count": ContentType.objects.filter(app_label=THING_APP).count()})


class ThingsApiView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"names": thing_names()})


urlpatterns = [
    path("things/", things),
    path("things/atomic/", things_in_atomic),
    path("things/write-then-read/", write_then_read),
    path("things/count/", count_things),
    path("api-things/", ThingsApiView.as_view()),
]
