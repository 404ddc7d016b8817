from rest_framework import serializers

from accounts.serializers import StrictObjectMixin
from alerts.models import AlertEvent, AlertSettings, AlertStatus, Severity
from catalog.models import Marketplace
from orders.models import SyncSource

STATUS_CHOICES = ["active", *AlertStatus.values, "all"]


class AlertQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUS_CHOICES, default="active")
    severity = serializers.ChoiceField(choices=Severity.values, required=False)
    rule = serializers.CharField(required=False, max_length=32)
    limit = serializers.IntegerField(default=200, min_value=1, max_value=1000)


class AlertEventSerializer(serializers.ModelSerializer):
    marketplace = serializers.SlugRelatedField(slug_field="code", read_only=True)
    acknowledged_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    link = serializers.SerializerMethodField()

    class Meta:
        model = AlertEvent
        fields = [
            "id", "rule", "severity", "status", "subject", "marketplace", "message", "numbers",
            "link", "first_seen", "last_seen", "resolved_at", "acknowledged_at",
            "acknowledged_by",
        ]  # fmt: skip

    def get_link(self, event) -> str:
        return event.numbers.get("link", "")


class AcknowledgeSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=1000
    )


class RecipientSerializer(serializers.Serializer):
    user = serializers.EmailField(help_text="The user's e-mail.")
    critical = serializers.BooleanField()
    digest = serializers.BooleanField()
    summary = serializers.BooleanField()


class AlertSettingsSerializer(StrictObjectMixin, serializers.ModelSerializer):
    marketplaces = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Marketplace.objects.all(), required=False
    )
    recipients = RecipientSerializer(many=True, required=False)

    class Meta:
        model = AlertSettings
        fields = [*AlertSettings.EDITABLE, "stale_hours", "recipients", "updated_at"]
        read_only_fields = ["updated_at"]

    def validate_stale_hours(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("An object of source: hours.")
        sources = set(SyncSource.values)
        for source, hours in value.items():
            if source not in sources:
                raise serializers.ValidationError(f"Unknown sync source {source!r}.")
            if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 24 * 30:
                raise serializers.ValidationError(f"{source}: hours must be 1 to 720.")
        return value

    def validate_recipients(self, value):
        from accounts.models import User

        users = {u.email.lower(): u for u in User.objects.filter(is_active=True)}
        out = {}
        for item in value:
            user = users.get(item["user"].lower())
            if user is None:
                raise serializers.ValidationError(f"No active user {item['user']}.")
            out[user.pk] = {k: item[k] for k in ("critical", "digest", "summary")}
        return out

    def to_representation(self, instance):
        from alerts.services import recipient_choices

        body = super().to_representation(instance)
        body["recipients"] = [
            {"id": user.pk, "user": user.email, "role": user.role, "chosen": chosen, **wants}
            for user, chosen, wants in recipient_choices()
        ]
        return body
