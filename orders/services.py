"""Orders services: the SP-API connection and what the orders add up to.

The syncs themselves are in orders/sync.py."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.services import audit_log_record, model_snapshot
from catalog.models import Marketplace
from orders.models import (
    Order,
    OrderItem,
    ReportRequest,
    ReportStatus,
    SpApiConnection,
    SyncCursor,
    SyncRun,
    SyncSource,
    SyncStatus,
)
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


# --- sync status ---------------------------------------------------------------------------


def _run_dict(run: SyncRun | None) -> dict | None:
    if run is None:
        return None
    return {
        "id": run.pk,
        "source": run.source,
        "region": run.region,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "inserted": run.inserted,
        "updated": run.updated,
        "pages": run.pages,
        "calls": run.calls,
        "throttled": run.throttled,
        "error": run.error,
        "detail": run.detail,
    }


def last_success(source: str) -> SyncRun | None:
    return (
        SyncRun.objects.filter(source=source, status=SyncStatus.SUCCESS)
        .order_by("-finished_at")
        .first()
    )


def sync_status(now=None, recent: int = 20) -> dict:
    """Per source: the last run, the last success and its age; open report windows and
    the Ads reports' state."""
    from ads.services import ads_report_status

    now = now or timezone.now()
    sources = []
    for source, label in SyncSource.choices:
        success = last_success(source)
        latest = SyncRun.objects.filter(source=source).order_by("-created_at", "-id").first()
        sources.append(
            {
                "source": source,
                "label": label,
                "last_run": _run_dict(latest),
                "last_success_at": success.finished_at if success else None,
                "age_seconds": round((now - success.finished_at).total_seconds())
                if success
                else None,
            }
        )
    windows = {
        row["status"]: row["n"]
        for row in ReportRequest.objects.values("status").annotate(n=Count("id"))
    }
    problems = [
        {
            "window": f"{r.marketplace.code} {r.data_start:%Y-%m-%d}..{r.data_end:%Y-%m-%d}",
            "status": r.status,
            "attempts": r.attempts,
            "next_attempt_at": r.next_attempt_at,
            "error": r.error,
        }
        for r in ReportRequest.objects.filter(status=ReportStatus.FAILED)
        .select_related("marketplace")
        .order_by("data_start")[:50]
    ]
    cursors = {f"{c.source}:{c.region}": c.watermark for c in SyncCursor.objects.all()}
    return {
        "time": now,
        "sources": sources,
        "running": [
            _run_dict(r)
            for r in SyncRun.objects.filter(status__in=[SyncStatus.QUEUED, SyncStatus.RUNNING])
        ],
        "watermarks": cursors,
        "report_windows": {status: windows.get(status, 0) for status in ReportStatus.values},
        "failed_windows": problems,
        "recent": [_run_dict(r) for r in SyncRun.objects.order_by("-created_at", "-id")[:recent]],
        "ads_reports": ads_report_status(),
    }


def orders_sync_start(*, actor, request=None) -> list[SyncRun]:
    """Queue an orders sync per active connection (django-q2 runs them)."""
    from django_q.tasks import async_task

    connections = [c for c in SpApiConnection.objects.filter(active=True) if c.has_credentials]
    if not connections:
        raise ValueError("No active SP-API connection with credentials: add one in Settings.")
    runs = []
    for connection in connections:
        run = SyncRun.objects.create(
            source=SyncSource.ORDERS, region=connection.region, trigger="manual"
        )
        audit_log_record(
            actor=actor, action="orders.sync.start", obj=run, after={"run": run.pk}, request=request
        )
        runs.append(run)
    # Queued after the rows commit, so the cluster always finds them.
    for run in runs:
        transaction.on_commit(
            lambda pk=run.pk: async_task("orders.tasks.orders_sync_run", pk, group="orders-sync")
        )
    return runs
