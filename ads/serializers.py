from django.utils import timezone
from rest_framework import serializers

from accounts.services import mask_secret
from ads import figures
from ads.models import AdsAccount
from catalog.filters import seller_sku_value
from catalog.models import Region
from orders.serializers import DashboardQuerySerializer


class AdsAccountSerializer(serializers.ModelSerializer):
    """What the owner sees of an Ads account: secrets only masked."""

    client_secret = serializers.SerializerMethodField()
    refresh_token = serializers.SerializerMethodField()

    class Meta:
        model = AdsAccount
        fields = [
            "region", "client_id", "client_secret", "refresh_token", "active",
            "last_test_at", "last_test_ok", "last_test_message", "updated_at",
        ]  # fmt: skip

    def get_client_secret(self, obj) -> str:
        return mask_secret(obj.client_secret)

    def get_refresh_token(self, obj) -> str:
        return mask_secret(obj.refresh_token)


class AdsAccountWriteSerializer(serializers.Serializer):
    region = serializers.ChoiceField(choices=Region.choices)
    client_id = serializers.CharField(max_length=200, required=False)
    client_secret = serializers.CharField(
        max_length=500, required=False, allow_blank=True, write_only=True
    )
    refresh_token = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, write_only=True
    )
    active = serializers.BooleanField(required=False)
    test = serializers.BooleanField(
        default=True, help_text="Exchange the token and list the profiles after saving."
    )

    def validate(self, attrs):
        exists = AdsAccount.objects.filter(region=attrs["region"]).exists()
        if not exists:
            missing = [
                k for k in ("client_id", "client_secret", "refresh_token") if not attrs.get(k)
            ]
            if missing:
                raise serializers.ValidationError(f"A new account needs {', '.join(missing)}.")
        return attrs


class ProfileSelectionSerializer(serializers.Serializer):
    selected = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=100, allow_empty=True
    )


class BackfillSerializer(serializers.Serializer):
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    days = serializers.IntegerField(min_value=1, max_value=95, default=60)
    batch = serializers.IntegerField(min_value=1, max_value=31, default=5)


class AdsQuerySerializer(DashboardQuerySerializer):
    """The ads endpoints' query: the dashboard's period, marketplace and currency, the
    attribution window, and for the SKU table its sort; for one SKU's series its SKU."""

    window = serializers.ChoiceField(choices=[7, 14], required=False)
    sort = serializers.ChoiceField(choices=sorted(figures.SORTS), default="spend")
    limit = serializers.IntegerField(default=figures.PAGE_ROWS, min_value=1,
                                     max_value=figures.MAX_ROWS)  # fmt: skip
    offset = serializers.IntegerField(default=0, min_value=0, max_value=1_000_000)
    sku = serializers.CharField(required=False, max_length=64)

    def validate_sku(self, value):
        return seller_sku_value(value)


class SkuCostWriteSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    unit_cost = serializers.DecimalField(max_digits=14, decimal_places=4, min_value=0)
    inbound_freight_per_unit = serializers.DecimalField(
        max_digits=14, decimal_places=4, min_value=0, default=0
    )
    other_per_unit = serializers.DecimalField(
        max_digits=14, decimal_places=4, min_value=0, default=0
    )
    currency = serializers.RegexField(r"^[A-Z]{3}$", max_length=3)
    effective_from = serializers.DateField(required=False)

    def validate(self, attrs):
        attrs.setdefault("effective_from", timezone.localdate())
        return attrs
