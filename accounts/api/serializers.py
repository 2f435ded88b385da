"""Input serializers check shapes and types; services check meaning; output serializers
shape answers. Unknown fields are ignored (DRF drops them)."""

from typing import Any

from rest_framework import serializers

from accounts.models import User


class StrictCharField(serializers.CharField):
    """A string, and only a string: API.md makes wrong types a 400 (DRF would take 12)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only (DRF would also take "yes", 1, "on" ...)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class PasswordField(StrictCharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 128)
        super().__init__(trim_whitespace=False, write_only=True, style={"input_type": "password"}, **kwargs)


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- input ------------------------------------------------------------------------------


class RegisterInputSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)
    password = PasswordField()
    name = StrictCharField(max_length=150)


class TokenObtainInputSerializer(serializers.Serializer):
    # Any string: an address that can't exist is just bad credentials (401), not a 400.
    email = StrictCharField(max_length=254)
    password = PasswordField()


class RefreshInputSerializer(serializers.Serializer):
    refresh = StrictCharField()


class PasswordResetInputSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=254)


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    uid = StrictCharField(max_length=64)
    token = StrictCharField(max_length=128)
    new_password = PasswordField()


class MeUpdateInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=150, required=False)
    timezone = StrictCharField(max_length=64, required=False, help_text="An IANA time zone name.")
    email_notifications = StrictBooleanField(required=False)


class PasswordChangeInputSerializer(serializers.Serializer):
    current_password = PasswordField()
    new_password = PasswordField()


# --- output -----------------------------------------------------------------------------


class UserSummaryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name"]
        read_only_fields = fields


class MeOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "timezone", "email_notifications", "date_joined"]
        read_only_fields = fields


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
