from rest_framework import serializers

from accounts.services import mask_secret
from catalog.filters import ALL, PeriodQuerySerializer
from catalog.models import Marketplace, Region
from orders import dashboard
from orders.models import Order, OrderItem, SpApiConnection


class SpApiConnectionSerializer(serializers.ModelSerializer):
    """What the owner sees of a connection: secrets only masked."""

    lwa_client_secret = serializers.SerializerMethodField()
    refresh_token = serializers.SerializerMethodField()
    marketplaces = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = SpApiConnection
        fields = [
            "region",
            "lwa_client_id",
            "lwa_client_secret",
            "refresh_token",
            "selling_partner_id",
            "marketplaces",
            "active",
            "last_test_at",
            "last_test_ok",
            "last_test_message",
        ]

    def get_lwa_client_secret(self, obj) -> str:
        return mask_secret(obj.lwa_client_secret)

    def get_refresh_token(self, obj) -> str:
        return mask_secret(obj.refresh_token)


class SpApiConnectionWriteSerializer(serializers.Serializer):
    region = serializers.ChoiceField(choices=Region.choices)
    lwa_client_id = serializers.CharField(max_length=200, required=False)
    lwa_client_secret = serializers.CharField(
        max_length=500, required=False, allow_blank=True, write_only=True
    )
    refresh_token = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, write_only=True
    )
    selling_partner_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    marketplaces = serializers.ListField(
        child=serializers.CharField(max_length=8), required=False, max_length=30
    )
    active = serializers.BooleanField(required=False)

    def validate(self, attrs):
        region = attrs["region"]
        codes = [c.upper() for c in attrs.get("marketplaces", [])]
        known = set(Marketplace.objects.filter(code__in=codes).values_list("code", "region"))
        for code in codes:
            match = [r for c, r in known if c == code]
            if not match:
                raise serializers.ValidationError({"marketplaces": f"Unknown marketplace {code}."})
            if match[0] != region:
                raise serializers.ValidationError(
                    {"marketplaces": f"{code} is not in the {region} region."}
                )
        if "marketplaces" in attrs:
            attrs["marketplaces"] = codes
        exists = SpApiConnection.objects.filter(region=region).exists()
        if not exists:
            missing = [
                f
                for f in ("lwa_client_id", "lwa_client_secret", "refresh_token")
                if not attrs.get(f)
            ]
            if missing:
                raise serializers.ValidationError(
                    dict.fromkeys(missing, "Required for a new connection.")
                )
        return attrs


class RegionSerializer(serializers.Serializer):
    region = serializers.ChoiceField(choices=Region.choices)


class DashboardQuerySerializer(PeriodQuerySerializer):
    """The dashboard endpoints' query: the shared period filter, the currency, and the
    options of each endpoint (ignored by the others)."""

    currency = serializers.ChoiceField(choices=["reporting", "local"], default="reporting")
    interval = serializers.ChoiceField(choices=sorted(dashboard.INTERVALS), default="day")
    sort = serializers.ChoiceField(choices=sorted(dashboard.SORTS), default="revenue")
    limit = serializers.IntegerField(default=10, min_value=1, max_value=100)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("currency") == "local" and attrs.get("marketplace", ALL) == ALL:
            raise serializers.ValidationError(
                "currency=local needs one marketplace: amounts in different currencies "
                "are never added up."
            )
        return attrs

    @property
    def local(self) -> bool:
        return self.validated_data["currency"] == "local"


class OrderItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderItem
        fields = [
            "seller_sku",
            "asin",
            "title",
            "quantity_ordered",
            "quantity_shipped",
            "unit_price",
            "item_price",
            "item_tax",
            "shipping_price",
            "promotion_discount",
            "is_estimated",
        ]


class OrderSerializer(serializers.ModelSerializer):
    marketplace = serializers.CharField(source="marketplace.code")
    fees = serializers.SerializerMethodField()
    items = OrderItemSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "amazon_order_id",
            "marketplace",
            "created_at",
            "local_date",
            "last_updated_at",
            "status",
            "fulfillment_channel",
            "currency",
            "item_total",
            "tax_total",
            "shipping_total",
            "discount_total",
            "is_business",
            "is_prime",
            "is_estimated",
            "counts",
            "fees",
            "items",
        ]

    def get_fees(self, order) -> str:
        """actual: Amazon posted this order's fees; estimated: fee rules stand in."""
        return "actual" if getattr(order, "fees_posted", False) else "estimated"
