from rest_framework import serializers

from accounts.serializers import StrictObjectMixin
from catalog.filters import ALL, marketplace_code, seller_sku_value
from catalog.models import Marketplace
from forecasting.plans import HORIZON_CHOICES
from forecasting.restock import Action

MAX_SKUS = 500


class MarketplaceQuerySerializer(serializers.Serializer):
    marketplace = serializers.CharField(required=False, default=ALL, max_length=8)

    def validate_marketplace(self, value):
        return marketplace_code(value)

    @property
    def market(self) -> Marketplace | None:
        code = self.validated_data["marketplace"]
        return None if code == ALL else Marketplace.objects.get(code=code)


class ForecastQuerySerializer(MarketplaceQuerySerializer):
    horizon = serializers.ChoiceField(choices=HORIZON_CHOICES, default=30)
    limit = serializers.IntegerField(default=10, min_value=1, max_value=100)


class RestockQuerySerializer(MarketplaceQuerySerializer):
    action = serializers.CharField(
        required=False, max_length=200, help_text="Comma-separated: " + ", ".join(Action.ALL)
    )

    def validate_action(self, value):
        actions = [a.strip() for a in value.split(",") if a.strip()]
        unknown = [a for a in actions if a not in Action.ALL]
        if unknown or not actions:
            raise serializers.ValidationError(
                f"Unknown action {', '.join(unknown) or value!r}; one of {', '.join(Action.ALL)}."
            )
        return actions


class WhatIfSerializer(StrictObjectMixin, MarketplaceQuerySerializer):
    """A restock plan under other assumptions; nothing is stored."""

    lead_time_days = serializers.IntegerField(required=False, min_value=0, max_value=365)
    service_level = serializers.FloatField(required=False, min_value=0.5, max_value=0.999)
    review_days = serializers.IntegerField(required=False, min_value=0, max_value=180)
    inbound_days = serializers.IntegerField(required=False, min_value=0, max_value=180)
    skus = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=MAX_SKUS
    )

    def validate_skus(self, value):
        return [seller_sku_value(v) for v in value]


def sku_value(value: str) -> str:
    try:
        return seller_sku_value(value)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({"sku": exc.detail}) from None
