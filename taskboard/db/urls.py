from django.urls import path

from .views import PoolsView

urlpatterns = [path("", PoolsView.as_view(), name="admin-pools")]
