"""Orders services: the SP-API connection and what the orders add up to.

The syncs themselves are in orders/sync.py."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.services import audit_log_record, model_snapshot
from catalog.models import Marketplace
from orders.models import Order, OrderItem, SpApiConnection
from orders.spapi import SpApiClient, SpApiError

SECRET_FIELDS = ("lwa_client_secret", "refresh_token")


def _snapshot(connection: SpApiConnection) -> dict:
    snap = model_snapshot(connection)
    for key in ("last_test_at", "last_test_ok", "last_test_message", "updated_at"):
        snap.pop(key, None)
    if connection.pk:
        snap["marketplaces"] = ",".join(sorted(m.code for m in connection.marketplaces.all()))
    return snap


def spapi_connection_save(*, actor, region: str, data: dict, request=None) -> SpApiConnection:
    """Create or update the connection of a region (audited, secrets masked).

    A blank secret keeps the stored one, so a form never has to show it back.
    """
    with transaction.atomic():
        connection = SpApiConnection.objects.select_for_update().filter(
            region=region
        ).first() or SpApiConnection(region=region)
        before = _snapshot(connection) if connection.pk else None
        for key in ("lwa_client_id", "selling_partner_id", "active"):
            if key in data:
                setattr(connection, key, data[key])
        for key in SECRET_FIELDS:
            if data.get(key):
                setattr(connection, key, data[key])
        connection.save()
        if "marketplaces" in data:
            connection.marketplaces.set(
                Marketplace.objects.filter(code__in=data["marketplaces"], region=region)
            )
        audit_log_record(
            actor=actor,
            action="orders.spapi_connection.update" if before else "orders.spapi_connection.create",
            obj=connection,
            before=before,
            after=_snapshot(connection),
            request=request,
        )
    return connection


def spapi_connection_test(*, actor, connection: SpApiConnection, request=None) -> dict:
    """Exchange the refresh token and list marketplace participations.

    Returns {"ok", "marketplaces", "error"} and keeps the outcome on the
    connection. The error is exactly what Amazon said (wrong secret, revoked
    token, wrong region), without any credential.
    """
    client = SpApiClient.for_connection(connection, max_wait=30)
    try:
        participations = client.marketplace_participations()
    except SpApiError as exc:
        result = {"ok": False, "marketplaces": [], "error": str(exc)}
    else:
        result = {
            "ok": True,
            "marketplaces": [
                {
                    "id": p["marketplace"]["id"],
                    "name": p["marketplace"]["name"],
                    "country": p["marketplace"]["countryCode"],
                    "participating": p["participation"]["isParticipating"],
                }
                for p in participations
            ],
            "error": "",
        }
    message = result["error"] or "Found: " + ", ".join(m["name"] for m in result["marketplaces"])
    SpApiConnection.objects.filter(pk=connection.pk).update(
        last_test_at=timezone.now(), last_test_ok=result["ok"], last_test_message=message[:2000]
    )
    audit_log_record(
        actor=actor,
        action="orders.spapi_connection.test",
        obj=connection,
        after={"ok": result["ok"], "message": message[:500]},
        request=request,
    )
    return result


def sales_summary(*, start: dt.date, end: dt.date, marketplace=None) -> dict:
    """Orders, units and sales (item price less promotions) per currency for the
    marketplace-local days start..end. Cancelled and unfulfillable orders count for
    nothing; estimated (pending) amounts are counted and reported as such."""
    items = OrderItem.objects.counted().filter(
        order__local_date__gte=start, order__local_date__lte=end
    )
    orders = Order.objects.counted().filter(local_date__gte=start, local_date__lte=end)
    if marketplace is not None:
        items = items.filter(order__marketplace=marketplace)
        orders = orders.filter(marketplace=marketplace)
    by_currency = (
        items.values("order__currency")
        .annotate(
            gross=Sum("item_price", default=0),
            discounts=Sum("promotion_discount", default=0),
        )
        .order_by("order__currency")
    )
    return {
        "orders": orders.count(),
        "units": items.aggregate(n=Sum("quantity_ordered", default=0))["n"],
        "sales": {
            row["order__currency"] or "?": (row["gross"] - row["discounts"]).quantize(
                Decimal("0.01")
            )
            for row in by_currency
        },
        "estimated_orders": orders.filter(is_estimated=True).count(),
    }
