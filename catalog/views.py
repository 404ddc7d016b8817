from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import signed_in_required
from catalog.filters import ALL, period_from_query
from catalog.models import InventoryLevel
from catalog.services import data_health_report


@signed_in_required
def inventory_page(request):
    period, _ = period_from_query(request.GET)
    levels = InventoryLevel.objects.select_related("listing__marketplace", "listing__product")
    if period.marketplace != ALL:
        levels = levels.filter(listing__marketplace__code=period.marketplace)
    now = timezone.now()
    rows = [(level, level.is_stale(now)) for level in levels]
    return render(
        request,
        "catalog/inventory.html",
        {
            "page_title": "Inventory",
            "nav": "inventory",
            "rows": rows,
            "stale_count": sum(1 for _, stale in rows if stale),
            "stale_hours": settings.INVENTORY_STALE_HOURS,
        },
    )


@signed_in_required
def data_health_page(request):
    return render(
        request,
        "catalog/data_health.html",
        {"page_title": "Data health", "nav": "data-health", "report": data_health_report()},
    )
