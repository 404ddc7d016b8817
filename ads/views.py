from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import signed_in_required
from ads import figures
from ads.models import AdsProfile
from catalog.filters import period_from_query
from orders import dashboard
from orders.models import SyncSource
from orders.services import last_success


def _window(request) -> int:
    value = request.GET.get("window")
    return int(value) if value in ("7", "14") else settings.ADS_ATTRIBUTION_DAYS


def _context(request, **extra):
    period, _ = period_from_query(request.GET)
    collected = last_success(SyncSource.ADS_COLLECT)
    profiles = AdsProfile.objects.filter(selected=True)
    return period, {
        "window": _window(request),
        "windows": [7, 14],
        "currency": dashboard.currency_of(period, False),
        "has_profiles": profiles.exists(),
        "collected_at": collected.finished_at if collected else None,
        "now": timezone.now(),
        **extra,
    }


@signed_in_required
def ads_page(request):
    """KPI tiles, spend against ad sales per day, and every campaign of the period."""
    period, context = _context(request)
    window = context["window"]
    summary = figures.summary(period, window=window)
    context.update(
        page_title="Ads",
        nav="ads",
        summary=summary,
        gaps={code: c for code, c in summary["coverage"].items() if c["days_missing"]},
        settling=summary,
        campaigns=figures.campaigns(period, window=window)["campaigns"],
    )
    return render(request, "ads/ads.html", context)


@signed_in_required
def attribution_page(request):
    """SKU profitability after ad spend, and one SKU's days."""
    period, context = _context(request)
    sort = request.GET.get("sort") if request.GET.get("sort") in figures.SORTS else "spend"
    table = figures.sku_profitability(
        period, window=context["window"], sort=sort, limit=figures.PAGE_ROWS
    )
    skus = sorted({row["sku"] for row in table["rows"]})
    chosen = request.GET.get("sku") if request.GET.get("sku") in skus else None
    if chosen is None and table["rows"]:
        chosen = table["rows"][0]["sku"]
    context.update(
        page_title="Attribution",
        nav="attribution",
        rows=table["rows"],
        count=table["count"],
        settling=table,
        sort=sort,
        sorts=sorted(figures.SORTS),
        skus=skus,
        chosen=chosen,
    )
    return render(request, "ads/attribution.html", context)
