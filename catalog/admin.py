from django.contrib import admin

from accounts.admin import AuditedAdmin
from catalog.models import Marketplace


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
