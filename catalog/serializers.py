from django.utils import timezone
from rest_framework import serializers

from catalog.models import INVENTORY_QUANTITIES, InventoryLevel, Location


class InventoryLevelSerializer(serializers.ModelSerializer):
    marketplace = serializers.CharField(source="listing.marketplace.code")
    seller_sku = serializers.CharField(source="listing.seller_sku")
    product_sku = serializers.CharField(source="listing.product.sku")
    title = serializers.CharField(source="listing.product.title")
    freshness = serializers.SerializerMethodField()

    class Meta:
        model = InventoryLevel
        fields = [
            "marketplace",
            "seller_sku",
            "product_sku",
            "title",
            "location",
            *INVENTORY_QUANTITIES,
            "as_of",
            "freshness",
            "source",
        ]

    def get_freshness(self, obj) -> str:
        return "stale" if obj.is_stale(self.context.get("now")) else "fresh"


class InventoryListQuerySerializer(serializers.Serializer):
    marketplace = serializers.CharField(required=False, default="ALL", max_length=8)
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=200)
    offset = serializers.IntegerField(min_value=0, max_value=10_000_000, default=0)


class InventoryWriteSerializer(serializers.Serializer):
    location = serializers.ChoiceField(choices=Location.choices, default=Location.FBA)
    available = serializers.IntegerField(min_value=0, max_value=10_000_000)
    reserved = serializers.IntegerField(min_value=0, max_value=10_000_000, default=0)
    inbound_working = serializers.IntegerField(min_value=0, max_value=10_000_000, default=0)
    inbound_shipped = serializers.IntegerField(min_value=0, max_value=10_000_000, default=0)
    inbound_receiving = serializers.IntegerField(min_value=0, max_value=10_000_000, default=0)
    unfulfillable = serializers.IntegerField(min_value=0, max_value=10_000_000, default=0)
    as_of = serializers.DateTimeField(required=False)

    def validate_as_of(self, value):
        if value > timezone.now() + timezone.timedelta(minutes=5):
            raise serializers.ValidationError("as_of is in the future.")
        return value


class InventoryDeleteQuerySerializer(serializers.Serializer):
    location = serializers.ChoiceField(choices=Location.choices, required=False)
