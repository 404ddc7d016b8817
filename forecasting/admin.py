from django.contrib import admin

from accounts.admin import AuditedAdmin, ReadOnlyAdmin
from forecasting.models import ForecastRun, PurchaseOrder


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(AuditedAdmin):
    """Open orders count in the restock plan from their expected arrival: mark an order
    received once Amazon shows its units, or they count twice."""

    list_display = [
        "reference",
        "listing",
        "supplier",
        "quantity",
        "ordered_on",
        "expected_arrival",
        "status",
    ]
    list_filter = ["status", "listing__marketplace", "supplier"]
    search_fields = ["reference", "supplier", "listing__seller_sku", "listing__product__sku"]
    list_select_related = ["listing__marketplace"]
    raw_id_fields = ["listing"]
    date_hierarchy = "expected_arrival"


@admin.register(ForecastRun)
class ForecastRunAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "started_at",
        "status",
        "trigger",
        "engine_version",
        "series",
        "low_history",
        "workers",
        "seconds_fit",
        "wape",
        "baseline_wape",
    ]
    list_filter = ["status", "trigger", "engine_version"]
