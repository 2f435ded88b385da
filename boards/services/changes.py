"""What the PATCH-style services of boards share."""

from collections.abc import Mapping

from django.db.models import Model


def apply_changes(row: Model, values: Mapping[str, object]) -> list[str]:
    """Set on `row` those of `values` that differ from its own: the names of the fields
    that changed (none: nothing to save, nothing to record)."""
    changed = [field for field, value in values.items() if getattr(row, field) != value]
    for field in changed:
        setattr(row, field, values[field])
    return changed
