from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import owner_required, signed_in_required
from accounts.services import mask_secret
from catalog.models import Region
from orders.models import SpApiConnection
from orders.services import orders_sync_start, spapi_connection_test, sync_status


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
