from rest_framework import serializers


class PoolStatsSerializer(serializers.Serializer):
    size = serializers.IntegerField(help_text="The most connections the pool opens (max_size).")
    min_size = serializers.IntegerField()
    in_use = serializers.IntegerField(help_text="Connections lent to a request right now.")
    idle = serializers.IntegerField(help_text="Open connections waiting in the pool.")
    waiting = serializers.IntegerField(help_text="Requests waiting for a connection.")


class AliasReportSerializer(serializers.Serializer):
    alias = serializers.CharField()
    role = serializers.ChoiceField(choices=["primary", "replica"])
    vendor = serializers.CharField()
    pool = PoolStatsSerializer(allow_null=True, help_text="null when the alias does not pool connections.")
    healthy = serializers.BooleanField(allow_null=True, help_text="null until first checked.")
    lag_seconds = serializers.FloatField(allow_null=True, help_text="Replicas only; null when unknown.")


class PoolsSerializer(serializers.Serializer):
    aliases = AliasReportSerializer(many=True)
