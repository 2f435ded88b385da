"""What the board changelists show beside the rows' own fields: counts of related rows, and
links to their changelists."""

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html


def count_subquery(queryset: QuerySet[Any], field: str) -> Coalesce:
    """The number of rows of `queryset` whose `field` is the outer row (0 for none): a
    per-row count without joins that would multiply other counts."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def changelist_link(model: type[Any], text: object, **filters: object) -> str:
    opts = model._meta
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, query, text)
