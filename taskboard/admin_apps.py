"""django.contrib.admin with the project's default site (taskboard.admin_site), in a module
of its own: INSTALLED_APPS imports it before any model can be."""

from django.contrib.admin.apps import AdminConfig


class TaskboardAdminConfig(AdminConfig):
    default_site = "taskboard.admin_site.TaskboardAdminSite"
