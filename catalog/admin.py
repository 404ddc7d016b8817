from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from import_export.admin import ImportExportMixin

from accounts.admin import AuditedAdmin
from catalog import resources
from catalog.models import (
    INVENTORY_QUANTITIES,
    FeeRule,
    FxRate,
    InventoryLevel,
    Listing,
    Marketplace,
    ObservedSku,
    Product,
    SkuCost,
)
from catalog.services import SuggestionIndex, listing_map, unmapped_skus
from catalog.tables import FORMATS


class CatalogImportExportAdmin(ImportExportMixin, AuditedAdmin):
    """Admin with CSV/XLSX import (dry-run preview first) and export.

    A file with any bad row is refused whole; the preview lists every bad row.
    """

    formats = FORMATS
    rollback_on_validation_errors = True
    skip_admin_log = True  # the audit log records each import


@admin.register(Marketplace)
class MarketplaceAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "amazon_marketplace_id",
        "region",
        "currency",
        "time_zone",
        "active",
    ]
    list_filter = ["region", "active"]
    search_fields = ["code", "name", "amazon_marketplace_id"]


class SkuCostInline(admin.TabularInline):
    model = SkuCost
    extra = 1
    fields = [
        "effective_from",
        "unit_cost",
        "inbound_freight_per_unit",
        "other_per_unit",
        "currency",
    ]


class ListingInline(admin.TabularInline):
    model = Listing
    extra = 0
    fields = ["marketplace", "channel", "seller_sku", "fulfillment", "asin", "fnsku", "active"]


@admin.register(Product)
class ProductAdmin(CatalogImportExportAdmin):
    resource_classes = [resources.ProductResource]
    list_display = [
        "sku",
        "title",
        "brand",
        "category",
        "supplier",
        "case_pack",
        "lead_time_days",
        "transit_days",
        "min_order_quantity",
        "listing_count",
        "active",
    ]
    list_filter = ["active", "brand", "category", "supplier"]
    search_fields = ["sku", "title", "barcode", "listings__seller_sku", "listings__asin"]
    inlines = [ListingInline, SkuCostInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_listings=Count("listings"))

    @admin.display(description="listings", ordering="n_listings")
    def listing_count(self, obj):
        return obj.n_listings


@admin.register(Listing)
class ListingAdmin(CatalogImportExportAdmin):
    resource_classes = [resources.ListingResource]
    list_display = [
        "seller_sku",
        "marketplace",
        "channel",
        "fulfillment",
        "product",
        "asin",
        "fnsku",
        "active",
    ]
    list_filter = ["marketplace", "channel", "fulfillment", "active"]
    search_fields = ["seller_sku", "asin", "fnsku", "product__sku", "product__title"]
    list_select_related = ["marketplace", "product"]
    autocomplete_fields = ["product"]


@admin.register(SkuCost)
class SkuCostAdmin(CatalogImportExportAdmin):
    resource_classes = [resources.SkuCostResource]
    list_display = [
        "product",
        "effective_from",
        "unit_cost",
        "inbound_freight_per_unit",
        "other_per_unit",
        "currency",
    ]
    list_filter = ["currency"]
    search_fields = ["product__sku", "product__title"]
    date_hierarchy = "effective_from"
    list_select_related = ["product"]
    autocomplete_fields = ["product"]


@admin.register(FeeRule)
class FeeRuleAdmin(CatalogImportExportAdmin):
    resource_classes = [resources.FeeRuleResource]
    list_display = [
        "listing",
        "effective_from",
        "referral_fee_percent",
        "fba_fee_per_unit",
        "currency",
    ]
    list_filter = ["listing__marketplace", "currency"]
    search_fields = ["listing__seller_sku", "listing__asin"]
    list_select_related = ["listing__marketplace"]
    autocomplete_fields = ["listing"]


@admin.register(InventoryLevel)
class InventoryLevelAdmin(CatalogImportExportAdmin):
    resource_classes = [resources.InventoryResource]
    list_display = [
        "listing",
        "location",
        *INVENTORY_QUANTITIES,
        "as_of",
        "freshness",
        "source",
    ]
    list_filter = ["location", "source", "listing__marketplace"]
    search_fields = ["listing__seller_sku", "listing__asin"]
    list_select_related = ["listing__marketplace"]
    autocomplete_fields = ["listing"]

    @admin.display(description="freshness")
    def freshness(self, obj):
        return "stale" if obj.is_stale() else "fresh"


@admin.register(FxRate)
class FxRateAdmin(CatalogImportExportAdmin):
    resource_classes = [resources.FxRateResource]
    list_display = ["currency", "date", "rate"]
    list_filter = ["currency"]
    date_hierarchy = "date"


class UnmappedFilter(admin.SimpleListFilter):
    title = "mapping"
    parameter_name = "mapping"

    def lookups(self, request, model_admin):
        return [("unmapped", "Unmapped"), ("all", "All")]

    def queryset(self, request, queryset):
        if self.value() in (None, "unmapped"):
            return queryset.filter(pk__in=unmapped_skus().values("pk"))
        return queryset

    def choices(self, changelist):
        value = self.value() or "unmapped"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


@admin.register(ObservedSku)
class ObservedSkuAdmin(admin.ModelAdmin):
    """SKUs seen in Amazon data; unmapped ones first, with mapping suggestions."""

    list_display = [
        "seller_sku",
        "marketplace",
        "source",
        "asin",
        "first_seen",
        "last_seen",
        "suggestions",
    ]
    list_filter = [UnmappedFilter, "marketplace", "source"]
    search_fields = ["seller_sku", "asin"]
    list_select_related = ["marketplace"]
    actions = ["accept_suggestion"]
    readonly_fields = ["marketplace", "seller_sku", "source", "asin", "first_seen", "last_seen"]

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        self._index = SuggestionIndex()  # once per page, not once per row
        return super().changelist_view(request, extra_context)

    @admin.display(description="suggested product (reason)")
    def suggestions(self, obj):
        index = getattr(self, "_index", None) or SuggestionIndex()
        found = index.suggest(obj)
        if not found:
            return "—"
        return format_html_join(
            mark_safe("<br>"), "<b>{}</b> ({})", ((s.product.sku, s.reason) for s in found)
        )

    @admin.action(description="Map to the suggested product (only SKUs with exactly one)")
    def accept_suggestion(self, request, queryset):
        index = SuggestionIndex()
        mapped, skipped = 0, []
        for observed in queryset.select_related("marketplace"):
            found = index.suggest(observed)
            if len(found) != 1:
                skipped.append(f"{observed.seller_sku} ({len(found)} suggestions)")
                continue
            listing_map(
                actor=request.user, observed=observed, product=found[0].product, request=request
            )
            mapped += 1
        if mapped:
            self.message_user(request, f"Mapped {mapped} SKU(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                "Not mapped, map these by hand in Listings: " + ", ".join(skipped),
                messages.WARNING,
            )
