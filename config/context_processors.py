from django.urls import reverse

from catalog.filters import DAY_CHOICES, period_from_query
from catalog.models import Marketplace

# (key, label, url name, owner only)
NAVIGATION = [
    ("dashboard", "Dashboard", "dashboard", False),
    ("orders", "Orders", "orders", False),
    ("ads", "Ads", "ads", False),
    ("attribution", "Attribution", "ads-attribution", False),
    ("forecast", "Forecast", "forecast", False),
    ("restock", "Restock", "restock", False),
    ("inventory", "Inventory", "inventory", False),
    ("alerts", "Alerts", "alerts", False),
    ("data-health", "Data health", "data-health", False),
    ("sync", "Sync", "sync-status", False),
    ("settings", "Settings", "settings", True),
    ("admin", "Admin", "admin:index", True),
]


def shell(request):
    """Navigation and the shared marketplace/date filter for signed-in pages."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    period, filter_problems = period_from_query(request.GET)
    query = period.query()
    from alerts.models import AlertEvent, AlertStatus

    open_alerts = AlertEvent.objects.filter(status=AlertStatus.OPEN).count()
    nav = []
    for key, label, url_name, owner_only in NAVIGATION:
        if owner_only and not user.is_owner:
            continue
        url = reverse(url_name)
        # Admin has its own filters; every dashboard page keeps the shared one.
        item = {"key": key, "label": label, "url": url if key == "admin" else f"{url}?{query}"}
        if key == "alerts":
            item["count"] = open_alerts
        nav.append(item)
    return {
        "nav_items": nav,
        "marketplaces": list(Marketplace.objects.active().values_list("code", "name")),
        "period": period,
        "filter_problems": filter_problems,
        "day_choices": DAY_CHOICES,
    }
