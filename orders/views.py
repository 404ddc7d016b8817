import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import owner_required, signed_in_required
from accounts.services import mask_secret
from ads import figures as ad_figures
from catalog.filters import ALL, Period, period_from_query, today_in
from catalog.models import Marketplace, Region
from orders import dashboard
from orders.models import SpApiConnection, SyncSource
from orders.services import last_success, orders_sync_start, spapi_connection_test, sync_status


@owner_required
def amazon_settings_page(request):
    connections = {c.region: c for c in SpApiConnection.objects.prefetch_related("marketplaces")}
    rows = [
        {
            "region": code,
            "label": label,
            "connection": connections.get(code),
            "secret": mask_secret(connections[code].lwa_client_secret)
            if code in connections
            else "",
            "token": mask_secret(connections[code].refresh_token) if code in connections else "",
        }
        for code, label in Region.choices
    ]
    return render(
        request,
        "orders/amazon_settings.html",
        {"page_title": "Amazon connection", "nav": "settings", "rows": rows},
    )


@owner_required
@require_POST
def amazon_connection_test(request, region):
    connection = SpApiConnection.objects.filter(region=region).first()
    if connection is None:
        messages.error(request, f"No {region} connection yet.")
        return redirect("amazon-settings")
    result = spapi_connection_test(actor=request.user, connection=connection, request=request)
    if result["ok"]:
        names = ", ".join(m["name"] for m in result["marketplaces"]) or "none"
        messages.success(request, f"{region}: connected. Marketplaces found: {names}.")
    else:
        messages.error(request, f"{region}: {result['error']}")
    return redirect("amazon-settings")


@signed_in_required
def sync_status_page(request):
    status = sync_status()
    busy = bool(status["running"])
    return render(
        request,
        "orders/sync_status.html",
        {"page_title": "Sync status", "nav": "sync", "status": status, "busy": busy},
    )


@owner_required
@require_POST
def orders_sync_start_page(request):
    try:
        runs = orders_sync_start(actor=request.user, request=request)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        ids = ", ".join(f"#{r.pk} ({r.region})" for r in runs)
        messages.success(request, f"Orders sync queued: run {ids}. This page refreshes itself.")
    return redirect("sync-status")


@signed_in_required
def dashboard_page(request):
    """KPI tiles, the period's charts, marketplaces and top/bottom products."""
    period, _ = period_from_query(request.GET)
    code = period.marketplace
    marketplace = Marketplace.objects.filter(code=code).first() if code != ALL else None
    today = today_in(marketplace)
    tiles = []
    for label, start, end in [
        ("Today", today, today),
        ("Yesterday", today - dt.timedelta(days=1), today - dt.timedelta(days=1)),
        ("Month to date", today.replace(day=1), today),
        ("Last 30 days", today - dt.timedelta(days=29), today),
    ]:
        tile_period = Period(code, start, end, None)
        figures = dashboard.summary(tile_period)
        ads = ad_figures.summary(tile_period)
        profit = figures["current"]["gross_profit"]
        net = (
            round(profit - ads["spend"], 2)
            if profit is not None and ads["spend"] is not None
            else None
        )
        tiles.append(
            {"label": label, "first": start, "last": end, "figures": figures, "ads": ads,
             "net_profit": net}
        )  # fmt: skip
    sort = request.GET.get("sort") if request.GET.get("sort") in dashboard.SORTS else "revenue"
    orders_synced = last_success(SyncSource.ORDERS)
    return render(
        request,
        "orders/dashboard.html",
        {
            "page_title": "Dashboard",
            "nav": "dashboard",
            "tiles": tiles,
            "currency": dashboard.currency_of(period, False),
            "products": dashboard.top_products(period, sort, 10),
            "marketplace_rows": dashboard.marketplaces(period)["items"],
            "sort": sort,
            "sorts": sorted(dashboard.SORTS),
            "orders_synced_at": orders_synced.finished_at if orders_synced else None,
            "now": timezone.now(),
        },
    )


@signed_in_required
def orders_page(request):
    """Searchable orders of the period: status, local date, amounts, estimated/actual."""
    from django.core.paginator import Paginator

    from catalog.filters import PeriodQuerySerializer
    from orders.filters import orders_for, with_details
    from orders.models import OrderStatus

    period_query = PeriodQuerySerializer(data=request.GET)
    if not period_query.is_valid():
        period_query = PeriodQuerySerializer(data={})
        period_query.is_valid()
    query = request.GET.copy()
    if query.get("status") == "":
        query.pop("status")
    filtered, _period = orders_for(query, period_query)
    problems = (
        []
        if filtered.is_valid()
        else [
            f"{field}: {' '.join(str(m) for m in errors)}"
            for field, errors in filtered.errors.items()
        ]
    )
    orders = filtered.qs if not problems else filtered.queryset
    page = Paginator(with_details(orders), 50).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(
        request,
        "orders/orders.html",
        {
            "page_title": "Orders",
            "nav": "orders",
            "page": page,
            "problems": problems,
            "statuses": OrderStatus.choices,
            "chosen": request.GET.getlist("status"),
            "query_without_page": keep.urlencode(),
        },
    )
