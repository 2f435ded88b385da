"""Serializer fields that take JSON types as they are.

docs/api.md: "wrong types are a 400". DRF's own fields coerce (12 becomes "12", "5" becomes 5,
"yes" becomes True); these refuse instead. Strings must also be storable: PostgreSQL
rejects NUL characters (DRF already refuses those) and lone surrogates ("\\ud800" is
valid JSON but not UTF-8), which would otherwise surface as a 500 on the write.
"""

from typing import Any

from rest_framework import serializers

# Larger ids can't exist, and some lookups (OFFSET, IN) would fail in the database instead
# of matching nothing.
from taskboard.db.ids import MAX_ID


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class StrictCharField(serializers.CharField):
    """A string, and only a string (DRF would take 12 and make it "12")."""

    default_error_messages = {"surrogates": "Not a valid string: it contains unpaired surrogates."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if not _encodable(data):
            self.fail("surrogates")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or not _encodable(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only (DRF would also take "yes", 1, "on" ...)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only (DRF would take "5", 5.0 and, through int(), other things)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdField(StrictIntegerField):
    """The id of a row: a positive integer in the range of a primary key."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class StrictChoiceField(serializers.ChoiceField):
    """One of the choices, given as a string (DRF compares str(value): 1 would match "1")."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictDateTimeField(serializers.DateTimeField):
    """An ISO 8601 string (or null where allowed); a time without a zone is taken as UTC."""

    def to_internal_value(self, value: Any) -> Any:
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601")
        return super().to_internal_value(value)


class PasswordField(StrictCharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 128)
        super().__init__(trim_whitespace=False, write_only=True, style={"input_type": "password"}, **kwargs)
