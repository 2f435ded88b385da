"""The dashboard at / (its name, `home`, has no namespace: every page links it)."""

from django.urls import path

from .dashboard_views import home

urlpatterns = [path("", home, name="home")]
