"""Field checks the services share. Errors are collected per field and raised together as
one ValidationError({field: [messages]}), which the API turns into a 400 envelope."""

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError

from taskboard.db.ids import MAX_ID, MAX_INT

COLOR_RE = re.compile(r"#[0-9a-fA-F]{6}")


class FieldErrors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.fields

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationError(self.fields)


def clean_required_text(errors: FieldErrors, field: str, value: object, *, max_length: int) -> str:
    """A one-line title: surrounding whitespace dropped, not blank, not too long."""
    if not isinstance(value, str):
        errors.add(field, "Not a valid string.")
        return ""
    text = value.strip()
    if not text:
        errors.add(field, "This field may not be blank.")
    elif len(text) > max_length:
        errors.add(field, f"Ensure this field has no more than {max_length} characters.")
    return text


def clean_optional_text(errors: FieldErrors, field: str, value: object, *, max_length: int) -> str:
    """A longer text that may be empty (descriptions)."""
    if not isinstance(value, str):
        errors.add(field, "Not a valid string.")
        return ""
    if len(value) > max_length:
        errors.add(field, f"Ensure this field has no more than {max_length} characters.")
    return value


def clean_color(errors: FieldErrors, field: str, value: object) -> str:
    if not isinstance(value, str) or not COLOR_RE.fullmatch(value):
        errors.add(field, "Enter a color as #rrggbb.")
        return ""
    return value.lower()


# Ids are PostgreSQL bigints, counts and indexes integers: anything larger is a 400 here,
# not a database error (a 500) later (MAX_ID, MAX_INT).


def clean_ids(errors: FieldErrors, field: str, value: object) -> list[int]:
    """A list of integer ids, duplicates dropped, order kept."""
    if not isinstance(value, Iterable) or isinstance(value, str | bytes | dict):
        errors.add(field, "Expected a list of ids.")
        return []
    ids: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= MAX_ID:
            errors.add(field, "Expected a list of ids.")
            return []
        if item not in ids:
            ids.append(item)
    return ids


def clean_positive_int_or_none(errors: FieldErrors, field: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INT:
        errors.add(field, f"Ensure this value is a whole number from 1 to {MAX_INT}, or null.")
        return None
    return value


def clean_index(errors: FieldErrors, field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
        errors.add(field, f"Ensure this value is a whole number from 0 to {MAX_INT}.")
        return 0
    return value
