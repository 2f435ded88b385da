"""Input serializers check shapes and types; services check meaning; output serializers
shape answers. Unknown fields are ignored (DRF drops them)."""

from rest_framework import serializers

from accounts.models import User
from taskboard.api.fields import PasswordField, StrictBooleanField, StrictCharField, StrictEmailField

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


class VerifyEmailInputSerializer(serializers.Serializer):
    token = StrictCharField(max_length=512, help_text="The last path segment of the link in the mail.")


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
        fields = ["id", "email", "name", "timezone", "email_notifications", "email_verified", "date_joined"]
        read_only_fields = fields


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
